"""The CDR review queue and the revenue chart on the staff dashboard (chargepoints.dashboard)."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from chargepoints.charts import Chart
from chargepoints.dashboard import AttentionCard, Viewer, register, register_chart

from .conf import billing_zone
from .selectors.analytics import revenue_by_emsp_chart
from .selectors.cdrs import cdr_review_count


@register
def review_queue_card(user: Viewer) -> AttentionCard | None:
    if not user.has_perm("billing.view_cdr"):
        return None
    held = cdr_review_count()
    return AttentionCard(
        label=_("CDRs held for review"),
        value=held,
        detail=_("waiting for a decision, not sent") if held else _("nothing waiting"),
        url=f"{reverse('billing:cdr_list')}?status=REVIEW",
        warn=held > 0,
    )


@register_chart("billing.view_cdr")
def revenue_by_emsp(now: datetime) -> Chart:
    return revenue_by_emsp_chart(today=timezone.localtime(now, billing_zone()).date())
