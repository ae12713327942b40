"""The CDR review queue on the staff dashboard (chargepoints.dashboard)."""

from __future__ import annotations

from django.urls import reverse

from chargepoints.dashboard import AttentionCard, Viewer, register

from .selectors.cdrs import cdr_review_count


@register
def review_queue_card(user: Viewer) -> AttentionCard | None:
    if not user.has_perm("billing.view_cdr"):
        return None
    held = cdr_review_count()
    return AttentionCard(
        label="CDRs held for review",
        value=held,
        detail="waiting for a decision, not sent" if held else "nothing waiting",
        url=f"{reverse('billing:cdr_list')}?status=REVIEW",
        warn=held > 0,
    )
