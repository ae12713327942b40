"""Each partner's delivery of a CDR, for billing's CDR page (billing.deliveries): the push outbox row of its POST and
the ``Location`` the eMSP answered with."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from billing.deliveries import CdrDeliveryState, register
from billing.models import Cdr

from .models import CdrDelivery
from .push.keys import cdr_key
from .push.models import OutboxItem

_STATE: dict[str, str] = {
    OutboxItem.Status.DELIVERED: "Delivered",
    OutboxItem.Status.PENDING: "Waiting",
    OutboxItem.Status.FAILED: "Rejected",
    OutboxItem.Status.DEAD: "Gave up",
}


@register
def cdr_delivery_states(cdr: Cdr) -> list[CdrDeliveryState]:
    key = cdr_key(cdr.ocpi_id)
    their_urls = dict(CdrDelivery.objects.filter(cdr=cdr).values_list("partner_id", "location_url"))
    states: list[CdrDeliveryState] = []
    seen: set[int] = set()
    for item in OutboxItem.objects.filter(object_key=key).select_related("partner").order_by("partner_id", "-id"):
        if item.partner_id in seen:
            continue  # the latest POST per partner tells where the CDR stands
        seen.add(item.partner_id)
        delivered = item.status == OutboxItem.Status.DELIVERED
        history = reverse("ocpi_push:object", args=[item.partner_id]) + "?" + urlencode({"key": key})
        states.append(
            CdrDeliveryState(
                partner=str(item.partner),
                state=_STATE.get(item.status, item.get_status_display()),
                when=item.next_attempt_at if item.status == OutboxItem.Status.PENDING else item.finished_at,
                detail=their_urls.get(item.partner_id, "") if delivered else item.response_message,
                history_url=history,
                problem=item.status in (OutboxItem.Status.FAILED, OutboxItem.Status.DEAD),
            )
        )
    return states
