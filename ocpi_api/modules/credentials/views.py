"""Credentials module, server side (OCPI 2.2.1 credentials.asciidoc, Interfaces): GET, POST (register), PUT
(update/rotate), DELETE (unregister)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ocpi_api.core.exceptions import OcpiError
from ocpi_api.core.openapi import envelope_of
from ocpi_api.core.status import ModuleID, OcpiStatus
from ocpi_api.core.v211 import is_211
from ocpi_api.core.v211.credentials import credentials_from_211, credentials_to_211
from ocpi_api.core.views import OcpiView
from ocpi_api.models import Partner
from ocpi_api.services import (
    HandshakeError,
    credentials_delete,
    credentials_register,
    credentials_update,
    our_credentials,
)

from .serializers import Credentials211Serializer, CredentialsSerializer


def _not_allowed(message: str) -> OcpiError:
    return OcpiError(OcpiStatus.CLIENT_ERROR, message, http_status=405)


def _handshake_failed(error: HandshakeError) -> OcpiError:
    # The request reached the OCPI layer: the failure is the partner's API, told by status_code (OCPI 2.2.1 errata,
    # status_codes.asciidoc).
    return OcpiError(error.status_code, error.message, http_status=200)


class CredentialsView(OcpiView):
    ocpi_module = ModuleID.CREDENTIALS

    def _locked_partner(self) -> Partner:
        # Two registrations racing with the same token A must not both succeed: the second waits, then sees 405.
        return Partner.objects.select_for_update().get(pk=self.caller.partner.pk)

    @extend_schema(
        operation_id="ocpi_credentials_get", responses=envelope_of(CredentialsSerializer()), tags=["credentials"]
    )
    def get(self, request: Request, ocpi_version: str) -> Response:
        """The credentials the caller uses with us: the token it presented, our versions URL and our roles."""
        return self.ok(self._in_version(our_credentials(token=self.caller.token, request=request), ocpi_version))

    @extend_schema(
        operation_id="ocpi_credentials_register",
        request=CredentialsSerializer,
        responses=envelope_of(CredentialsSerializer()),
        tags=["credentials"],
    )
    def post(self, request: Request, ocpi_version: str) -> Response:
        """Register with token A: send your token B, versions URL and roles; we answer with token C."""
        partner = self._locked_partner()
        if partner.is_registered:
            raise _not_allowed("Already registered: use PUT to update the credentials or DELETE to unregister.")
        credentials = self._credentials(request, ocpi_version)
        try:
            data = credentials_register(partner=partner, credentials=credentials, version=ocpi_version, request=request)
        except HandshakeError as error:
            raise _handshake_failed(error) from error
        return self.ok(self._in_version(data, ocpi_version))

    @extend_schema(
        operation_id="ocpi_credentials_update",
        request=CredentialsSerializer,
        responses=envelope_of(CredentialsSerializer()),
        tags=["credentials"],
    )
    def put(self, request: Request, ocpi_version: str) -> Response:
        """Update: a new token for us, new endpoints or another version. You get a new token; the old one keeps
        working until you have used the new one."""
        partner = self._locked_partner()
        if not partner.is_registered:
            raise _not_allowed("Not registered: register with POST first.")
        credentials = self._credentials(request, ocpi_version)
        try:
            data = credentials_update(
                partner=partner,
                credentials=credentials,
                version=ocpi_version,
                presented_token=self.caller.token,
                request=request,
            )
        except HandshakeError as error:
            raise _handshake_failed(error) from error
        return self.ok(self._in_version(data, ocpi_version))

    @extend_schema(
        operation_id="ocpi_credentials_delete",
        request=None,
        responses=envelope_of(None, name="Empty"),
        tags=["credentials"],
    )
    def delete(self, request: Request, ocpi_version: str) -> Response:
        """Unregister: your token stops working at once."""
        partner = self._locked_partner()
        if not partner.is_registered:
            raise _not_allowed("Not registered.")
        credentials_delete(partner=partner)
        return self.ok()

    @staticmethod
    def _credentials(request: Request, version: str) -> dict[str, Any]:
        """The partner's credentials in 2.2.1 form; a 2.1.1 partner's are read flat and then given their role."""
        serializer = (Credentials211Serializer if is_211(version) else CredentialsSerializer)(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        return credentials_from_211(data) if is_211(version) else data

    @staticmethod
    def _in_version(credentials: dict[str, Any], version: str) -> dict[str, Any]:
        return credentials_to_211(credentials) if is_211(version) else credentials
