"""Demo ad hoc payments for `make run`: each demo tariff gets an AD_HOC_PAYMENT twin at the same prices (AFIR: no
discrimination against ad hoc drivers), and every EVSE with one of them takes card payment on its /pay/ page; DC
chargers get a contactless terminal. Idempotent."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from chargepoints.demo import DEMO_TARIFFS, register
from chargepoints.enums import PowerType
from chargepoints.models import EVSE
from tariffs.models import Tariff, TariffType
from tariffs.services import TariffInput, tariff_replace

from .catalogue import evse_enable_ad_hoc

AD_HOC_SUFFIX = "-ADHOC"


def ad_hoc_twin(data: TariffInput) -> TariffInput:
    twin: TariffInput = {**data, "id": f"{data['id']}{AD_HOC_SUFFIX}", "type": TariffType.AD_HOC_PAYMENT}
    return twin


@register(order=30, name="ad hoc payments")
@transaction.atomic
def seed_ad_hoc(base_url: str) -> list[str]:
    twins = {data["id"]: ad_hoc_twin(data) for data in DEMO_TARIFFS.values()}
    for twin in twins.values():
        if not Tariff.objects.filter(ocpi_id=twin["id"]).exists():
            tariff_replace(data=twin)
    first = ""
    for evse in EVSE.objects.prefetch_related("connectors").order_by("pk"):
        connectors = list(evse.connectors.all())
        regular = next((t for c in connectors for t in c.tariff_ids if t in twins), None)
        if regular is None:
            continue
        terminal = any(c.power_type == PowerType.DC for c in connectors)
        evse_enable_ad_hoc(evse=evse, tariff_id=twins[regular]["id"], terminal=terminal)
        first = first or evse.evse_id
    if not first:
        return ["Ad hoc payments: no EVSE with a demo tariff"]
    return [f"Ad hoc payment (demo gateway): {base_url}{reverse('payments:pay', args=[first])}"]
