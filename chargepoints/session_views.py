"""Staff pages for charging sessions. Thin: filtering and pricing come from chargepoints.sessions.selectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404
from django.views.generic import TemplateView

from .forms import SessionFilterForm
from .models import ChargingSession
from .sessions import selectors

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
        page = Paginator(selectors.session_search(filters=filters), PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return {
            **super().get_context_data(**kwargs),
            "form": form,
            "page": page,
            "rows": [SessionRow(session=session) for session in page],
            "query": query.urlencode(),
        }


class SessionDetailView(SessionViewMixin, TemplateView):
    template_name = "chargepoints/session_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        try:
            session = selectors.session_get(pk=self.kwargs["pk"])
        except ChargingSession.DoesNotExist as error:
            raise Http404("No such session.") from error
        periods = selectors.session_period_facts(session=session)
        return {
            **super().get_context_data(**kwargs),
            "session": session,
            "row": SessionRow(session=session),
            "periods": selectors.period_rows(periods=periods, session_only=True),
            "breakdown": selectors.session_price_breakdown(session=session),
        }
