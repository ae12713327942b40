"""CDRs module, Sender interface (OCPI 2.2.1 mod_cdrs.asciidoc, Sender Interface): the paginated list of the caller's
issued CDRs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ocpi_api.core.openapi import PAGINATION_PARAMETERS, envelope_of
from ocpi_api.core.pagination import page_request, paginate
from ocpi_api.core.status import ModuleID
from ocpi_api.core.v211 import is_211
from ocpi_api.core.v211.render import cdr_211, location_ids
from ocpi_api.core.views import OcpiView
from ocpi_api.selectors import cdr_list_for_partner, locations_json_by_id

from .serializers import CdrSerializer, cdrs_json


class CdrListView(OcpiView):
    ocpi_module = ModuleID.CDRS

    @extend_schema(
        operation_id="ocpi_cdrs_list",
        parameters=PAGINATION_PARAMETERS,
        responses=envelope_of(CdrSerializer(many=True)),
        tags=["cdrs"],
    )
    def get(self, request: Request, ocpi_version: str) -> Response:
        cdrs = cdr_list_for_partner(partner=self.caller.partner)
        page = paginate(
            queryset=cdrs,
            page=page_request(request),
            request=request,
            fetch=lambda ids: cdrs.filter(pk__in=ids).select_related("session"),
        )
        data = cdrs_json(page.items)
        if is_211(ocpi_version):
            locations = locations_json_by_id(location_ids(ModuleID.CDRS, data))
            data = [cdr_211(cdr, locations) for cdr in data]
        return self.ok(data, headers=page.headers)
