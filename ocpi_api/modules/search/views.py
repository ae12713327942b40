"""Station search for partners (our extension, not an OCPI 2.2.1 module): find stations by a driver's needs.

Authenticated like every OCPI call, with the partner's credentials token, and answered in the OCPI envelope with
OCPI paging headers (``X-Total-Count``, ``X-Limit``, ``Link``), so an eMSP's OCPI client can use it as it is.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from chargepoints.search_results import station_page
from ocpi_api.core.exceptions import invalid_parameter
from ocpi_api.core.openapi import envelope_of
from ocpi_api.core.views import OcpiView

from .serializers import SEARCH_MAX_PAGE_SIZE, StationSearchQuerySerializer, StationSerializer

# The domain names some filters differently from the query parameters that feed them.
_PARAMETER_OF = {
    "power_types": "power_type",
    "connector_standards": "connector_standard",
    "connector_formats": "connector_format",
    "capabilities": "capability",
    "facilities": "facility",
    "parking_restrictions": "parking_restriction",
    "status": "evse_status",
    "text": "q",
}


class StationSearchView(OcpiView):
    ocpi_module = "search"

    @extend_schema(
        operation_id="station_search",
        summary="Find our stations by place, speed, connectors, payment, opening hours and availability",
        description=(
            "Published, roaming-enabled locations that match every given filter, ordered by distance when a point "
            "is given and by name otherwise. EVSE and connector filters (power, power type, standard, format, "
            "capabilities, parking restrictions, status, available now) must all hold for one and the same EVSE. "
            "Each result carries its distance, maximum power, connector summary, available EVSE count, whether it "
            "is open now, and the tariff in force with the price of 20 kWh. Paged with offset/limit; the next page "
            "is in the Link header. A bad parameter is answered with HTTP 400 and OCPI status 2001 naming it."
        ),
        parameters=[StationSearchQuerySerializer],
        responses=envelope_of(StationSerializer(many=True), name="Station"),
        tags=["station search"],
    )
    def get(self, request: Request) -> Response:
        query = StationSearchQuerySerializer(data=request.query_params)
        # DRF reads an empty query value as "not given"; the schema (and the OCPI paging core) call it an error.
        for name, _field in query.fields.items():
            if "" in [value.strip() for value in request.query_params.getlist(name)]:
                raise invalid_parameter(name, "may not be empty.")
        query.is_valid(raise_exception=True)
        try:
            filters = query.filters()
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise invalid_parameter(_PARAMETER_OF.get(field, field), " ".join(messages)) from error
        offset, limit = query.page
        page = station_page(filters=filters, offset=offset, limit=limit)
        total = page.total
        headers = {"X-Total-Count": str(total), "X-Limit": str(SEARCH_MAX_PAGE_SIZE)}
        if page.results and offset + len(page.results) < total:
            params = request.query_params.copy()
            params["offset"], params["limit"] = str(offset + len(page.results)), str(limit)
            headers["Link"] = f'<{request.build_absolute_uri(request.path)}?{params.urlencode()}>; rel="next"'
        return self.ok(StationSerializer(page.results, many=True).data, headers=headers)  # type: ignore[arg-type]  # DRF stubs: many=True takes a list
