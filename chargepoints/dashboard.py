"""The dashboard's "needs attention" cards.

Apps above this one (billing's CDR review queue, the OCPI push pipeline) register a card source in a ``dashboard``
module of their own, found with ``autodiscover_modules("dashboard")``; the dashboard shows them without this domain
app importing those apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse
from django.utils import timezone

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


@register
def sessions_card(user: Viewer) -> AttentionCard | None:
    if not user.has_perm("chargepoints.view_chargingsession"):
        return None
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    active = ChargingSession.objects.filter(status=SessionStatus.ACTIVE).count()
    today = ChargingSession.objects.filter(start_date_time__gte=midnight).count()
    return AttentionCard(
        label="Charging now",
        value=active,
        detail=f"sessions · {today} started today",
        url=f"{reverse('sessions:list')}?status={SessionStatus.ACTIVE}",
    )
