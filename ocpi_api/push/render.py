"""What a row's call carries, rendered for its partner when the call is made.

The outbox stores each change once, as our OCPI 2.2.1 JSON (``OutboxItem.body``); this is the one place that turns it
into what one partner is sent. It runs at delivery, for every attempt, never at enqueue, so that a partner's version
(and anything else about it) is read when we call it: a partner that moves to another version gets its waiting rows
in the new one. A partner on another OCPI version branches here.
"""

from __future__ import annotations

from typing import Any

from ocpi_api.models import Partner

from .models import OutboxItem


def render_body(item: OutboxItem, partner: Partner) -> Any:
    """The JSON body of ``item``'s call to ``partner`` (None for a DELETE). 2.2.1 partners get the stored body."""
    return item.body
