"""OpenAPI description of the OCPI conventions: the envelope around every answer, the token scheme, paging."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from .params import PAGING_MAX, PATH_ID_PATTERN

_ENVELOPE_FIELDS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "status_code": serializers.IntegerField(help_text="OCPI status code: 1000 success, 2xxx client, 3xxx server."),
    "status_message": serializers.CharField(required=False),
    "timestamp": serializers.CharField(help_text="RFC 3339 in UTC, e.g. 2024-06-30T21:59:59Z."),
}

ERROR_ENVELOPE = inline_serializer(
    name="OcpiErrorResponse",
    fields={"data": serializers.JSONField(required=False, allow_null=True), **_ENVELOPE_FIELDS},
)

_ERRORS = {
    400: OpenApiResponse(ERROR_ENVELOPE, description="Invalid parameters or body (OCPI 2001)."),
    401: OpenApiResponse(ERROR_ENVELOPE, description="Missing or unknown token, or token A outside credentials."),
    404: OpenApiResponse(ERROR_ENVELOPE, description="Unknown object."),
    405: OpenApiResponse(ERROR_ENVELOPE, description="Method not allowed (credentials: wrong registration state)."),
    413: OpenApiResponse(ERROR_ENVELOPE, description="Body over the size limit (2.5 MB)."),
}


_WRAPPERS: dict[str, Any] = {}


def envelope_of(data: Any, *, name: str | None = None, status: int = 200) -> dict[int, Any]:
    """Responses of an OCPI operation: ``data`` wrapped in the envelope, plus the error envelopes."""
    base = name or getattr(getattr(data, "child", data), "__class__", type(data)).__name__.removesuffix("Serializer")
    wrapper_name = f"{base}{'List' if getattr(data, 'many', False) else ''}Response"
    if wrapper_name not in _WRAPPERS:  # one component per name, however many operations use it
        _WRAPPERS[wrapper_name] = inline_serializer(
            name=wrapper_name,
            fields={"data": data if data is not None else serializers.JSONField(allow_null=True), **_ENVELOPE_FIELDS},
        )
    return {status: _WRAPPERS[wrapper_name], **_ERRORS}


def path_id_parameter(name: str, *, max_length: int = 36, description: str = "") -> OpenApiParameter:
    """An id in the URL, described as ``core.params.path_id`` checks it."""
    schema = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": PATH_ID_PATTERN}
    return OpenApiParameter(name, schema, OpenApiParameter.PATH, description=description or f"CiString({max_length})")


PAGINATION_PARAMETERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATETIME, description="Only objects with last_updated >= date_from."),
    OpenApiParameter("date_to", OpenApiTypes.DATETIME, description="Only objects with last_updated < date_to."),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": PAGING_MAX},
        description="Index of the first object, default 0.",
    ),
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": PAGING_MAX},
        description="Page size; a larger one is capped at the server maximum (X-Limit), not refused.",
    ),
    OpenApiParameter(
        "X-Total-Count",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="Objects matching the filters, whatever offset and limit.",
    ),
    OpenApiParameter(
        "X-Limit",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=True,
        description="The server's maximum page size.",
    ),
    OpenApiParameter(
        "Link",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=True,
        description='<URL of the next page>; rel="next". Absent on the last page.',
    ),
]


class OcpiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "ocpi_api.core.auth.OcpiTokenAuthentication"
    name = "ocpiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "'Token <base64(token)>' (OCPI 2.2.1) or 'Token <token>' (OCPI 2.1.1); both are accepted.",
        }


class DateTimeSchema(OpenApiSerializerFieldExtension):
    """OCPI DateTime: string(25), RFC 3339 (OCPI 2.2.1 types.asciidoc, DateTime type)."""

    target_class = "ocpi_api.core.fields.DateTimeField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = build_basic_type(OpenApiTypes.DATETIME)  # type: ignore[assignment]
        return {**schema, "maxLength": 25}


class OcpiDateTimeSchema(DateTimeSchema):
    target_class = "ocpi_api.core.fields.OcpiDateTimeField"


def ocpi_paths_without_trailing_slash(endpoints: list[tuple[Any, ...]], **_: Any) -> list[tuple[Any, ...]]:
    """Preprocessing hook: our OCPI URLs take an optional trailing slash; document them without it, as 2.2.1-d2 does."""
    return [(path.rstrip("/") if path.startswith("/ocpi/") else path, *rest) for path, *rest in endpoints]
