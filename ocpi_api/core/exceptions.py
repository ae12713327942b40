"""Errors that end an OCPI request, and the handler that wraps every error in the OCPI envelope."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from .envelope import envelope
from .status import OcpiStatus

logger = logging.getLogger(__name__)


class OcpiError(Exception):
    """An OCPI error answer: the OCPI status code, a message for the partner's developers and the HTTP status."""

    def __init__(self, status_code: OcpiStatus, message: str, *, http_status: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.http_status = http_status


def invalid_parameter(field: str, problem: str) -> OcpiError:
    return OcpiError(OcpiStatus.INVALID_PARAMETERS, f"Invalid or missing parameter '{field}': {problem}")


def field_errors(detail: Any, prefix: str = "") -> list[str]:
    """DRF validation details as 'field.path: message' lines, so that a 2001 always names the field."""
    if isinstance(detail, dict):
        # Nested list serializers report items under integer keys: show them as roles[0].party_id.
        lines = []
        for key, value in detail.items():
            path = f"{prefix.rstrip('.')}[{key}]." if isinstance(key, int) else f"{prefix}{key}."
            lines.extend(field_errors(value, path))
        return lines
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [f"{prefix.rstrip('.') or 'body'}: {item}" for item in detail]
        lines = []
        for index, item in enumerate(detail):
            if item:
                lines.extend(field_errors(item, f"{prefix.rstrip('.')}[{index}]."))
        return lines
    return [f"{prefix.rstrip('.') or 'body'}: {detail}"]


def error_for(exc: Exception) -> tuple[int, OcpiStatus, str] | None:
    """HTTP status, OCPI status and message for an exception a partner's request caused; None for our own faults."""
    if isinstance(exc, OcpiError):
        return exc.http_status, exc.status_code, exc.message
    if isinstance(exc, drf.ParseError):
        return 400, OcpiStatus.INVALID_PARAMETERS, f"Request body is not valid JSON: {exc.detail}"
    if isinstance(exc, drf.ValidationError):
        problems = "; ".join(field_errors(exc.detail))
        return 400, OcpiStatus.INVALID_PARAMETERS, "Invalid or missing parameters: " + problems
    if isinstance(exc, DjangoValidationError):
        details = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return 400, OcpiStatus.INVALID_PARAMETERS, "Invalid or missing parameters: " + "; ".join(field_errors(details))
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, OcpiStatus.CLIENT_ERROR, f"Request body is larger than the limit of {limit} bytes."
    if isinstance(exc, DisallowedHost):
        return 400, OcpiStatus.CLIENT_ERROR, "Unknown Host header: this server does not answer for that host."
    if isinstance(exc, SuspiciousOperation):  # Django's other refusals of a malformed request (too many fields…)
        return 400, OcpiStatus.CLIENT_ERROR, "Malformed request."
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return 401, OcpiStatus.CLIENT_ERROR, str(exc.detail)
    if isinstance(exc, Http404):
        return 404, OcpiStatus.CLIENT_ERROR, "Not found."
    if isinstance(exc, PermissionDenied):
        return 403, OcpiStatus.CLIENT_ERROR, "Forbidden."
    if isinstance(exc, drf.APIException):
        code = OcpiStatus.CLIENT_ERROR if exc.status_code < 500 else OcpiStatus.SERVER_ERROR
        return exc.status_code, code, str(exc.detail)
    return None


def ocpi_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler of the OCPI views. Unknown exceptions go on to the middleware (HTTP 500, OCPI 3000)."""
    error = error_for(exc)
    if error is None:
        return None
    http_status, status_code, message = error
    set_rollback()
    headers = {}
    if http_status == 401:
        headers["WWW-Authenticate"] = "Token"
    if isinstance(exc, drf.MethodNotAllowed | drf.Throttled) and getattr(exc, "wait", None):
        headers["Retry-After"] = str(exc.wait)  # type: ignore[union-attr]
    return Response(envelope(None, status_code, message), status=http_status, headers=headers)
