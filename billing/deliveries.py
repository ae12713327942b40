"""Where an issued CDR went. The CDR page shows it; the OCPI side knows it (its push outbox), and registers a source
here at start-up, so that billing never imports the protocol layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .models import Cdr


@dataclass(frozen=True)
class CdrDeliveryState:
    partner: str
    state: str  # as staff read it: "Delivered", "Waiting", "Rejected", "Gave up"
    when: datetime | None  # delivered or given up at; for a waiting one, the next attempt
    detail: str  # their URL of the CDR, or the partner's answer
    history_url: str  # the staff page with every attempt
    problem: bool  # rejected or given up: a person has to look


DeliverySource = Callable[[Cdr], list[CdrDeliveryState]]
_SOURCES: list[DeliverySource] = []


def register(source: DeliverySource) -> DeliverySource:
    _SOURCES.append(source)
    return source


def cdr_delivery_states(cdr: Cdr) -> list[CdrDeliveryState]:
    return [state for source in _SOURCES for state in source(cdr)]
