"""Staff pages for charging sessions. Thin: filtering and pricing come from chargepoints.sessions.selectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .analytics import session_power_chart
from .control import ControlResult, serving_control
from .forms import SessionFilterForm
from .models import ChargingSession
from .paging import cursor_args, list_query, staff_page
from .portal import session_links
from .sessions import selectors
from .sessions.enums import SessionStatus
from .simulator import ChargerSimulator

PAGE_SIZE = 50


class SessionViewMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "chargepoints.view_chargingsession"


@dataclass(frozen=True)
class SessionRow:
    session: ChargingSession

    @property
    def duration_text(self) -> str:
        session = self.session
        return selectors.duration_text((session.end_date_time or session.accounted_until) - session.start_date_time)


def _filters_from(form: SessionFilterForm) -> selectors.SessionFilters:
    data = form.cleaned_data
    country_code, _star, party_id = data["party"].partition("*")
    return selectors.SessionFilters(
        status=data["status"],
        station=data["station"].strip(),
        token_country_code=country_code,
        token_party_id=party_id,
        token_uid=data["token_uid"].strip(),
        started_from=data["started_from"],
        started_until=data["started_until"],
    )


class SessionListView(SessionViewMixin, TemplateView):
    template_name = "chargepoints/session_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        form = SessionFilterForm(self.request.GET or None, parties=selectors.session_token_parties())
        filters = _filters_from(form) if form.is_valid() else selectors.SessionFilters()
        page = staff_page(
            selectors.session_search(filters=filters),
            per_page=PAGE_SIZE,
            page=self.request.GET.get("page"),
            **cursor_args(self.request.GET),
        )
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "page": page,
            "rows": [SessionRow(session=session) for session in page],
            "query": list_query(self.request.GET),
        }


class SessionDetailView(SessionViewMixin, TemplateView):
    template_name = "chargepoints/session_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            session = selectors.session_get(pk=self.kwargs["pk"])
        except ChargingSession.DoesNotExist as error:
            raise Http404(_("No such session.")) from error
        periods = selectors.session_period_facts(session=session)
        return {
            **super().get_context_data(**kwargs),
            "session": session,
            "session_links": session_links(self.request.user, session),
            "row": SessionRow(session=session),
            "periods": selectors.period_rows(periods=periods, session_only=True),
            "breakdown": selectors.session_price_breakdown(session=session),
            "power_chart": session_power_chart(session=session),
        }


class SessionPowerCsvView(SessionViewMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            session = selectors.session_get(pk=pk)
        except ChargingSession.DoesNotExist as error:
            raise Http404(_("No such session.")) from error
        return session_power_chart(session=session).csv_response()


class SessionRemoteStopView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Staff stop a session at the charger (a driver who cannot, a cable left in), as the eMSP's STOP_SESSION does: a
    real charger is sent RemoteStopTransaction, an EVSE no charger serves is played by the simulator. The session
    completes and its CDR follows as for any other stop."""

    permission_required = "chargepoints.change_chargingsession"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(ChargingSession.objects.select_related("evse"), pk=pk)
        detail = HttpResponseRedirect(reverse("sessions:detail", args=[pk]))
        if session.status != SessionStatus.ACTIVE:
            status = session.get_status_display()
            messages.error(
                request, _("Only an active session can be stopped; this one is %(status)s.") % {"status": status}
            )
            return detail
        if control := serving_control(session.evse):
            # A real charger ends the session itself: its StopTransaction completes it and the CDR follows.
            outcome = control.remote_stop(session=session)
            if outcome.result == ControlResult.ACCEPTED:
                messages.success(
                    request, _("The charger accepted the stop: %(message)s") % {"message": outcome.message}
                )
            else:
                messages.error(
                    request,
                    _("The charger did not stop the session (%(result)s): %(message)s")
                    % {"result": outcome.result, "message": outcome.message},
                )
            return detail
        charger = ChargerSimulator(evse=session.evse, connector_id=session.connector_id)
        try:
            session = charger.remote_stop(
                session=session, now=timezone.now(), reason=f"Stopped remotely by CPO staff ({request.user})"
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return detail
        messages.success(request, _("Session stopped: %(kwh)s kWh.") % {"kwh": number_format(session.kwh, 3)})
        return detail
