"""CDRs: made when a session completes, held by the quality gate or issued, and corrected by credit and reissue.

Pricing: a CDR is priced by the engine with the tariff snapshot taken at the session's start and the session's own
periods, through the same function that computes the session's running cost, so the cost at the stop is the billed
cost. An issued CDR never changes; a correction is a credit CDR plus a new CDR (OCPI 2.2.1 mod_cdrs.asciidoc, Flow and
Lifecycle).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chargepoints.models import ChargingSession
from chargepoints.sessions.enums import SessionStatus
from chargepoints.sessions.pricing import KWH_QUANTUM, PeriodFacts, price_periods
from chargepoints.sessions.selectors import session_period_facts
from chargepoints.sessions.tariffs import tariff_by_id, tariff_from_snapshot
from tariffs import pricing

from ..models import Cdr, new_cdr_id
from ..references import invoice_reference_for
from ..signals import cdr_issued

ADDRESS_LIMIT = 45  # OCPI CdrLocation.address; Location.address grew to 255 in the errata, this one did not
STATE_LIMIT = 20
CREDIT_SUFFIX = "-C"
# A meter reading may be a whole Wh off; more energy than power × time allows beyond that is not believable.
ENERGY_ALLOWANCE_KWH = Decimal("0.001")
MONEY_FIELDS = tuple(
    f"total_{name}_{vat}"
    for name in ("cost", "fixed_cost", "energy_cost", "time_cost", "parking_cost", "reservation_cost")
    for vat in ("excl_vat", "incl_vat")
)


def cdr_text_limit(text: str, limit: int) -> str:
    """Fit a CdrLocation text into its OCPI length: whole words from the start, as many as fit.

    Our addresses start with street and number, so the words kept are the ones a driver and the eMSP need; trailing
    separators are dropped ("Storgatan 12, entrance B," → "Storgatan 12, entrance B"). A first word longer than the
    limit is cut at the limit.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    kept = cut[: cut.rfind(" ")] if " " in cut else text[:limit]
    return re.sub(r"[\s,;:/-]+$", "", kept) or text[:limit]


@dataclass(frozen=True)
class _Priced:
    """The totals a CDR stores: from the engine, or only the quantities when it could not be priced."""

    money: dict[str, Decimal | None]
    total_energy: Decimal
    total_time: Decimal
    total_parking_time: Decimal
    problem: str | None


def _price(
    *, tariff: pricing.Tariff | None, start: datetime, periods: Sequence[PeriodFacts], time_zone: str
) -> _Priced:
    quantities = {
        "total_energy": sum((p.energy_kwh for p in periods), Decimal(0)),
        "total_time": pricing.hours_of(sum((p.end - p.start for p in periods), timedelta(0))),
        "total_parking_time": pricing.hours_of(sum((p.end - p.start for p in periods if p.parking), timedelta(0))),
    }
    if tariff is None:
        problem = "no tariff was in force on the connector when the session started"
        return _Priced(money=dict.fromkeys(MONEY_FIELDS), problem=problem, **quantities)
    try:
        priced = price_periods(tariff=tariff, start=start, periods=periods, time_zone=time_zone)
    except (pricing.PricingInputError, pricing.TariffNotApplicable) as error:
        return _Priced(money=dict.fromkeys(MONEY_FIELDS), problem=f"cannot be priced: {error}", **quantities)
    money: dict[str, Decimal | None] = {}
    for name in ("cost", "fixed_cost", "energy_cost", "time_cost", "parking_cost", "reservation_cost"):
        price: pricing.Price = getattr(priced, f"total_{name}")
        money[f"total_{name}_excl_vat"] = price.excl_vat
        money[f"total_{name}_incl_vat"] = price.incl_vat
    return _Priced(money=money, problem=None, **quantities)


def cdr_quality_issues(
    *,
    start: datetime,
    end: datetime,
    total_energy: Decimal,
    connector_power_w: int | None,
    pricing_problem: str | None,
) -> list[str]:
    """Why a CDR must not go out without a person looking at it (empty when it may be issued at once)."""
    issues: list[str] = []
    if total_energy == 0:
        issues.append("zero energy: the vehicle drew nothing")
    elif total_energy < 0:
        issues.append(f"negative energy ({total_energy} kWh): the meter readings run backwards")
    if end < start:
        issues.append(f"the session ends ({end:%Y-%m-%d %H:%M:%S}) before it starts ({start:%Y-%m-%d %H:%M:%S})")
    if pricing_problem:
        issues.append(pricing_problem)
    if connector_power_w and total_energy > 0 and end >= start:
        with localcontext(prec=50):
            hours = pricing.exact_hours(end - start)
            possible = Decimal(connector_power_w) / 1000 * hours
        if total_energy > possible + ENERGY_ALLOWANCE_KWH:
            power = _plain(Decimal(connector_power_w) / 1000)
            issues.append(
                f"{_plain(total_energy)} kWh in {hours.quantize(Decimal('0.01'))} h is more than the connector's "
                f"{power} kW can deliver ({_plain(possible.quantize(KWH_QUANTUM))} kWh)"
            )
    return issues


def _plain(value: Decimal) -> str:
    """A quantity without exponent or trailing zeros: 30, 22.08."""
    return format(value.normalize(), "f")


def cdr_session_fields(session: ChargingSession) -> dict[str, Any]:
    """What a CDR copies from its session as it is: the driver's token, how it was authorized, and where."""
    return {
        "token_country_code": session.token_country_code,
        "token_party_id": session.token_party_id,
        "token_uid": session.token_uid,
        "token_type": session.token_type,
        "token_contract_id": session.token_contract_id,
        "auth_method": session.auth_method,
        "authorization_reference": session.authorization_reference,
        **_location_fields(session.cdr_location),
    }


def _location_fields(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A session's location snapshot as the CDR's columns, within OCPI CdrLocation's limits."""
    return {
        "location_id": snapshot["id"],
        "location_name": snapshot.get("name", "")[:255],
        "location_address": cdr_text_limit(snapshot["address"], ADDRESS_LIMIT),
        "location_city": cdr_text_limit(snapshot["city"], ADDRESS_LIMIT),
        "location_postal_code": snapshot.get("postal_code", ""),
        "location_state": cdr_text_limit(snapshot.get("state", ""), STATE_LIMIT),
        "location_country": snapshot["country"],
        "location_latitude": snapshot["latitude"],
        "location_longitude": snapshot["longitude"],
        "evse_uid": snapshot["evse_uid"],
        "evse_id": snapshot["evse_id"],
        "connector_id": snapshot["connector_id"],
        "connector_standard": snapshot["connector_standard"],
        "connector_format": snapshot["connector_format"],
        "connector_power_type": snapshot["connector_power_type"],
    }


def _make(
    *,
    session: ChargingSession,
    periods: Sequence[PeriodFacts],
    tariff_id: str,
    tariff_snapshot: Any,
    remark: str,
    replaces: Cdr | None = None,
    by: User | None = None,
) -> Cdr:
    tariff = tariff_from_snapshot(tariff_snapshot) if tariff_snapshot is not None else None
    start, end = session.start_date_time, session.end_date_time
    assert end is not None
    priced = _price(tariff=tariff, start=start, periods=periods, time_zone=session.location.time_zone)
    issues = cdr_quality_issues(
        start=start,
        end=end,
        total_energy=priced.total_energy,
        connector_power_w=session.cdr_location.get("connector_power_w"),
        pricing_problem=priced.problem,
    )
    now = timezone.now()
    total_incl_vat = priced.money["total_cost_incl_vat"]
    reference = "" if issues else invoice_reference_for(session=session, total_cost_incl_vat=total_incl_vat)
    cdr = Cdr.objects.create(
        ocpi_id=new_cdr_id(),
        invoice_reference_id=reference,
        status=Cdr.Status.REVIEW if issues else Cdr.Status.ISSUED,
        session=session,
        start_date_time=start,
        end_date_time=end,
        **cdr_session_fields(session),
        meter_id=session.meter_id,
        currency=tariff.currency if tariff else session.currency,
        tariff_id=tariff_id if tariff else "",
        tariff_snapshot=tariff_snapshot if tariff else None,
        charging_periods=[p.to_json() for p in periods],
        **priced.money,
        total_energy=priced.total_energy,
        total_time=priced.total_time,
        total_parking_time=priced.total_parking_time,
        remark=remark[:255],
        replaces=replaces,
        review_reasons=issues,
        decided_by=by,
        decided_at=now if by else None,
        created=now,
        issued_at=None if issues else now,
        last_updated=now,
    )
    if not issues:
        cdr_issued.send(sender=Cdr, cdr=cdr)
    return cdr


@transaction.atomic
def cdr_create_for_session(*, session: ChargingSession) -> Cdr:
    """The CDR of a completed session. Safe to call again: the session's CDR is made once and then returned."""
    session = ChargingSession.objects.select_for_update().select_related("location").get(pk=session.pk)
    existing = Cdr.objects.filter(session=session, credit=False, replaces__isnull=True).first()
    if existing is not None:
        return existing
    if session.status != SessionStatus.COMPLETED:
        raise ValidationError(
            f"Session {session} is {session.get_status_display()}; only completed sessions are billed."
        )
    return _make(
        session=session,
        periods=session_period_facts(session=session),
        tariff_id=session.tariff_id,
        tariff_snapshot=session.tariff_snapshot,
        remark=session.stop_reason,
    )


def _locked(cdr: Cdr) -> Cdr:
    return Cdr.objects.select_for_update().select_related("session__location").get(pk=cdr.pk)


@transaction.atomic
def cdr_release(*, cdr: Cdr, by: User, note: str = "") -> Cdr:
    """Staff checked a held CDR and issue it as it is. One without a price cannot go out: void and reissue it."""
    cdr = _locked(cdr)
    if cdr.status != Cdr.Status.REVIEW:
        raise ValidationError(f"CDR {cdr} is {cdr.get_status_display().lower()}, not held for review.")
    if cdr.total_cost_excl_vat is None:
        raise ValidationError(f"CDR {cdr} has no price; void it and reissue it with a tariff.")
    now = timezone.now()
    cdr.status = Cdr.Status.ISSUED
    cdr.invoice_reference_id = cdr.invoice_reference_id or invoice_reference_for(
        session=cdr.session, total_cost_incl_vat=cdr.total_cost_incl_vat
    )
    cdr.decided_by, cdr.decided_at, cdr.decision_note = by, now, note[:255]
    cdr.issued_at = cdr.last_updated = now
    cdr.save()
    cdr_issued.send(sender=Cdr, cdr=cdr)
    return cdr


@transaction.atomic
def cdr_void(*, cdr: Cdr, by: User, reason: str) -> Cdr:
    """Staff decide a held CDR is never to be sent. It stays, for the record, and may be reissued corrected."""
    cdr = _locked(cdr)
    if cdr.status != Cdr.Status.REVIEW:
        raise ValidationError(f"CDR {cdr} is {cdr.get_status_display().lower()}; only held CDRs can be voided.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the CDR is voided."})
    cdr.status = Cdr.Status.VOID
    cdr.decided_by, cdr.decided_at, cdr.decision_note = by, timezone.now(), reason[:255]
    cdr.save()
    return cdr


@transaction.atomic
def cdr_credit(*, cdr: Cdr, reason: str, by: User) -> Cdr:
    """Cancel an issued CDR with a credit CDR, issued at once.

    The credit copies every field of the original, with id original + "-C", ``credit`` set, ``credit_reference_id``
    the original's id and ``reason`` as its remark. All money fields are negated (total_cost and each total_*_cost,
    excl and incl VAT), so the original and its credit add up to zero in every column an invoice sums; OCPI only
    demands it of total_cost. Quantities (energy, time, periods) are copied unchanged: they describe the same session.
    """
    cdr = _locked(cdr)
    if cdr.status != Cdr.Status.ISSUED:
        raise ValidationError(f"CDR {cdr} was never issued; only issued CDRs are credited.")
    if cdr.credit:
        raise ValidationError(f"CDR {cdr} is itself a credit and cannot be credited.")
    if Cdr.objects.filter(credit_of=cdr).exists():
        raise ValidationError(f"CDR {cdr} has already been credited.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the CDR is credited."})
    now = timezone.now()
    copied = {
        field.name: getattr(cdr, field.name)
        for field in Cdr._meta.concrete_fields
        if field.name not in ("id", "ocpi_id", "replaces", "credit_of", "decided_by")
    }
    money = {name: -copied[name] if copied[name] is not None else None for name in MONEY_FIELDS}
    credit = Cdr.objects.create(
        **{
            **copied,
            **money,
            "ocpi_id": f"{cdr.ocpi_id}{CREDIT_SUFFIX}",
            "status": Cdr.Status.ISSUED,
            "remark": reason[:255],
            "credit": True,
            "credit_reference_id": cdr.ocpi_id,
            "credit_of": cdr,
            "review_reasons": [],
            "decided_by": by,
            "decided_at": now,
            "decision_note": reason[:255],
            "created": now,
            "issued_at": now,
            "last_updated": now,
        }
    )
    cdr_issued.send(sender=Cdr, cdr=credit)
    return credit


@transaction.atomic
def cdr_reissue(
    *,
    cdr: Cdr,
    by: User,
    reason: str,
    tariff_id: str | None = None,
    total_energy: Decimal | None = None,
) -> Cdr:
    """A corrected CDR for the session of ``cdr``, which must be credited (if it was issued) or voided first.

    ``tariff_id`` prices it with that tariff as it is now (when the session had none, or the wrong one);
    ``total_energy`` corrects a wrong meter reading, spread over the periods in proportion to their energy. The new
    CDR has a new id, goes through the quality gate again and records which CDR it ``replaces``.
    """
    cdr = _locked(cdr)
    if cdr.credit:
        raise ValidationError("A credit CDR is not reissued; reissue the CDR it credits.")
    if cdr.status == Cdr.Status.REVIEW:
        raise ValidationError(f"CDR {cdr} is still held for review: release or void it first.")
    if cdr.status == Cdr.Status.ISSUED and not Cdr.objects.filter(credit_of=cdr).exists():
        raise ValidationError(f"CDR {cdr} is issued: credit it before issuing its replacement.")
    if Cdr.objects.filter(replaces=cdr).exists():
        raise ValidationError(f"CDR {cdr} has already been replaced.")
    if not reason.strip():
        raise ValidationError({"reason": "Say what the new CDR corrects."})
    periods = cdr.period_facts()
    if total_energy is not None:
        periods = _spread_energy(periods, total_energy)
    new_tariff_id, snapshot = cdr.tariff_id, cdr.tariff_snapshot
    if tariff_id is not None:
        found = tariff_by_id(tariff_id=tariff_id)
        if found is None:
            raise ValidationError({"tariff_id": f"There is no tariff '{tariff_id}'."})
        new_tariff_id, snapshot = found.tariff.id, found.snapshot
    return _make(
        session=cdr.session,
        periods=periods,
        tariff_id=new_tariff_id,
        tariff_snapshot=snapshot,
        remark=reason,
        replaces=cdr,
        by=by,
    )


@dataclass(frozen=True)
class CdrCorrection:
    credit: Cdr | None  # None when the CDR needed no credit (it was void, or already credited)
    replacement: Cdr


@transaction.atomic
def cdr_correct(
    *,
    cdr: Cdr,
    by: User,
    reason: str,
    tariff_id: str | None = None,
    total_energy: Decimal | None = None,
) -> CdrCorrection:
    """Credit ``cdr`` when it is issued and not yet credited, then reissue it: one transaction, so a reissue that
    fails (an unknown tariff, say) leaves no credit behind for the partner to receive."""
    cdr = _locked(cdr)
    credit = None
    if cdr.status == Cdr.Status.ISSUED and not cdr.credit and not Cdr.objects.filter(credit_of=cdr).exists():
        credit = cdr_credit(cdr=cdr, by=by, reason=reason)
    replacement = cdr_reissue(cdr=cdr, by=by, reason=reason, tariff_id=tariff_id, total_energy=total_energy)
    return CdrCorrection(credit=credit, replacement=replacement)


def _spread_energy(periods: list[PeriodFacts], total: Decimal) -> list[PeriodFacts]:
    """Scale the periods' energy to ``total``, keeping their proportions; the last charging period takes the rest."""
    charging = [i for i, p in enumerate(periods) if not p.parking] or [0]
    old_total = sum((periods[i].energy_kwh for i in charging), Decimal(0))
    out = list(periods)
    given = Decimal(0)
    for i in charging[:-1]:
        share = (periods[i].energy_kwh * total / old_total).quantize(KWH_QUANTUM) if old_total else Decimal(0)
        out[i] = replace(periods[i], energy_kwh=share)
        given += share
    for i, p in enumerate(periods):
        if p.parking:
            out[i] = replace(p, energy_kwh=Decimal(0))
    out[charging[-1]] = replace(periods[charging[-1]], energy_kwh=total - given)
    return out
