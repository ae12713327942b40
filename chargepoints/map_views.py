"""The public station map at /map/: no login, the same search as partners and staff use, live availability.

The page renders the first results on the server, so the list works without JavaScript; ``map.js`` then draws the
markers and refreshes them from ``/map/stations.json`` with the same query string.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.generic import TemplateView

from .enums import Capability, ConnectorType, Facility, PowerType
from .search import BoundingBox, Near, StationFilters
from .search_results import StationResult, station_page

app_name = "map"

# Drivers know plugs by their everyday names; one name can stand for several OCPI connector standards.
CONNECTOR_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ccs": ("CCS", (ConnectorType.IEC_62196_T2_COMBO, ConnectorType.IEC_62196_T1_COMBO)),
    "chademo": ("CHAdeMO", (ConnectorType.CHADEMO,)),
    "type2": ("Type 2", (ConnectorType.IEC_62196_T2,)),
    "type1": ("Type 1", (ConnectorType.IEC_62196_T1,)),
    "domestic": ("Household socket", (ConnectorType.DOMESTIC_E, ConnectorType.DOMESTIC_F)),
    "tesla": ("Tesla", (ConnectorType.TESLA_R, ConnectorType.TESLA_S)),
}
CURRENTS: dict[str, tuple[str, ...]] = {
    "AC": (PowerType.AC_1_PHASE, PowerType.AC_2_PHASE, PowerType.AC_2_PHASE_SPLIT, PowerType.AC_3_PHASE),
    "DC": (PowerType.DC,),
}
PAYMENT_CHOICES = [
    (Capability.CREDIT_CARD_PAYABLE.value, "Credit card"),
    (Capability.DEBIT_CARD_PAYABLE.value, "Debit card"),
    (Capability.CONTACTLESS_CARD_SUPPORT.value, "Contactless"),
    (Capability.RFID_READER.value, "RFID card"),
]
POWER_CHOICES = [("", "Any power"), ("11", "≥ 11 kW"), ("22", "≥ 22 kW"), ("50", "≥ 50 kW"), ("150", "≥ 150 kW")]
MAX_MARKERS = 500
_SELECT = {"class": "form-select form-select-sm"}


class MapFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    connector = forms.MultipleChoiceField(
        required=False,
        choices=[(key, label) for key, (label, _) in CONNECTOR_GROUPS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    min_kw = forms.ChoiceField(required=False, choices=POWER_CHOICES, label="Power", widget=forms.Select(attrs=_SELECT))
    current = forms.ChoiceField(
        required=False, choices=[("", "AC or DC"), ("AC", "AC"), ("DC", "DC")], widget=forms.Select(attrs=_SELECT)
    )
    payment = forms.MultipleChoiceField(required=False, choices=PAYMENT_CHOICES, widget=forms.CheckboxSelectMultiple)
    facility = forms.MultipleChoiceField(
        required=False,
        choices=[(value, value.replace("_", " ").capitalize()) for value in Facility.values],
        widget=forms.CheckboxSelectMultiple,
    )
    open_now = forms.BooleanField(required=False, label="Open now")
    available = forms.BooleanField(required=False, label="Free now")
    # Set by the page's script: the visible map area ("search this area") or the driver's position ("near me").
    bbox = forms.CharField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    radius_km = forms.FloatField(required=False, widget=forms.HiddenInput)

    def clean_bbox(self) -> BoundingBox | None:
        raw = self.cleaned_data["bbox"]
        if not raw:
            return None
        try:
            south, west, north, east = (float(part) for part in raw.split(","))
        except ValueError as error:
            raise ValidationError("bbox must be four numbers: south,west,north,east.") from error
        return BoundingBox(south=south, west=west, north=north, east=east)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        point = [data.get(name) for name in ("lat", "lon")]
        if any(value is not None for value in point) and None in point:
            raise ValidationError("lat and lon go together.")
        try:
            data["filters"] = self._filters(data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                field = {"latitude": "lat", "longitude": "lon"}.get(field, field)
                self.add_error(field if field in self.fields else None, messages)
        return data

    @staticmethod
    def _filters(data: dict[str, Any]) -> StationFilters:
        near = None
        if data.get("lat") is not None and data.get("lon") is not None:
            near = Near(lat=data["lat"], lon=data["lon"], radius_km=data.get("radius_km") or 25.0)
        standards = tuple(s for key in data.get("connector") or () for s in CONNECTOR_GROUPS[key][1])
        return StationFilters(
            near=near,
            bbox=data.get("bbox"),
            min_power_kw=float(data["min_kw"]) if data.get("min_kw") else None,
            power_types=CURRENTS.get(data.get("current") or "", ()),
            connector_standards=standards,
            capabilities=tuple(data.get("payment") or ()),
            facilities=tuple(data.get("facility") or ()),
            open_now=bool(data.get("open_now")),
            available_now=bool(data.get("available")),
            text=data.get("q") or "",
            public_only=True,
        )


def _search(form: MapFilterForm) -> tuple[list[StationResult], bool]:
    """Results for a valid (or unbound) form, at most MAX_MARKERS of them, and whether there were more."""
    filters = form.cleaned_data["filters"] if form.is_bound else StationFilters(public_only=True)
    page = station_page(filters=filters, limit=MAX_MARKERS)
    return page.results, page.total > MAX_MARKERS


def _station_json(result: StationResult) -> dict[str, Any]:
    location = result.location
    price = result.price_example
    return {
        "id": location.pk,
        "name": location.name or location.address,
        "address": ", ".join(part for part in (location.address, location.postal_code, location.city) if part),
        "operator": (location.operator or {}).get("name", ""),
        "lat": location.lat,
        "lon": location.lon,
        "distance_km": None if result.distance_km is None else round(result.distance_km, 2),
        "max_power_kw": result.max_power_kw,
        "evse_count": result.evse_count,
        "available_count": result.available_count,
        "is_open": result.is_open,
        "connectors": [
            {
                "label": c.standard_label,
                "power_type": "DC" if c.power_type == PowerType.DC else "AC",
                "max_power_kw": c.max_power_kw,
                "count": c.count,
                "available": c.available,
            }
            for c in result.connectors
        ],
        "price_example": None
        if price is None
        else {
            "energy_kwh": float(price.energy_kwh),
            "amount": str(price.incl_vat if price.incl_vat is not None else price.excl_vat),
            "includes_vat": price.incl_vat is not None,
            "currency": price.currency,
            "connector": price.connector_label,
        },
    }


class MapView(TemplateView):
    template_name = "chargepoints/map.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = MapFilterForm(self.request.GET or None)
        # A bad query string (hand-edited) still shows the map: the form says what is wrong, the list shows all.
        results, more = _search(form) if form.is_valid() or not form.is_bound else _search(MapFilterForm())
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "results": results,
            "more": more,
            "max_markers": MAX_MARKERS,
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        }


def stations_json(request: HttpRequest) -> JsonResponse:
    """The map's live data: the same search, as JSON. Bad parameters get a 400 that names them."""
    form = MapFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    results, more = _search(form)
    return JsonResponse(
        {
            "generated_at": timezone.now().isoformat(),
            "count": len(results),
            "more": more,
            "stations": [_station_json(result) for result in results],
        }
    )


urlpatterns = [
    path("", MapView.as_view(), name="map"),
    path("stations.json", stations_json, name="stations_json"),
]
