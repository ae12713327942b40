"""Staff warnings: an ad hoc offer that breaks EU AFIR (Regulation (EU) 2023/1804) for its power class.

What we check, from Article 5 (as read in the Commission's AFIR Q&A and operators' summaries; see docs/payments.md for
what could and could not be checked against the regulation's own text):

- Article 5(1): recharging points deployed from 13 April 2024 allow ad hoc payment; at 50 kW or more by a payment card
  reader or a contactless device that reads payment cards (below 50 kW an internet-based payment, e.g. a QR code to
  a secure payment page, suffices). From 1 January 2027 the card/contactless requirement extends to existing 50 kW+
  points on the TEN-T road network. We cannot know the deployment date or the road network, so any 50 kW+ EVSE
  offering ad hoc payment without a card capability is flagged.
- At 50 kW or more the ad hoc price is based on the price per kWh; a price per minute is allowed only as an
  occupancy (idle) fee. So a per-session fee or a charging-time price is flagged there.
- Every class: the ad hoc price is shown with all its components before the start (the payment page does so) and
  must not discriminate against ad hoc drivers: a per-kWh price above the same EVSE's regular (eMSP) tariff is flagged
  for a person to judge, as prices may legitimately differ in structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from chargepoints.enums import Capability
from tariffs import pricing

HIGH_POWER_KW = Decimal(50)
CARD_CAPABILITIES = frozenset({Capability.CREDIT_CARD_PAYABLE, Capability.DEBIT_CARD_PAYABLE})
CARD_READING = frozenset({Capability.CONTACTLESS_CARD_SUPPORT, Capability.PED_TERMINAL, Capability.CHIP_CARD_SUPPORT})


@dataclass(frozen=True)
class AfirIssue:
    evse_id: str
    rule: str
    message: str


@dataclass(frozen=True)
class AfirWarning:
    """One problem of one ad hoc tariff, and the EVSEs where it shows."""

    tariff_id: str
    rule: str
    message: str
    evse_ids: tuple[str, ...]


def afir_issues(
    *,
    evse_id: str,
    max_kw: Decimal,
    capabilities: list[str],
    ad_hoc: pricing.Tariff,
    regular: pricing.Tariff | None,
) -> list[AfirIssue]:
    """What is wrong with the ad hoc offer on one EVSE (``max_kw``: its most powerful connector)."""
    issues: list[AfirIssue] = []
    dimensions = {c.type for e in ad_hoc.elements for c in e.price_components}
    if max_kw >= HIGH_POWER_KW:
        power = _("50 kW or more")
        if not set(capabilities) & CARD_READING:
            issues.append(
                AfirIssue(
                    evse_id,
                    "Art. 5(1)",
                    _("%(power)s: needs a payment card reader or contactless device, not only a QR page.")
                    % {"power": power},
                )
            )
        if pricing.Dimension.FLAT in dimensions:
            issues.append(
                AfirIssue(
                    evse_id, "Art. 5", _("%(power)s: a per-session fee; the price must be per kWh") % {"power": power}
                )
            )
        if pricing.Dimension.TIME in dimensions:
            issues.append(
                AfirIssue(
                    evse_id,
                    "Art. 5",
                    _("%(power)s: a price per charging minute; per minute only as an idle fee") % {"power": power},
                )
            )
        if pricing.Dimension.ENERGY not in dimensions:
            issues.append(AfirIssue(evse_id, "Art. 5", _("%(power)s: no price per kWh") % {"power": power}))
    if regular is not None and regular.currency == ad_hoc.currency:
        ad_hoc_kwh, regular_kwh = _energy_price(ad_hoc), _energy_price(regular)
        if ad_hoc_kwh is not None and regular_kwh is not None and ad_hoc_kwh > regular_kwh:
            issues.append(
                AfirIssue(
                    evse_id,
                    _("Art. 5 (non-discrimination)"),
                    _(
                        "ad hoc %(ad_hoc)s per kWh (excl. VAT) is above the regular tariff's %(regular)s:"
                        " is it justified?"
                    )
                    % {"ad_hoc": f"{ad_hoc_kwh.normalize():f}", "regular": f"{regular_kwh.normalize():f}"},
                )
            )
    return issues


def _energy_price(tariff: pricing.Tariff) -> Decimal | None:
    """The first unrestricted per-kWh price excl. VAT (the headline price)."""
    for element in tariff.elements:
        if element.restrictions is None:
            for component in element.price_components:
                if component.type is pricing.Dimension.ENERGY:
                    return component.price
    return None
