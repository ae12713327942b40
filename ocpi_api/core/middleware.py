"""Catch-all for the OCPI URL space: whatever goes wrong under /ocpi/, the partner gets an OCPI envelope, never HTML."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from .envelope import envelope
from .status import OcpiStatus
from .views import finish_headers

logger = logging.getLogger(__name__)
OCPI_PREFIX = "/ocpi/"


def _is_ocpi(request: HttpRequest) -> bool:
    return request.path_info.startswith(OCPI_PREFIX)


def _envelope_response(request: HttpRequest, status: int, code: OcpiStatus, message: str) -> HttpResponse:
    response = JsonResponse(envelope(None, code, message), status=status)
    finish_headers(request, response, functional=False, caller=None)
    return response


class OcpiEnvelopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not _is_ocpi(request) or response.get("Content-Type", "").startswith("application/json"):
            return response
        # Django's own answers (unknown URL, CSRF, method not allowed on plain views) arrive as HTML: rewrap them.
        code = OcpiStatus.SERVER_ERROR if response.status_code >= 500 else OcpiStatus.CLIENT_ERROR
        reason = getattr(response, "reason_phrase", "") or "Error"
        return _envelope_response(request, response.status_code, code, reason)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_ocpi(request):
            return None
        logger.exception("Unexpected error on %s %s", request.method, request.path)
        return _envelope_response(request, 500, OcpiStatus.SERVER_ERROR, "Internal error; it has been logged.")
