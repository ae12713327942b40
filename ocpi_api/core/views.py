"""The base of every OCPI view: token auth, envelope, request ids, routing headers, OCPI errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .auth import (
    CONFIGURATION_MODULES,
    OcpiCaller,
    OcpiModulePermission,
    OcpiTokenAuthentication,
    rotation_confirm,
)
from .envelope import envelope, envelope_of_encoded
from .exceptions import ocpi_exception_handler
from .headers import CORRELATION_ID, REQUEST_ID, Party, Routing, correlation_ids, routing_from_request
from .parsers import OcpiJSONParser
from .status import OcpiStatus
from .v211 import is_211, status_code_211


def finish_headers(request: HttpRequest, response: HttpResponse, *, functional: bool, caller: Party | None) -> None:
    """Echo the request ids; on functional modules add the routing headers, mirrored for the answer."""
    request_id, correlation_id = correlation_ids(request)
    response[REQUEST_ID] = request_id
    response[CORRELATION_ID] = correlation_id
    if functional:
        incoming = routing_from_request(request)
        answer = Routing(from_party=incoming.to_party or Party.ours(), to_party=incoming.from_party or caller)
        for name, value in answer.as_headers().items():
            response[name] = value


class EncodedResponse(Response):
    """A response whose JSON body is encoded already: served as it is instead of being rendered."""

    def __init__(self, body: bytes, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(None, status=200, headers=headers)
        self.encoded_body = body

    @property
    def rendered_content(self) -> bytes:  # type: ignore[override]  # bytes, as DRF's own (the stubs say str)
        self["Content-Type"] = "application/json"
        return self.encoded_body


class OcpiView(APIView):
    """Subclasses set ``ocpi_module`` (the ModuleID) and return ``self.ok(data)``; errors raise ``OcpiError``."""

    ocpi_module = ""
    authentication_classes = [OcpiTokenAuthentication]
    permission_classes = [OcpiModulePermission]
    renderer_classes = [JSONRenderer]
    parser_classes = [OcpiJSONParser]
    versioning_class = None
    metadata_class = None  # OPTIONS is no OCPI method: 405 with an envelope, not DRF's metadata document
    authenticated: OcpiCaller | None = None

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # The view opens its transaction itself (dispatch) instead of ATOMIC_REQUESTS, to act after it has ended.
        return transaction.non_atomic_requests(csrf_exempt(super().as_view(**initkwargs)))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """One transaction per request, as ATOMIC_REQUESTS would; then, in a transaction of its own, the retiring of
        a rotated token, whatever became of the request."""
        try:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        finally:
            if self.authenticated is not None:
                rotation_confirm(self.authenticated)

    def perform_authentication(self, request: Request) -> None:
        super().perform_authentication(request)
        self.authenticated = request.auth if isinstance(request.auth, OcpiCaller) else None

    def get_exception_handler(self) -> Any:
        return ocpi_exception_handler

    @property
    def caller(self) -> OcpiCaller:
        caller = self.request.auth
        assert isinstance(caller, OcpiCaller)  # guaranteed by OcpiModulePermission
        return caller

    def ok(
        self, data: Any = None, *, message: str = "Success", headers: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        return Response(envelope(data, OcpiStatus.SUCCESS, message), status=status, headers=headers)

    def ok_encoded(self, items: Sequence[bytes], *, headers: dict[str, str] | None = None) -> Response:
        """``ok`` for a list of objects that are JSON already (see ``envelope_of_encoded``)."""
        return EncodedResponse(envelope_of_encoded(items), headers=headers)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        caller = request.auth if isinstance(request.auth, OcpiCaller) else None
        party = None
        if caller is not None and caller.partner.country_code and caller.partner.party_id:
            party = Party(caller.partner.country_code, caller.partner.party_id)
        legacy = is_211(kwargs.get("ocpi_version"))
        if legacy and isinstance(response.data, dict) and "status_code" in response.data:
            response.data["status_code"] = status_code_211(response.data["status_code"])
        # 2.1.1 has no routing headers (2.1.1 transport_and_format.md §4).
        functional = self.ocpi_module not in CONFIGURATION_MODULES and not legacy
        finish_headers(request, response, functional=functional, caller=party)
        return response
