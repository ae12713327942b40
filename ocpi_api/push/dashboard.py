"""Deliveries to partners that need a look, on the staff dashboard (chargepoints.dashboard)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from chargepoints.dashboard import AttentionCard, Viewer, register

from .selectors import delivery_problems


@register
def deliveries_card(user: Viewer) -> AttentionCard | None:
    if not user.has_perm("ocpi_push.view_outboxitem"):
        return None
    problems = delivery_problems()
    return AttentionCard(
        label=_("Deliveries to partners"),
        value=problems.failed,
        detail=_("rejected or given up · %(waiting)s waiting") % {"waiting": problems.waiting},
        url=reverse("partners:list"),
        warn=problems.failed > 0,
    )
