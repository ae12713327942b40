"""Deliveries to partners that need a look, on the staff dashboard (chargepoints.dashboard)."""

from __future__ import annotations

from django.urls import reverse

from chargepoints.dashboard import AttentionCard, Viewer, register

from .selectors import delivery_problems


@register
def deliveries_card(user: Viewer) -> AttentionCard | None:
    if not user.has_perm("ocpi_push.view_outboxitem"):
        return None
    problems = delivery_problems()
    return AttentionCard(
        label="Deliveries to partners",
        value=problems.failed,
        detail=f"rejected or given up · {problems.waiting} waiting",
        url=reverse("partners:list"),
        warn=problems.failed > 0,
    )
