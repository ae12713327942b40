"""Putting an EVSE on ad hoc payment in the catalogue, or taking it off: its ad hoc tariff and the payment
capabilities, announced. These two services are the one write path for both (the staff page and the admin).

OCPI 2.2.1 mod_locations.asciidoc (Capability enum): CREDIT_CARD_PAYABLE and DEBIT_CARD_PAYABLE say the EVSE takes
those cards (here through the payment page its QR sticker opens); CONTACTLESS_CARD_SUPPORT is for a contactless reader
at the charger, so only when a terminal is fitted. The connectors list the AD_HOC_PAYMENT tariff among their
``tariff_ids``, which is how partners (and the public map's payment filter) learn of it. The change goes out like
any station edit: ``location_changed`` (``chargepoints.services.station_announce_change``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from chargepoints.enums import CARD_PAYMENT_CAPABILITIES, Capability
from chargepoints.models import EVSE
from chargepoints.services import station_announce_change
from tariffs.models import Tariff, TariffType

CARD_PAYABLE = (Capability.CREDIT_CARD_PAYABLE, Capability.DEBIT_CARD_PAYABLE)


@transaction.atomic
def evse_enable_ad_hoc(*, evse: EVSE, tariff_id: str, terminal: bool = False) -> EVSE:
    """Offer ad hoc payment on ``evse`` at the AD_HOC_PAYMENT tariff ``tariff_id`` (in place of another ad hoc
    tariff it had), with a contactless ``terminal`` or not. Safe to call again. The staff page and the demo call it."""
    if not Tariff.objects.filter(ocpi_id=tariff_id, type=TariffType.AD_HOC_PAYMENT).exists():
        raise ValidationError({"tariff_id": f"'{tariff_id}' is not one of our AD_HOC_PAYMENT tariffs."})
    evse = EVSE.objects.select_for_update().select_related("location").get(pk=evse.pk)
    wanted = [*CARD_PAYABLE, *([Capability.CONTACTLESS_CARD_SUPPORT] if terminal else [])]
    capabilities = list(evse.capabilities) + [c.value for c in wanted if c.value not in evse.capabilities]
    if not terminal:
        capabilities = [c for c in capabilities if c != Capability.CONTACTLESS_CARD_SUPPORT]
    if _set_ad_hoc_payment(evse, capabilities, tariff_id):
        station_announce_change(location=evse.location, evse=evse)
    return evse


@transaction.atomic
def evse_disable_ad_hoc(*, evse: EVSE) -> EVSE:
    """Take ``evse`` off ad hoc payment: its connectors lose their AD_HOC_PAYMENT tariffs and the EVSE its card
    capabilities, announced to partners like any station edit. Safe to call again. Sessions already paid for keep
    the price their drivers agreed to (the payment's tariff snapshot)."""
    evse = EVSE.objects.select_for_update().select_related("location").get(pk=evse.pk)
    capabilities = [c for c in evse.capabilities if c not in CARD_PAYMENT_CAPABILITIES]
    if _set_ad_hoc_payment(evse, capabilities, None):
        station_announce_change(location=evse.location, evse=evse)
    return evse


def _set_ad_hoc_payment(evse: EVSE, capabilities: list[str], tariff_id: str | None) -> bool:
    """Give ``evse`` these capabilities and its connectors ``tariff_id`` as their one AD_HOC_PAYMENT tariff (none
    when None), their other tariffs kept. Returns whether anything changed."""
    changed = capabilities != list(evse.capabilities)
    if changed:
        evse.capabilities = capabilities
        evse.save(update_fields=["capabilities", "last_updated"])
    ad_hoc_ids = set(Tariff.objects.filter(type=TariffType.AD_HOC_PAYMENT).values_list("ocpi_id", flat=True))
    for connector in evse.connectors.all():
        wanted_ids = [t for t in connector.tariff_ids if t not in ad_hoc_ids] + ([tariff_id] if tariff_id else [])
        if wanted_ids != connector.tariff_ids:
            connector.tariff_ids = wanted_ids
            connector.save(update_fields=["tariff_ids", "last_updated", "rated_power_w"])
            changed = True
    return changed
