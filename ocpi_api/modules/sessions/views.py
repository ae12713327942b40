"""Sessions module, Sender interface (OCPI 2.2.1 mod_sessions.asciidoc, Sender Interface): the paginated list of the
caller's sessions, and PUT charging_preferences on one of its ongoing sessions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chargepoints.enums import Capability
from ocpi_api.core.exceptions import OcpiError
from ocpi_api.core.openapi import ERROR_ENVELOPE, PAGINATION_PARAMETERS, envelope_of, path_id_parameter
from ocpi_api.core.pagination import page_request, paginate
from ocpi_api.core.params import path_id
from ocpi_api.core.status import ModuleID, OcpiStatus
from ocpi_api.core.v211 import is_211
from ocpi_api.core.v211.render import location_ids, session_211
from ocpi_api.core.views import OcpiView
from ocpi_api.selectors import locations_json_by_id, session_list_for_partner

from .serializers import ChargingPreferencesSerializer, SessionSerializer, sessions_json


class SessionListView(OcpiView):
    ocpi_module = ModuleID.SESSIONS

    @extend_schema(
        operation_id="ocpi_sessions_list",
        parameters=PAGINATION_PARAMETERS,
        responses=envelope_of(SessionSerializer(many=True)),
        tags=["sessions"],
    )
    def get(self, request: Request, ocpi_version: str) -> Response:
        # OCPI 2.2.1 mod_sessions.asciidoc §9.2.1.1 (GET Method, Request Parameters) marks date_from "required", yet
        # its own examples (".../sessions/?offset=50") leave it out, and a Link header we never put it in must still
        # work. Lenient in what we accept: without date_from the list starts at the beginning, as every other list.
        page = page_request(request)
        sessions = session_list_for_partner(partner=self.caller.partner)
        result = paginate(queryset=sessions, page=page, request=request, fetch=lambda ids: sessions.filter(pk__in=ids))
        data = sessions_json(result.items)
        if is_211(ocpi_version):
            locations = locations_json_by_id(location_ids(ModuleID.SESSIONS, data))
            data = [session_211(session, locations) for session in data]
        return self.ok(data, headers=result.headers)


class ChargingPreferencesView(OcpiView):
    ocpi_module = ModuleID.SESSIONS

    @extend_schema(
        operation_id="ocpi_session_charging_preferences",
        parameters=[path_id_parameter("session_id")],
        request=ChargingPreferencesSerializer,
        responses={
            **envelope_of(None, name="ChargingPreferencesResponse"),
            404: OpenApiResponse(ERROR_ENVELOPE, description="Not your session, or the EVSE cannot take preferences."),
        },
        tags=["sessions"],
    )
    def put(self, request: Request, ocpi_version: str, session_id: str) -> Response:
        session_id = path_id(session_id, "session_id")
        session = (
            session_list_for_partner(partner=self.caller.partner).filter(ocpi_id=session_id).select_related("evse")
        ).first()
        if session is None:
            raise OcpiError(OcpiStatus.CLIENT_ERROR, f"Unknown session '{session_id}'.", http_status=404)
        if Capability.CHARGING_PREFERENCES_CAPABLE not in session.evse.capabilities:
            raise OcpiError(
                OcpiStatus.INVALID_PARAMETERS,
                "The session's EVSE cannot take charging preferences (no CHARGING_PREFERENCES_CAPABLE).",
                http_status=404,
            )
        serializer = ChargingPreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # We have no smart charging to act on preferences yet; the spec's answer for that is NOT_POSSIBLE.
        return self.ok("NOT_POSSIBLE", message="Charging preferences cannot be applied at this EVSE yet.")
