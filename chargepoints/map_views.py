"""The station maps: the public one at /map/ (no login, the same search as partners and staff use, live
availability) and the staff one at /stations/map/ (every station, coloured by its EVSEs' status, linking to its page).

A page renders its first LIST_LIMIT results on the server, so the list works without JavaScript, and the area our
matching stations cover, which the map fits first. ``map.js`` then asks the page's JSON feed for the visible area
(``bbox``) at its ``zoom``: the markers, or clusters counted by the database (``map_data``), and the first
LIST_LIMIT stations there for the list. It asks again when the map leaves the area fetched, and every 30 seconds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from django_stubs_ext import StrOrPromise

from .enums import Capability, ConnectorType, EvseStatus, Facility, PowerType
from .map_data import WORLD, MapArea, map_area, station_extent
from .models import Location
from .search import BoundingBox, Near, StationFilters, station_search
from .search_results import StationResult, station_page, station_results

app_name = "map"

# Drivers know plugs by their everyday names; one name can stand for several OCPI connector standards.
CONNECTOR_GROUPS: dict[str, tuple[StrOrPromise, tuple[str, ...]]] = {
    "ccs": ("CCS", (ConnectorType.IEC_62196_T2_COMBO, ConnectorType.IEC_62196_T1_COMBO)),
    "chademo": ("CHAdeMO", (ConnectorType.CHADEMO,)),
    "type2": (_("Type 2"), (ConnectorType.IEC_62196_T2,)),
    "type1": (_("Type 1"), (ConnectorType.IEC_62196_T1,)),
    "domestic": (_("Household socket"), (ConnectorType.DOMESTIC_E, ConnectorType.DOMESTIC_F)),
    "tesla": ("Tesla", (ConnectorType.TESLA_R, ConnectorType.TESLA_S)),
}
CURRENTS: dict[str, tuple[str, ...]] = {
    "AC": (PowerType.AC_1_PHASE, PowerType.AC_2_PHASE, PowerType.AC_2_PHASE_SPLIT, PowerType.AC_3_PHASE),
    "DC": (PowerType.DC,),
}
PAYMENT_CHOICES = [
    (Capability.CREDIT_CARD_PAYABLE.value, _("Credit card")),
    (Capability.DEBIT_CARD_PAYABLE.value, _("Debit card")),
    (Capability.CONTACTLESS_CARD_SUPPORT.value, _("Contactless")),
    (Capability.RFID_READER.value, _("RFID card")),
]
POWER_CHOICES = [("", _("Any power")), ("11", "≥ 11 kW"), ("22", "≥ 22 kW"), ("50", "≥ 50 kW"), ("150", "≥ 150 kW")]
LIST_LIMIT = 20  # stations in the list beside the map; the map itself shows every one in the area
_SELECT = {"class": "form-select form-select-sm"}


class MapAreaForm(forms.Form):
    """The visible map area and zoom, set by the page's script; without them, the whole world."""

    bbox = forms.CharField(required=False, widget=forms.HiddenInput)
    zoom = forms.IntegerField(required=False, min_value=0, max_value=22, widget=forms.HiddenInput)
    # One station's details alone, for the popup of a marker that the list does not show.
    station = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_bbox(self) -> BoundingBox | None:
        raw = self.cleaned_data["bbox"]
        if not raw:
            return None
        try:
            south, west, north, east = (float(part) for part in raw.split(","))
        except ValueError as error:
            raise ValidationError(_("bbox must be four numbers: south,west,north,east.")) from error
        if not (-90 <= south <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
            raise ValidationError(
                _("bbox must be south,west,north,east with -90 ≤ south ≤ north ≤ 90, longitudes in ±180.")
            )
        return BoundingBox(south=south, west=west, north=north, east=east)


class MapFilterForm(MapAreaForm):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    connector = forms.MultipleChoiceField(
        required=False,
        choices=[(key, label) for key, (label, _standards) in CONNECTOR_GROUPS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    min_kw = forms.ChoiceField(
        required=False, choices=POWER_CHOICES, label=_("Power"), widget=forms.Select(attrs=_SELECT)
    )
    current = forms.ChoiceField(
        required=False,
        choices=[("", _("AC or DC")), ("AC", "AC"), ("DC", "DC")],
        label=_("Current"),
        widget=forms.Select(attrs=_SELECT),
    )
    payment = forms.MultipleChoiceField(required=False, choices=PAYMENT_CHOICES, widget=forms.CheckboxSelectMultiple)
    facility = forms.MultipleChoiceField(
        required=False,
        choices=Facility.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    open_now = forms.BooleanField(required=False, label=_("Open now"))
    available = forms.BooleanField(required=False, label=_("Free now"))
    # Set by the page's script: the driver's position ("near me").
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    radius_km = forms.FloatField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        point = [data.get(name) for name in ("lat", "lon")]
        if any(value is not None for value in point) and None in point:
            raise ValidationError(_("lat and lon go together."))
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
            bbox=None if near else data.get("bbox"),  # near me lists by distance; the map still shows the area
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


def map_text() -> dict[str, Any]:
    """What map.js writes on the page, in the request's language; "%(name)s" marks a value the script fills in."""
    return {
        "states": {
            "free": gettext("free now"),
            "busy": gettext("all in use"),
            "closed": gettext("closed now"),
            "available": gettext("available"),
            "charging": gettext("in use"),
            "fault": gettext("has a fault"),
            "unknown": gettext("status unknown"),
        },
        "statuses": {status.value: str(status.label).lower() for status in EvseStatus},
        "cluster": gettext("%(count)s stations, zoom in"),
        "stations_one": gettext("%(count)s station"),
        "stations_other": gettext("%(count)s stations"),
        "in_area": gettext("%(stations)s in this area"),
        "free_of": gettext("%(free)s of %(total)s free"),
        "excl_vat": gettext("excl. VAT"),
        "open_station": gettext("Open station page"),
        "closed_now": gettext("Closed now"),
        "no_match": gettext("No stations match these filters here."),
        "search_failed": gettext("Could not search."),
        "updated": gettext("Updated %(time)s"),
        "hide_list": gettext("Hide list"),
        "show_list": gettext("Show list"),
    }


def _filters(form: MapFilterForm) -> StationFilters:
    """A valid form's filters; everything public for an unbound or invalid one (a hand-edited query string)."""
    return form.cleaned_data["filters"] if form.is_bound and form.is_valid() else StationFilters(public_only=True)


def _area_json(area: MapArea) -> dict[str, Any]:
    return {
        "total": area.total,
        "markers": [marker.as_json() for marker in area.markers],
        "clusters": [cluster.as_json() for cluster in area.clusters],
    }


def _extent(filters: StationFilters) -> list[float] | None:
    """South, west, north, east of the stations that match ``filters`` anywhere (not only in the area asked for)."""
    box = station_extent(filters=replace(filters, bbox=None))
    return None if box is None else [box.south, box.west, box.north, box.east]


def _extent_attribute(filters: StationFilters) -> str:
    extent = _extent(filters)
    return "" if extent is None else json.dumps(extent)


def _extent_response(filters: StationFilters) -> JsonResponse:
    """Where the map goes when the filters change (``?extent=1``): the area of what now matches."""
    return JsonResponse({"extent": _extent(filters)})


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
        # A bad query string still shows the map: the form says what is wrong, the map and list show all.
        filters = _filters(form)
        page = station_page(filters=filters, limit=LIST_LIMIT)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "results": page.results,
            "total": page.total,
            "list_limit": LIST_LIMIT,
            "extent": _extent_attribute(filters),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "map_text": map_text(),
        }


def stations_json(request: HttpRequest) -> JsonResponse:
    """The map's live data for one area: its markers or clusters and the first LIST_LIMIT stations for the list, by
    the same search. Bad parameters get a 400 that names them."""
    form = MapFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    filters = _filters(form)
    if "extent" in request.GET:
        return _extent_response(filters)
    data = form.cleaned_data if form.is_bound else {}
    if data.get("station"):
        one = station_search(filters=StationFilters(public_only=True)).filter(pk=data["station"])
        return JsonResponse({"stations": [_station_json(r) for r in station_results(locations=one, filters=filters)]})
    page = station_page(filters=filters, limit=LIST_LIMIT)
    area = map_area(
        filters=replace(filters, bbox=None),
        area=data.get("bbox") or WORLD,
        zoom=data.get("zoom") or 0,
        staff=False,
    )
    return JsonResponse(
        {
            "generated_at": timezone.now().isoformat(),
            "count": page.total,
            "more": page.total > len(page.results),
            "stations": [_station_json(result) for result in page.results],
            "area": _area_json(area),
        }
    )


# --- The staff map --------------------------------------------------------------------------------------------


class StaffMapFilterForm(MapAreaForm):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *EvseStatus.choices], label=_("EVSE status"),
        widget=forms.Select(attrs=_SELECT),
    )  # fmt: skip

    def filters(self) -> StationFilters:
        if not (self.is_bound and self.is_valid()):
            return StationFilters()
        data = self.cleaned_data
        return StationFilters(text=data["q"], status=data["status"], bbox=data["bbox"])


def _staff_station_json(location: Location) -> dict[str, Any]:
    statuses = [evse.status for evse in location.evses.all()]
    return {
        "id": location.pk,
        "name": location.name or location.address,
        "address": ", ".join(part for part in (location.address, location.postal_code, location.city) if part),
        "url": reverse("stations:detail", args=[location.pk]),
        "lat": location.lat,
        "lon": location.lon,
        "evse_count": len(statuses),
        "statuses": {status: statuses.count(status) for status in sorted(set(statuses))},
    }


class StaffMapView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "chargepoints.view_location"
    template_name = "chargepoints/staff_map.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = StaffMapFilterForm(self.request.GET or None)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "extent": _extent_attribute(form.filters()),
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "map_text": map_text(),
        }


class StaffMapJsonView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "chargepoints.view_location"
    raise_exception = True  # a script's request gets a 403, not the login page

    def get(self, request: HttpRequest) -> JsonResponse:
        form = StaffMapFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        filters = form.filters()
        if "extent" in request.GET:
            return _extent_response(filters)
        data = form.cleaned_data if form.is_bound else {}
        if data.get("station"):
            one = station_search(filters=StationFilters()).filter(pk=data["station"])
            return JsonResponse({"stations": [_staff_station_json(location) for location in one]})
        stations = station_search(filters=filters)
        page = list(stations[:LIST_LIMIT])
        area = map_area(
            filters=replace(filters, bbox=None), area=data.get("bbox") or WORLD, zoom=data.get("zoom") or 0, staff=True
        )
        return JsonResponse(
            {
                "generated_at": timezone.now().isoformat(),
                "count": area.total,
                "more": area.total > len(page),
                "stations": [_staff_station_json(location) for location in page],
                "area": _area_json(area),
            }
        )


urlpatterns = [
    path("", MapView.as_view(), name="map"),
    path("stations.json", stations_json, name="stations_json"),
]
