"""What a row's call carries, rendered for its partner when the call is made.

The outbox stores each change once, as our OCPI 2.2.1 JSON (``OutboxItem.body``); this is the one place that turns it
into what one partner is sent. It runs at delivery, for every attempt, never at enqueue, so that a partner's version
(and anything else about it) is read when we call it: a partner that moves to another version gets its waiting rows
in the new one. A partner on another OCPI version branches here. The staff's object history shows its rows through
here too, so that it shows what the partner is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocpi_api.core.v211.render import push_bodies
from ocpi_api.models import Partner
from ocpi_api.selectors import locations_json_by_id

from .models import OutboxItem


def render_body(item: OutboxItem, partner: Partner) -> Any:
    """The JSON body of ``item``'s call to ``partner`` (None for a DELETE): the stored body for a 2.2.1 partner, its
    2.1.1 form for a 2.1.1 partner."""
    return render_bodies([item], partner)[0]


def render_bodies(items: Sequence[OutboxItem], partner: Partner) -> list[Any]:
    """``render_body`` of each of ``items`` (all for ``partner``), with one lookup of the Locations their Sessions and
    CDRs carry in 2.1.1."""
    calls = [(item.module, item.path, item.body) for item in items]
    return push_bodies(partner.version, calls, locations_json_by_id)
