"""The session lifecycle, as a charger reports it: start, meter values, state changes, stop or failure.

Every call is one charger message, so an OCPP central system can drive these services as they are:
StartTransaction → :func:`session_start`, MeterValues → :func:`session_meter_values`, StatusNotification
(Charging / SuspendedEV / Finishing) → :func:`session_set_charging_state`, StopTransaction → :func:`session_stop`,
a faulted connector → :func:`session_fail`. Times are the charger's clock (``at``), never the server's, so that the
simulator can run an hour of charging in a millisecond and a charger that reports late is still billed on its times.

Each service locks the session row, accounts the time and energy since the last report into charging periods (cutting
them wherever the tariff's price may change), re-prices the session with the tariff in force at its start, keeps the
EVSE status in step, and announces the change with ``session_changed`` inside its transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tariffs import pricing

from ..authorization import AuthMethod, DriverToken
from ..enums import EvseStatus
from ..models import EVSE, ChargingPeriod, ChargingSession, Connector, Location
from ..services import evse_set_status
from ..signals import session_changed
from .enums import ChargingState, SessionStatus
from .pricing import KWH_QUANTUM, energy_thresholds, load_band, price_periods, time_boundaries
from .selectors import session_period_facts
from .tariffs import agreed_tariff, session_tariff, tariff_in_force

MICROSECOND = timedelta(microseconds=1)
WH_PER_KWH = Decimal(1000)
W_PER_KW = Decimal(1000)
ALL_FIELDS = frozenset(f.name for f in ChargingSession._meta.concrete_fields) | {"charging_periods"}


def cdr_token_fields(token: DriverToken) -> dict[str, str]:
    """The token a session starts with, as the session stores it (OCPI CdrToken) for the CDR."""
    return {
        "token_country_code": token.country_code,
        "token_party_id": token.party_id,
        "token_uid": token.uid,
        "token_type": token.type,
        "token_contract_id": token.contract_id,
    }


def cdr_location_snapshot(*, evse: EVSE, connector: Connector, location: Location | None = None) -> dict[str, Any]:
    """The location facts a CDR carries (OCPI CdrLocation), as they are now. Kept whole: the CDR applies its limits.

    ``connector_power_w`` is not part of CdrLocation: the CDR quality gate checks the energy against it. Pass the
    EVSE's ``location`` when it is at hand, to save the query (bulk seeding).
    """
    location = location or evse.location
    return {
        "id": location.ocpi_id,
        "name": location.name,
        "address": location.address,
        "city": location.city,
        "postal_code": location.postal_code,
        "state": location.state,
        "country": location.country,
        "latitude": location.latitude,
        "longitude": location.longitude,
        "evse_uid": evse.uid,
        "evse_id": evse.evse_id,
        "connector_id": connector.connector_id,
        "connector_standard": connector.standard,
        "connector_format": connector.format,
        "connector_power_type": connector.power_type,
        "connector_power_w": connector.rated_power_w,
    }


@transaction.atomic
def session_start(
    *,
    evse: EVSE,
    connector_id: str,
    token_facts: DriverToken,
    auth_method: AuthMethod | str,
    authorization_reference: str | None = None,
    at: datetime,
    meter_start_wh: Decimal = Decimal(0),
    meter_id: str = "",
) -> ChargingSession:
    """A driver's token was accepted and the vehicle is connected: the session is ACTIVE from ``at``.

    Refuses an EVSE that is not AVAILABLE (or already has an open session) and an unknown connector. A price the
    driver agreed to before the start (ad hoc payment, :func:`.tariffs.agreed_tariff`) prices the whole session;
    otherwise the tariff in force now on the connector does. Without either the session still runs, its cost is
    unknown and its CDR is held for review.
    """
    evse = EVSE.objects.select_for_update().select_related("location").get(pk=evse.pk)
    if evse.status != EvseStatus.AVAILABLE:
        raise ValidationError({"evse": f"{evse} is {evse.get_status_display()}, not available for a new session."})
    connector = evse.connectors.filter(connector_id=connector_id).first()
    if connector is None:
        raise ValidationError({"connector_id": f"{evse} has no connector '{connector_id}'."})
    if auth_method not in AuthMethod.values:
        raise ValidationError({"auth_method": f"'{auth_method}' is not an auth method."})
    found = agreed_tariff(token=token_facts, authorization_reference=authorization_reference) or tariff_in_force(
        connector=connector, at=at
    )
    session = ChargingSession.objects.create(
        status=SessionStatus.ACTIVE,
        charging_state=ChargingState.CHARGING,
        start_date_time=at,
        **cdr_token_fields(token_facts),
        auth_method=auth_method,
        authorization_reference=authorization_reference or "",
        location=evse.location,
        evse=evse,
        connector_id=connector_id,
        cdr_location=cdr_location_snapshot(evse=evse, connector=connector),
        meter_id=meter_id,
        currency=found.tariff.currency if found else "",
        tariff_id=found.tariff.id if found else "",
        tariff_snapshot=found.snapshot if found else None,
        meter_start_wh=meter_start_wh,
        meter_wh=meter_start_wh,
        accounted_until=at,
    )
    ChargingPeriod.objects.create(session=session, start_date_time=at, tariff_id=session.tariff_id)
    _reprice(session, found.tariff if found else None)
    session.save(update_fields=["total_cost_excl_vat", "total_cost_incl_vat", "pricing_error"])
    evse_set_status(evse=evse, status=EvseStatus.CHARGING)
    session_changed.send(sender=ChargingSession, session=session, created=True, changed_fields=ALL_FIELDS)
    return session


@transaction.atomic
def session_meter_values(
    *,
    session: ChargingSession,
    at: datetime,
    energy_wh_total: Decimal,
    power_w: Decimal | None = None,
    current_a: Decimal | None = None,
) -> ChargingSession:
    """The charger's meter register (Wh since it was built), with the power and current it delivers from ``at`` on."""
    run = _Run.open(session, at)
    run.account(at, energy_wh_total)
    if power_w is not None or current_a is not None:
        run.sample(at, power_w=power_w, current_a=current_a)
    return run.finish({"kwh", "meter_wh", "power_w", "current_a"})


@transaction.atomic
def session_set_charging_state(
    *,
    session: ChargingSession,
    state: ChargingState | str,
    at: datetime,
    energy_wh_total: Decimal | None = None,
) -> ChargingSession:
    """The vehicle starts, pauses or stops drawing power. Moving into or out of PARKING starts a new period."""
    if state not in ChargingState.values:
        raise ValidationError({"state": f"'{state}' is not a charging state."})
    run = _Run.open(session, at)
    run.account(at, energy_wh_total)
    if state == run.session.charging_state:
        return run.finish({"kwh", "meter_wh"} if energy_wh_total is not None else set())
    run.set_parking(at, parking=state == ChargingState.PARKING)
    if state != ChargingState.CHARGING:
        run.sample(at, power_w=Decimal(0), current_a=Decimal(0))
    run.session.charging_state = state
    return run.finish({"charging_state", "kwh", "meter_wh", "power_w", "current_a"})


@transaction.atomic
def session_stop(
    *, session: ChargingSession, at: datetime, reason: str, energy_wh_total: Decimal | None = None
) -> ChargingSession:
    """The session ended normally (the driver stopped it, or it was stopped remotely): COMPLETED, EVSE AVAILABLE.

    ``reason`` is kept for staff and for the CDR's remark. Billing creates the CDR when it hears of the completion.
    """
    run = _Run.open(session, at)
    run.account(at, energy_wh_total)
    return run.end(at, status=SessionStatus.COMPLETED, reason=reason, evse_status=EvseStatus.AVAILABLE)


@transaction.atomic
def session_fail(
    *,
    session: ChargingSession,
    at: datetime,
    reason: str,
    energy_wh_total: Decimal | None = None,
    evse_status: EvseStatus | str = EvseStatus.OUTOFORDER,
) -> ChargingSession:
    """The charger aborted the session (a fault, an emergency stop, a failed start): INVALID, never billed.

    The EVSE takes ``evse_status``: OUTOFORDER for a fault; AVAILABLE when the charger recovered by itself.
    Energy delivered so far stays on the session for staff to see, but no CDR is made for an invalid session.
    """
    run = _Run.open(session, at)
    run.account(at, energy_wh_total)
    return run.end(at, status=SessionStatus.INVALID, reason=reason, evse_status=evse_status)


@dataclass
class _Run:
    """One service call's work on one locked session and its open period."""

    session: ChargingSession
    period: ChargingPeriod
    tariff: pricing.Tariff | None
    changed: set[str]

    @classmethod
    def open(cls, session: ChargingSession, at: datetime) -> _Run:
        locked = ChargingSession.objects.select_for_update().select_related("location").get(pk=session.pk)
        if not locked.is_open:
            raise ValidationError(f"Session {locked} is {locked.get_status_display()}; it takes no more reports.")
        if at < locked.accounted_until:
            raise ValidationError(
                {"at": f"{at:%Y-%m-%d %H:%M:%S} is before the session's last report ({locked.accounted_until})."}
            )
        period = locked.charging_periods.get(end_date_time__isnull=True)
        return cls(session=locked, period=period, tariff=session_tariff(locked), changed=set())

    def account(self, at: datetime, energy_wh_total: Decimal | None) -> None:
        """Attribute the time, and the energy the meter shows, from the last report to ``at`` to the periods."""
        session = self.session
        delivered = Decimal(0)
        if energy_wh_total is not None:
            if energy_wh_total < session.meter_wh:
                raise ValidationError(
                    {"energy_wh_total": f"The meter went back from {session.meter_wh} Wh to {energy_wh_total} Wh."}
                )
            delivered = (energy_wh_total - session.meter_wh) / WH_PER_KWH
            session.meter_wh = energy_wh_total
        start, kwh_before = session.accounted_until, session.kwh
        cuts: dict[datetime, Decimal] = {}  # moment → energy delivered since ``start`` up to it
        if self.tariff is not None and at > start:
            span = at - start
            for moment in time_boundaries(
                tariff=self.tariff,
                session_start=session.start_date_time,
                after=start,
                until=at,
                time_zone=session.location.time_zone,
            ):
                share = Decimal((moment - start) // MICROSECOND) / Decimal(span // MICROSECOND)
                cuts[moment] = (delivered * share).quantize(KWH_QUANTUM)
            for threshold in energy_thresholds(self.tariff):
                if delivered and kwh_before < threshold <= kwh_before + delivered:
                    share = (threshold - kwh_before) / delivered
                    cuts.setdefault(start + span * float(share), threshold - kwh_before)
        accounted, done = start, Decimal(0)
        for moment in sorted(cuts):
            upto = max(cuts[moment], done)  # interpolation rounding must never give a period negative energy
            self._fill(accounted, moment, upto - done)
            accounted, done = moment, upto
            self._cut(moment, parking=self.period.parking, inherit_sample=True)
        self._fill(accounted, at, delivered - done)
        session.kwh += delivered
        session.accounted_until = at

    def _fill(self, start: datetime, end: datetime, energy_kwh: Decimal) -> None:
        period = self.period
        period.energy_kwh += energy_kwh
        if self.session.current_a is not None:
            period.ampere_seconds += self.session.current_a * Decimal((end - start).total_seconds())
        period.save(update_fields=["energy_kwh", "ampere_seconds"])
        self.changed.add("charging_periods")

    def _cut(self, at: datetime, *, parking: bool, inherit_sample: bool) -> None:
        """Close the open period at ``at`` and open the next one; the held power/current sample may carry over."""
        old = self.period
        if old.start_date_time == at and not old.energy_kwh:
            old.parking = parking  # nothing happened in it yet: change it rather than leave an empty period
            old.save(update_fields=["parking"])
            return
        old.end_date_time = at
        old.save(update_fields=["end_date_time"])
        power_kw = self.session.power_w / W_PER_KW if self.session.power_w is not None else None
        held = inherit_sample and not parking
        self.period = ChargingPeriod.objects.create(
            session=self.session,
            start_date_time=at,
            parking=parking,
            tariff_id=self.session.tariff_id,
            min_power_kw=power_kw if held else None,
            max_power_kw=power_kw if held else None,
            min_current_a=self.session.current_a if held else None,
            max_current_a=self.session.current_a if held else None,
        )
        self.changed.add("charging_periods")

    def set_parking(self, at: datetime, *, parking: bool) -> None:
        if self.period.parking != parking:
            self._cut(at, parking=parking, inherit_sample=False)

    def sample(self, at: datetime, *, power_w: Decimal | None, current_a: Decimal | None) -> None:
        """Record the power/current the charger delivers from ``at``; a new price band starts a new period."""
        session = self.session
        power_kw = power_w / W_PER_KW if power_w is not None else None
        if self.tariff is not None:
            held_kw = session.power_w / W_PER_KW if session.power_w is not None else None
            before = load_band(self.tariff, power_kw=held_kw, current_a=session.current_a)
            after = load_band(self.tariff, power_kw=power_kw, current_a=current_a)
            if before != after:
                self._cut(at, parking=self.period.parking, inherit_sample=False)
        period = self.period
        fresh = period.start_date_time == at  # no time has passed in it: what it inherited never applied
        if power_kw is not None:
            period.min_power_kw = power_kw if fresh else _lowest(period.min_power_kw, power_kw)
            period.max_power_kw = power_kw if fresh else _highest(period.max_power_kw, power_kw)
        if current_a is not None:
            period.min_current_a = current_a if fresh else _lowest(period.min_current_a, current_a)
            period.max_current_a = current_a if fresh else _highest(period.max_current_a, current_a)
        period.save(update_fields=["min_power_kw", "max_power_kw", "min_current_a", "max_current_a"])
        session.power_w, session.current_a = power_w, current_a
        self.changed.add("charging_periods")

    def end(
        self, at: datetime, *, status: SessionStatus, reason: str, evse_status: EvseStatus | str
    ) -> ChargingSession:
        session = self.session
        last = self.period
        if last.start_date_time == at and not last.energy_kwh and last.pk != _first_period_pk(session):
            last.delete()  # a price boundary at the very end opened a period in which nothing happened
        else:
            last.end_date_time = at
            last.save(update_fields=["end_date_time"])
        session.status = status
        session.end_date_time = at
        session.stop_reason = reason[:255]
        session.power_w = session.current_a = None
        evse_set_status(evse=session.evse, status=evse_status)
        return self.finish({"status", "end_date_time", "stop_reason", "kwh", "meter_wh", "power_w", "current_a"})

    def finish(self, changed: set[str]) -> ChargingSession:
        session = self.session
        changed = changed | self.changed
        if changed:
            changed |= _reprice(session, self.tariff)
            changed |= {"accounted_until", "last_updated"}
            session.last_updated = timezone.now()
            session.save(update_fields=sorted(changed - {"charging_periods"}))
            session_changed.send(
                sender=ChargingSession, session=session, created=False, changed_fields=frozenset(changed)
            )
        return session


def _reprice(session: ChargingSession, tariff: pricing.Tariff | None) -> set[str]:
    """Set the running cost from the periods so far. Returns the fields that changed."""
    before = (session.total_cost_excl_vat, session.total_cost_incl_vat, session.pricing_error)
    if tariff is None:
        session.total_cost_excl_vat = session.total_cost_incl_vat = None
        session.pricing_error = "No tariff was in force on the connector when the session started."
    else:
        try:
            priced = price_periods(
                tariff=tariff,
                start=session.start_date_time,
                periods=session_period_facts(session=session),
                time_zone=session.location.time_zone,
            )
        except (pricing.PricingInputError, pricing.TariffNotApplicable) as error:
            session.total_cost_excl_vat = session.total_cost_incl_vat = None
            session.pricing_error = str(error)[:255]
        else:
            session.total_cost_excl_vat = priced.total_cost.excl_vat
            session.total_cost_incl_vat = priced.total_cost.incl_vat
            session.pricing_error = ""
    after = (session.total_cost_excl_vat, session.total_cost_incl_vat, session.pricing_error)
    names = ("total_cost_excl_vat", "total_cost_incl_vat", "pricing_error")
    return {name for name, old, new in zip(names, before, after, strict=True) if old != new}


def _first_period_pk(session: ChargingSession) -> int | None:
    return session.charging_periods.order_by("start_date_time", "id").values_list("pk", flat=True).first()


def _lowest(current: Any, value: Decimal) -> Decimal:
    return value if current is None or value < current else Decimal(current)


def _highest(current: Any, value: Decimal) -> Decimal:
    return value if current is None or value > current else Decimal(current)
