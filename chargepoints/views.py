"""Staff pages for stations. Thin: filtering lives in the search selector, changes in services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from django_stubs_ext import StrOrPromise

from . import selectors, services
from .analytics import station_availability_chart
from .attribution import ATTRIBUTIONS
from .dashboard import attention_cards
from .dashboard_summary import catalogue_summary, dashboard_charts
from .forms import EvseStatusForm, SimulateChargingForm, StationFilterForm
from .languages import SESSION_KEY as LANGUAGE_SESSION_KEY
from .languages import language_choose, language_cookie_set, language_supported
from .models import EVSE, Location
from .paging import cursor_args, staff_page
from .portal import station_links
from .search import StationFilters, station_search, station_sort_key, stations_sorted
from .sessions.selectors import session_list
from .simulator import SimulationPlan, play_visit

PAGE_SIZE = 50


@dataclass(frozen=True)
class StationRow:
    location: Location
    connector_types: list[str]


@dataclass(frozen=True)
class SortableColumn:
    """A column header of a sortable list: its link sorts by it (ascending first, then toggling)."""

    label: StrOrPromise
    href: str
    aria_sort: str  # "ascending", "descending" or "none"


class StaffViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "chargepoints.view_location"


class DashboardView(StaffViewMixin, TemplateView):
    template_name = "chargepoints/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        summary = catalogue_summary()
        overview = summary.overview
        largest = max([*overview.evses_by_power_class.values(), 1])
        return {
            **super().get_context_data(**kwargs),
            "overview": overview,
            "power_classes": [
                (label, count, round(100 * count / largest)) for label, count in overview.evses_by_power_class.items()
            ],
            "open_now": summary.open_now,
            "counted_at": summary.counted_at,
            "recent": selectors.recently_changed_locations(),
            "attention": attention_cards(self.request.user),
            "charts": dashboard_charts().for_viewer(self.request.user),
        }


class DashboardChartCsvView(StaffViewMixin, View):
    """A dashboard chart's figures as CSV: the same cached figures the chart drew."""

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        for chart in dashboard_charts().for_viewer(request.user):
            if chart.key == key:
                return chart.csv_response()
        raise Http404(_("No such chart."))


def _filters_from(form: StationFilterForm) -> StationFilters:
    data = form.cleaned_data
    return StationFilters(
        text=data["q"],
        city=data["city"],
        min_power_kw=float(data["min_power_kw"]) if data["min_power_kw"] is not None else None,
        connector_standards=(data["connector"],) if data["connector"] else (),
        capabilities=(data["capability"],) if data["capability"] else (),
        status=data["status"],
        open_now=data["open_now"],
    )


class StationListView(StaffViewMixin, TemplateView):
    template_name = "chargepoints/station_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = StationFilterForm(self.request.GET or None)
        filters = _filters_from(form) if form.is_valid() else StationFilters()
        sort = station_sort_key(self.request.GET.get("sort"))
        stations = stations_sorted(station_search(filters=filters), sort)
        page = staff_page(
            stations, per_page=PAGE_SIZE, page=self.request.GET.get("page"), **cursor_args(self.request.GET)
        )
        rows = [
            StationRow(
                location=location,
                connector_types=sorted(
                    {c.get_standard_display() for evse in location.evses.all() for c in evse.connectors.all()}
                ),
            )
            for location in page
        ]
        query = self.request.GET.copy()
        for name in ("page", "after", "before"):
            query.pop(name, None)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "sort": sort,
            "columns": {key: _sortable_column(label, key, sort, query) for key, label in STATION_COLUMNS.items()},
        }


STATION_COLUMNS = {"name": gettext_lazy("Station"), "id": gettext_lazy("Location id"), "city": gettext_lazy("City")}


def _sortable_column(label: StrOrPromise, key: str, current: str, query: QueryDict) -> SortableColumn:
    ascending, descending = current == key, current == f"-{key}"
    link = query.copy()
    link["sort"] = f"-{key}" if ascending else key
    return SortableColumn(
        label=label,
        href=f"?{link.urlencode()}",
        aria_sort="ascending" if ascending else "descending" if descending else "none",
    )


class StationDetailView(StaffViewMixin, TemplateView):
    template_name = "chargepoints/station_detail.html"

    def get_template_names(self) -> list[str]:
        # The live status panel refreshes itself with htmx and only needs its own fragment.
        if self.request.headers.get("HX-Request"):
            return ["chargepoints/_evse_panel.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            location = selectors.location_detail(pk=self.kwargs["pk"])
        except Location.DoesNotExist as error:
            raise Http404(_("No such station")) from error
        context = {
            **super().get_context_data(**kwargs),
            "location": location,
            "status_form": EvseStatusForm(),
            "can_edit": self.request.user.has_perm("chargepoints.change_evse"),
            "simulate_form": SimulateChargingForm(location=location),
            "recent_sessions": session_list().filter(location=location).order_by("-start_date_time", "-id")[:5],
            "repairs": location.repairs.filter(status="open").select_related("location"),
        }
        if not self.request.headers.get("HX-Request"):  # the live panel's refresh draws no chart
            context["availability_chart"] = station_availability_chart(location=location)
            context["station_links"] = station_links(self.request.user, location)
        return context


class StationAvailabilityCsvView(StaffViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return station_availability_chart(location=get_object_or_404(Location, pk=pk)).csv_response()


class EvseStatusView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "chargepoints.change_evse"

    def post(self, request: HttpRequest, pk: int, evse_pk: int) -> HttpResponse:
        evse = get_object_or_404(EVSE, pk=evse_pk, location_id=pk)
        form = EvseStatusForm(request.POST)
        if form.is_valid():
            try:
                if services.evse_set_status(evse=evse, status=form.cleaned_data["status"]):
                    messages.success(
                        request, _("%(evse)s is now %(status)s.") % {"evse": evse, "status": evse.get_status_display()}
                    )
            except ValidationError as error:
                messages.error(request, "; ".join(error.messages))
        else:
            messages.error(request, _("Choose a valid status."))
        return HttpResponseRedirect(reverse("stations:detail", args=[pk]))


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class SimulateChargingView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Play a charger through one driver's visit (the registered visit player: a charger over OCPP), on a clock that
    ends now. Outside a transaction: the gateway writes the visit in its own threads while this request waits."""

    permission_required = "chargepoints.change_evse"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        location = get_object_or_404(Location, pk=pk)
        form = SimulateChargingForm(request.POST, location=location)
        if not form.is_valid():
            problems = [f"{field}: {message}" for field, errors in form.errors.items() for message in errors]
            messages.error(request, "; ".join(problems))
            return HttpResponseRedirect(reverse("stations:detail", args=[pk]))
        data = form.cleaned_data
        visit = timedelta(minutes=data["minutes"] + data["suspended_minutes"] + data["parking_minutes"])
        plan = SimulationPlan(
            token_uid=data["token_uid"],
            token_type=data["token_type"],
            start=timezone.now().replace(microsecond=0) - visit,
            minutes=data["minutes"],
            kw=data["kw"],
            suspended_minutes=data["suspended_minutes"],
            parking_minutes=data["parking_minutes"],
            fail=data["outcome"] == "fail",
            abort=data["outcome"] == "abort",
            keep_charging=data["outcome"] == "charging",
        )
        try:
            outcome = play_visit(data["evse"], plan)
        except (ValueError, ValidationError) as error:
            messages.error(request, "; ".join(error.messages if isinstance(error, ValidationError) else [str(error)]))
        else:
            if outcome.session is None:
                messages.warning(
                    request, _("Token %(uid)s refused: %(reason)s") % {"uid": plan.token_uid, "reason": outcome.refused}
                )
            else:
                messages.success(request, outcome.log[-1])
        return HttpResponseRedirect(reverse("stations:detail", args=[pk]))


class AttributionView(TemplateView):
    """Public: the licences of the data we show require visible attribution."""

    template_name = "chargepoints/attribution.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "attributions": ATTRIBUTIONS}


class LanguageView(View):
    """The language switch in every page's header (chargepoints.languages): back to the page it was pressed on."""

    def post(self, request: HttpRequest) -> HttpResponse:
        language = request.POST.get("language", "")
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            next_url = "/"
        response = HttpResponseRedirect(next_url)
        if language_supported(language):
            language_choose(user=request.user, language=language)
            if request.user.is_authenticated:
                request.session[LANGUAGE_SESSION_KEY] = language
            language_cookie_set(response, language)
        return response
