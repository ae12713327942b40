"""Locations module, Sender interface (OCPI 2.2.1 mod_locations.asciidoc, Sender Interface): the paginated list, and one
Location, EVSE or Connector.

Only locations released for roaming are served (``location_list_for_sync``); ``publish`` is served as stored. The
list serves each location's stored document (``ocpi_api.location_documents``).
"""

from __future__ import annotations

import orjson
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chargepoints.models import EVSE, Connector, Location
from chargepoints.selectors import location_list_for_sync, synced
from ocpi_api.core.exceptions import OcpiError
from ocpi_api.core.openapi import PAGINATION_PARAMETERS, envelope_of, path_id_parameter
from ocpi_api.core.pagination import page_request, page_window
from ocpi_api.core.params import path_id
from ocpi_api.core.status import ModuleID, OcpiStatus
from ocpi_api.core.v211 import is_211
from ocpi_api.core.v211.locations import connector_to_211, evse_to_211, location_to_211
from ocpi_api.core.views import OcpiView
from ocpi_api.location_documents import location_documents_for_page

from .serializers import (
    ConnectorSerializer,
    EvseSerializer,
    LocationSerializer,
    connector_to_ocpi,
    evse_to_ocpi,
    location_to_ocpi,
)

_PATH = [
    path_id_parameter("location_id"),
    path_id_parameter("evse_uid"),
    path_id_parameter("connector_id"),
]


def _unknown(what: str) -> OcpiError:
    return OcpiError(OcpiStatus.UNKNOWN_LOCATION, f"Unknown {what}.", http_status=404)


def _location(location_id: str) -> Location:
    location_id = path_id(location_id, "location_id")
    location = location_list_for_sync().filter(ocpi_id=location_id).first()
    if location is None:
        raise _unknown(f"location '{location_id}'")
    return location


def _evse(location: Location, evse_uid: str) -> EVSE:
    evse_uid = path_id(evse_uid, "evse_uid")
    evses: list[EVSE] = synced(location, "evses")
    evse = next((e for e in evses if e.uid == evse_uid), None)
    if evse is None:
        raise _unknown(f"EVSE '{evse_uid}' in location '{location.ocpi_id}'")
    return evse


def _connector(evse: EVSE, connector_id: str) -> Connector:
    connector_id = path_id(connector_id, "connector_id")
    connectors: list[Connector] = synced(evse, "connectors")
    connector = next((c for c in connectors if c.connector_id == connector_id), None)
    if connector is None:
        raise _unknown(f"connector '{connector_id}' of EVSE '{evse.uid}'")
    return connector


class LocationListView(OcpiView):
    """Locations released for roaming, oldest last_updated first, paginated with Link."""

    ocpi_module = ModuleID.LOCATIONS

    @extend_schema(
        operation_id="ocpi_locations_list",
        parameters=PAGINATION_PARAMETERS,
        responses=envelope_of(LocationSerializer(many=True)),
        tags=["locations"],
    )
    def get(self, request: Request, ocpi_version: str) -> Response:
        window = page_window(queryset=location_list_for_sync(), page=page_request(request), request=request)
        documents = location_documents_for_page(window.ids) if window.size else []
        if is_211(ocpi_version):
            # The stored documents are 2.2.1: a 2.1.1 partner gets each converted at the edge.
            return self.ok([location_to_211(orjson.loads(document)) for document in documents], headers=window.headers)
        return self.ok_encoded(documents, headers=window.headers)


class LocationView(OcpiView):
    """One Location with its EVSEs and connectors."""

    ocpi_module = ModuleID.LOCATIONS

    @extend_schema(
        operation_id="ocpi_location_get",
        parameters=_PATH[:1],
        responses=envelope_of(LocationSerializer()),
        tags=["locations"],
    )
    def get(self, request: Request, ocpi_version: str, location_id: str) -> Response:
        location = location_to_ocpi(_location(location_id))
        return self.ok(location_to_211(location) if is_211(ocpi_version) else location)


class EvseView(OcpiView):
    """One EVSE of a Location."""

    ocpi_module = ModuleID.LOCATIONS

    @extend_schema(
        operation_id="ocpi_evse_get", parameters=_PATH[:2], responses=envelope_of(EvseSerializer()), tags=["locations"]
    )
    def get(self, request: Request, ocpi_version: str, location_id: str, evse_uid: str) -> Response:
        evse = evse_to_ocpi(_evse(_location(location_id), evse_uid))
        return self.ok(evse_to_211(evse) if is_211(ocpi_version) else evse)


class ConnectorView(OcpiView):
    """One connector of an EVSE."""

    ocpi_module = ModuleID.LOCATIONS

    @extend_schema(
        operation_id="ocpi_connector_get",
        parameters=_PATH,
        responses=envelope_of(ConnectorSerializer()),
        tags=["locations"],
    )
    def get(self, request: Request, ocpi_version: str, location_id: str, evse_uid: str, connector_id: str) -> Response:
        connector = _connector(_evse(_location(location_id), evse_uid), connector_id)
        data = connector_to_ocpi(connector)
        return self.ok(connector_to_211(data) if is_211(ocpi_version) else data)
