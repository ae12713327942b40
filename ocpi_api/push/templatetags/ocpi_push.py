"""``{% partner_deliveries partner %}``: the Deliveries card of the partner page, without touching its view."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from ocpi_api.models import Partner
from ocpi_api.push import selectors

register = template.Library()


@register.inclusion_tag("ocpi_push/_partner_deliveries.html", takes_context=True)
def partner_deliveries(context: template.Context, partner: Partner) -> dict[str, Any]:
    return {
        "partner": partner,
        "summary": selectors.queue_summary(partner=partner, now=timezone.now()),
        "perms": context.get("perms"),
    }
