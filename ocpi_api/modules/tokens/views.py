"""Tokens module, Receiver interface (OCPI 2.2.1 mod_tokens.asciidoc, Receiver Interface): eMSPs PUT, PATCH and GET
their tokens at ``/{country_code}/{party_id}/{token_uid}[?type=]``.

A party that is not the caller's is answered like an unknown object (HTTP 404), whether or not the token exists, so
that nobody learns about other eMSPs' tokens; nothing is written.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chargepoints.enums import TokenType
from ocpi_api.core.exceptions import OcpiError, invalid_parameter
from ocpi_api.core.openapi import ERROR_ENVELOPE, envelope_of, path_id_parameter
from ocpi_api.core.params import path_id
from ocpi_api.core.status import ModuleID, OcpiStatus
from ocpi_api.core.v211 import is_211, named_as_211
from ocpi_api.core.v211.tokens import token_from_211, token_to_211
from ocpi_api.core.views import OcpiView
from ocpi_api.driver_tokens import KEY_FIELDS, NotYourParty, token_check_party, token_patch, token_put
from ocpi_api.selectors import token_get

from .serializers import TokenSerializer, token_input, token_json

_PARAMETERS = [
    path_id_parameter("country_code", max_length=2, description="CiString(2) of the eMSP"),
    path_id_parameter("party_id", max_length=3, description="CiString(3) of the eMSP"),
    path_id_parameter("token_uid"),
    OpenApiParameter("type", str, enum=TokenType.values, description="TokenType, default RFID"),
]
_WRITE_RESPONSES = {
    **envelope_of(None, name="TokenWrite"),
    201: OpenApiResponse(envelope_of(None, name="TokenWrite")[200], description="The token was new."),
}
_NOT_FOUND = {404: OpenApiResponse(ERROR_ENVELOPE, description="Unknown token, or not one of your parties.")}


class TokensRootView(OcpiView):
    """The module URL we advertise. The Receiver interface has only object URLs below it; this one has no methods."""

    ocpi_module = ModuleID.TOKENS


class TokenView(OcpiView):
    ocpi_module = ModuleID.TOKENS

    def _key(self, request: Request, country_code: str, party_id: str, token_uid: str) -> tuple[str, str, str, str]:
        country_code = path_id(country_code, "country_code", max_length=2)
        party_id = path_id(party_id, "party_id", max_length=3)
        token_uid = path_id(token_uid, "token_uid")
        token_type = request.query_params.get("type") or TokenType.RFID
        if token_type not in TokenType.values:
            raise invalid_parameter("type", f"must be one of {', '.join(TokenType.values)}.")
        try:
            token_check_party(partner=self.caller.partner, country_code=country_code, party_id=party_id)
        except NotYourParty as error:
            raise OcpiError(OcpiStatus.CLIENT_ERROR, str(error), http_status=404) from error
        return country_code.upper(), party_id.upper(), token_uid, token_type

    @staticmethod
    def _check_body(body: dict[str, Any], key: tuple[str, str, str, str]) -> None:
        """The object's identity in the body must be the one in the URL (OCPI 2.2.1 transport_and_format.asciidoc,
        Client Owned Object Push); ids compare without case."""
        for name, expected in zip(KEY_FIELDS, key, strict=True):
            if name in body and str(body[name]).upper() != expected.upper():
                where = "the type parameter" if name == "type" else "the URL"
                raise invalid_parameter(name, f"'{body[name]}' differs from {where} ('{expected}').")

    @staticmethod
    def _input(body: Any, key: tuple[str, str, str, str], version: str, *, partial: bool = False) -> dict[str, Any]:
        """The validated Token; a 2.1.1 one first becomes 2.2.1, with its party from the URL."""
        if not is_211(version) or not isinstance(body, dict):
            return token_input(body, partial=partial)
        converted = token_from_211(body, country_code=key[0], party_id=key[1])
        if partial:  # the party was not in the PATCH: it stays out of the changes
            converted = {k: v for k, v in converted.items() if k not in ("country_code", "party_id") or k in body}
        with named_as_211({"contract_id": "auth_id"}):
            return token_input(converted, partial=partial)

    @extend_schema(
        operation_id="ocpi_token_get",
        parameters=_PARAMETERS,
        responses={**envelope_of(TokenSerializer()), **_NOT_FOUND},
        tags=["tokens"],
    )
    def get(self, request: Request, ocpi_version: str, country_code: str, party_id: str, token_uid: str) -> Response:
        key = self._key(request, country_code, party_id, token_uid)
        token = token_get(country_code=key[0], party_id=key[1], uid=key[2], token_type=key[3])
        if token is None:
            raise OcpiError(OcpiStatus.UNKNOWN_TOKEN, "Unknown token.", http_status=404)
        data = token_json(token)
        return self.ok(token_to_211(data) if is_211(ocpi_version) else data)

    @extend_schema(
        operation_id="ocpi_token_put",
        parameters=_PARAMETERS,
        request=TokenSerializer,
        responses={**_WRITE_RESPONSES, **_NOT_FOUND},
        tags=["tokens"],
    )
    def put(self, request: Request, ocpi_version: str, country_code: str, party_id: str, token_uid: str) -> Response:
        key = self._key(request, country_code, party_id, token_uid)
        data = self._input(request.data, key, ocpi_version)
        self._check_body(data, key)
        write = token_put(partner=self.caller.partner, data=data)  # type: ignore[arg-type]
        if not write.applied:
            return self.ok(message="Ignored: older than the token we have (last_updated).")
        return self.ok(status=201 if write.created else 200)

    @extend_schema(
        operation_id="ocpi_token_patch",
        parameters=_PARAMETERS,
        request=TokenSerializer(partial=True),
        responses={**envelope_of(None, name="TokenWrite"), **_NOT_FOUND},
        tags=["tokens"],
    )
    def patch(self, request: Request, ocpi_version: str, country_code: str, party_id: str, token_uid: str) -> Response:
        key = self._key(request, country_code, party_id, token_uid)
        changes = self._input(request.data, key, ocpi_version, partial=True)
        if "last_updated" not in changes:
            raise invalid_parameter("last_updated", "every PATCH must carry it.")
        self._check_body(changes, key)
        write = token_patch(
            partner=self.caller.partner,
            country_code=key[0],
            party_id=key[1],
            uid=key[2],
            token_type=key[3],
            changes=changes,  # type: ignore[arg-type]
        )
        if write is None:
            raise OcpiError(OcpiStatus.UNKNOWN_TOKEN, "Unknown token: PUT it first.", http_status=404)
        if not write.applied:
            return self.ok(message="Ignored: older than the token we have (last_updated).")
        return self.ok()
