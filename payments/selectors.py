"""Reads for the payment pages: a payment with what its page shows, the staff list, the daily totals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from billing.conf import billing_today, billing_zone
from chargepoints.enums import CARD_PAYMENT_CAPABILITIES, Capability
from chargepoints.models import EVSE, Connector
from tariffs import pricing
from tariffs.models import Tariff, TariffType
from tariffs.services import tariff_pricing

from .afir import AfirIssue, AfirWarning, afir_issues
from .gateways import GATEWAY_CLASSES, get_gateway, hold_valid_for
from .models import AdHocPayment, PaymentEvent, PaymentState


def payment_list(*, state: str = "", limit: int = 100) -> QuerySet[AdHocPayment]:
    """The newest payments, each with ``release_reason``: why its hold was given back (its RELEASE event), if it was."""
    release = PaymentEvent.objects.filter(payment=OuterRef("pk"), kind=PaymentEvent.Kind.RELEASE).order_by("-id")
    rows = (
        AdHocPayment.objects.select_related("evse", "session", "receipt")
        .annotate(release_reason=Subquery(release.values("detail")[:1]))
        .order_by("-created", "-id")
    )
    if state:
        rows = rows.filter(state=state)
    return rows[:limit]


HOLD_EXPIRY_WARNING = timedelta(days=1)


@dataclass(frozen=True)
class LapsingHold:
    payment: AdHocPayment
    expires_at: datetime


def holds_near_expiry(*, now: datetime | None = None) -> list[LapsingHold]:
    """Holds still uncaptured within a day of the time their provider lets them lapse (Stripe: 7 days after the
    authorization for most cards), or past it. One query. The hold's age is the payment's (it is placed at once)."""
    now = now or timezone.now()
    shortest = min(hold_valid_for(name) for name in GATEWAY_CLASSES)
    rows = AdHocPayment.objects.filter(state=PaymentState.HELD, created__lte=now - shortest + HOLD_EXPIRY_WARNING)
    rows = rows.select_related("evse").order_by("created", "id")
    found = []
    for payment in rows:
        expires_at = payment.created + hold_valid_for(payment.gateway)
        if expires_at - now <= HOLD_EXPIRY_WARNING:
            found.append(LapsingHold(payment, expires_at))
    return found


@dataclass(frozen=True)
class DayTotal:
    day: date
    currency: str
    count: int
    ours: Decimal  # captured − refunded, as we recorded it
    provider: Decimal  # captured − refunded, as the provider's books say

    @property
    def reconciled(self) -> bool:
        return self.ours == self.provider


def daily_totals(*, days: int = 14) -> list[DayTotal]:
    """Per day of capture (billing zone) and currency: what we took less what we refunded, and what the provider's
    books say for the same payments. A refund counts on its payment's capture day."""
    zone = billing_zone()
    since = billing_today() - timedelta(days=days - 1)
    start = datetime.combine(since, time(0), tzinfo=zone)
    rows = list(
        AdHocPayment.objects.filter(captured_at__gte=start, state__in=[PaymentState.CAPTURED, PaymentState.REFUNDED])
    )
    provider: dict[str, Decimal] = {}
    by_gateway: dict[str, list[str]] = defaultdict(list)
    for payment in rows:
        by_gateway[payment.gateway].append(payment.provider_reference)
    for name, references in by_gateway.items():
        provider.update(get_gateway(name).captured_amounts(provider_references=references))
    sums: dict[tuple[date, str], list[Decimal]] = {}
    for payment in rows:
        assert payment.captured_at is not None
        key = (payment.captured_at.astimezone(zone).date(), payment.currency)
        entry = sums.setdefault(key, [Decimal(0), Decimal(0), Decimal(0)])
        entry[0] += 1
        entry[1] += payment.refundable
        entry[2] += provider.get(payment.provider_reference, Decimal(0))
    return [
        DayTotal(day=day, currency=currency, count=int(v[0]), ours=v[1], provider=v[2])
        for (day, currency), v in sorted(sums.items(), reverse=True)
    ]


def afir_warnings() -> list[AfirWarning]:
    """AFIR problems of every EVSE that offers an AD_HOC_PAYMENT tariff, in three queries whatever the catalogue's
    size (tariffs, connectors, the EVSEs concerned). Tariffs are read as they are now; validity windows are not
    considered."""
    tariffs = {t.ocpi_id: t for t in Tariff.objects.prefetch_related("elements__price_components")}
    ad_hoc_ids = {key for key, t in tariffs.items() if t.type == TariffType.AD_HOC_PAYMENT}
    if not ad_hoc_ids:
        return []
    priced: dict[str, pricing.Tariff] = {}

    def engine(tariff_id: str) -> pricing.Tariff:
        if tariff_id not in priced:
            priced[tariff_id] = tariff_pricing(tariff=tariffs[tariff_id])
        return priced[tariff_id]

    offers: dict[int, tuple[str, str | None, Decimal]] = {}  # evse pk → ad hoc id, regular id, max kW
    for evse_pk, tariff_ids, power_w in Connector.objects.values_list("evse_id", "tariff_ids", "rated_power_w"):
        ad_hoc = next((t for t in tariff_ids if t in ad_hoc_ids), None)
        if ad_hoc is None:
            continue
        regular = next((t for t in tariff_ids if t in tariffs and tariffs[t].type in ("", TariffType.REGULAR)), None)
        _, _, kw = offers.get(evse_pk, (ad_hoc, regular, Decimal(0)))
        offers[evse_pk] = (ad_hoc, regular, max(kw, Decimal(power_w) / 1000))
    grouped: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for pk, evse_id, uid, capabilities in EVSE.objects.filter(pk__in=offers).values_list(
        "pk", "evse_id", "uid", "capabilities"
    ):
        ad_hoc, regular, kw = offers[pk]
        for issue in afir_issues(
            evse_id=evse_id or uid,
            max_kw=kw,
            capabilities=list(capabilities),
            ad_hoc=engine(ad_hoc),
            regular=engine(regular) if regular else None,
        ):
            grouped[(ad_hoc, issue.rule, issue.message)].append(issue.evse_id)
    return [
        AfirWarning(tariff_id=key[0], rule=key[1], message=key[2], evse_ids=tuple(sorted(evses)))
        for key, evses in sorted(grouped.items())
    ]


@dataclass(frozen=True)
class EvseAdHoc:
    """An EVSE's ad hoc payment as its staff page shows it: the tariff, the terminal, what AFIR says of them."""

    tariff_id: str  # "" when it takes no ad hoc payment
    terminal: bool
    takes_cards: bool  # it advertises a card capability (CREDIT_CARD_PAYABLE, DEBIT_CARD_PAYABLE, contactless)
    max_kw: Decimal
    issues: list[AfirIssue]


def evse_ad_hoc(*, evse: EVSE) -> EvseAdHoc:
    connectors = list(evse.connectors.all())
    ids = {t for c in connectors for t in c.tariff_ids}
    tariffs = {
        t.ocpi_id: t for t in Tariff.objects.filter(ocpi_id__in=ids).prefetch_related("elements__price_components")
    }
    ad_hoc = next(
        (t for c in connectors for t in c.tariff_ids if t in tariffs and tariffs[t].type == TariffType.AD_HOC_PAYMENT),
        "",
    )
    regular = next(
        (t for c in connectors for t in c.tariff_ids if t in tariffs and tariffs[t].type in ("", TariffType.REGULAR)),
        "",
    )
    max_kw = max((Decimal(c.rated_power_w) / 1000 for c in connectors), default=Decimal(0))
    issues = (
        afir_issues(
            evse_id=evse.evse_id,
            max_kw=max_kw,
            capabilities=list(evse.capabilities),
            ad_hoc=tariff_pricing(tariff=tariffs[ad_hoc]),
            regular=tariff_pricing(tariff=tariffs[regular]) if regular else None,
        )
        if ad_hoc
        else []
    )
    terminal = Capability.CONTACTLESS_CARD_SUPPORT in evse.capabilities
    takes_cards = any(c in evse.capabilities for c in CARD_PAYMENT_CAPABILITIES)
    return EvseAdHoc(tariff_id=ad_hoc, terminal=terminal, takes_cards=takes_cards, max_kw=max_kw, issues=issues)
