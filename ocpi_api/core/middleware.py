"""Catch-all for the OCPI URL space: whatever goes wrong under /ocpi/, the partner gets an OCPI envelope, never HTML.

The middleware sits outermost (first in MIDDLEWARE), so it also rewraps what Django's own middleware answers before
any view runs, e.g. the 400 of an unknown Host header (CommonMiddleware).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse

from .envelope import envelope
from .exceptions import error_for
from .status import OcpiStatus
from .views import finish_headers

logger = logging.getLogger(__name__)
OCPI_PREFIX = "/ocpi/"
_OWN_HEADERS = {"content-type", "content-length"}


def _is_ocpi(request: HttpRequest) -> bool:
    return request.path_info.startswith(OCPI_PREFIX)


def _envelope_response(request: HttpRequest, status: int, code: OcpiStatus, message: str) -> HttpResponse:
    response = JsonResponse(envelope(None, code, message), status=status)
    finish_headers(request, response, functional=False, caller=None)
    return response


def _refused_host(request: HttpRequest) -> DisallowedHost | None:
    try:
        request.get_host()
    except DisallowedHost as refused:
        return refused
    return None


class OcpiEnvelopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not _is_ocpi(request)
            or response.get("Content-Type", "").startswith("application/json")
            or 300 <= response.status_code < 400  # redirects (https, trailing slash) keep their Location
        ):
            return response
        # Django's own answers (unknown URL or Host, CSRF, method not allowed on plain views) arrive as HTML.
        refused = _refused_host(request) if response.status_code == 400 else None
        error = error_for(refused) if refused is not None else None
        if error is None:
            code = OcpiStatus.SERVER_ERROR if response.status_code >= 500 else OcpiStatus.CLIENT_ERROR
            error = (response.status_code, code, getattr(response, "reason_phrase", "") or "Error")
        wrapped = _envelope_response(request, *error)
        for name, value in response.items():  # the security headers the other middleware set
            if name.lower() not in _OWN_HEADERS and name not in wrapped:
                wrapped[name] = value
        return wrapped

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_ocpi(request):
            return None
        error = error_for(exception)  # e.g. a Host refused or a body too large outside the OCPI views' own handler
        if error is not None:
            return _envelope_response(request, *error)
        logger.exception("Unexpected error on %s %s", request.method, request.path)
        return _envelope_response(request, 500, OcpiStatus.SERVER_ERROR, "Internal error; it has been logged.")
