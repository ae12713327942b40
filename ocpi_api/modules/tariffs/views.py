"""Tariffs module, Sender interface (OCPI 2.1.1 mod_tariffs.md §2.1 CPO Interface; 2.2.1 mod_tariffs.asciidoc, Sender
Interface): the paginated list of our tariffs, for partners that pull as well as (or instead of) receiving our
pushes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ocpi_api.core.openapi import PAGINATION_PARAMETERS, envelope_of
from ocpi_api.core.pagination import page_request, paginate
from ocpi_api.core.status import ModuleID
from ocpi_api.core.v211 import is_211
from ocpi_api.core.v211.tariffs import tariff_to_211
from ocpi_api.core.views import OcpiView
from tariffs.selectors import tariff_list

from .serializers import TariffSerializer


class TariffListView(OcpiView):
    ocpi_module = ModuleID.TARIFFS

    @extend_schema(
        operation_id="ocpi_tariffs_list",
        parameters=PAGINATION_PARAMETERS,
        responses=envelope_of(TariffSerializer(many=True)),
        tags=["tariffs"],
    )
    def get(self, request: Request, ocpi_version: str) -> Response:
        page = paginate(
            queryset=tariff_list(),
            page=page_request(request),
            request=request,
            fetch=lambda ids: tariff_list().filter(pk__in=ids),
        )
        tariffs = [dict(TariffSerializer(tariff).data) for tariff in page.items]
        if is_211(ocpi_version):
            tariffs = [tariff_to_211(tariff) for tariff in tariffs]
        return self.ok(tariffs, headers=page.headers)
