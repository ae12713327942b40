"""The dashboard's "needs attention" cards and its charts.

Apps above this one (billing's CDR review queue and revenue, the OCPI push pipeline) register a card source or a
chart in a ``dashboard`` module of their own, found with ``autodiscover_modules("dashboard")``; the dashboard shows
them without this domain app importing those apps. Charts read whole tables, so they are built by a beat task and
read from the cache (``chargepoints.dashboard_summary``); cards count small, indexed sets on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import analytics
from .charts import Chart
from .models import ChargingSession
from .sessions.enums import SessionStatus


@dataclass(frozen=True)
class AttentionCard:
    label: str
    value: int
    detail: str
    url: str
    warn: bool = False  # drawn in the warning colour: something waits for a person


Viewer = User | AnonymousUser  # who looks at the dashboard
CardSource = Callable[[Viewer], AttentionCard | None]  # None: not for this viewer
CARD_SOURCES: list[CardSource] = []


def register(source: CardSource) -> CardSource:
    CARD_SOURCES.append(source)
    return source


def attention_cards(user: Viewer) -> list[AttentionCard]:
    return [card for source in CARD_SOURCES if (card := source(user)) is not None]


@dataclass(frozen=True)
class ChartSource:
    permission: str  # who may see the chart
    build: Callable[[datetime], Chart]  # the chart as of that time


CHART_SOURCES: list[ChartSource] = []


def register_chart(permission: str) -> Callable[[Callable[[datetime], Chart]], Callable[[datetime], Chart]]:
    def add(build: Callable[[datetime], Chart]) -> Callable[[datetime], Chart]:
        CHART_SOURCES.append(ChartSource(permission=permission, build=build))
        return build

    return add


@register_chart("chargepoints.view_chargingsession")
def daily_energy(now: datetime) -> Chart:
    return analytics.daily_energy_chart(now=now)


@register_chart("chargepoints.view_location")
def station_ranking(now: datetime) -> Chart:
    return analytics.station_ranking_chart(now=now)


@register
def sessions_card(user: Viewer) -> AttentionCard | None:
    if not user.has_perm("chargepoints.view_chargingsession"):
        return None
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    active = ChargingSession.objects.filter(status=SessionStatus.ACTIVE).count()
    today = ChargingSession.objects.filter(start_date_time__gte=midnight).count()
    return AttentionCard(
        label=_("Charging now"),
        value=active,
        detail=_("sessions · %(today)s started today") % {"today": today},
        url=f"{reverse('sessions:list')}?status={SessionStatus.ACTIVE}",
    )
