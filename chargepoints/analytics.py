"""The charts of the staff pages: energy and sessions per day, station utilisation and availability, a session's
power curve. Each selector costs a fixed number of queries, whatever the size of the catalogue or the window.

Utilisation and availability come from the status history (``EvseStatusPeriod``) and are shares of the *recorded*
time in the window, so an EVSE whose history began last week is not counted idle for the weeks before. Statuses are
OCPI's (OCPI 2.2.1 mod_locations.asciidoc, Status enum): utilisation is time CHARGING; availability is time in which
the EVSE could serve or was serving a driver: AVAILABLE, CHARGING or RESERVED.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from .charts import Chart, Series, percent
from .enums import EvseStatus
from .models import ChargingSession, EvseStatusPeriod, Location

IN_SERVICE = (EvseStatus.AVAILABLE, EvseStatus.CHARGING, EvseStatus.RESERVED)
RANKED_STATIONS = 5  # busiest and idlest each


@dataclass(frozen=True)
class StatusShares:
    recorded_s: float
    charging_s: float
    in_service_s: float

    @property
    def utilisation(self) -> Decimal | None:
        return percent(self.charging_s, self.recorded_s)

    @property
    def availability(self) -> Decimal | None:
        return percent(self.in_service_s, self.recorded_s)


def _seconds_by_status(
    periods: QuerySet[EvseStatusPeriod], start: datetime, end: datetime, *group: str
) -> QuerySet[EvseStatusPeriod, dict[str, Any]]:
    """Seconds each status was held within [start, end), grouped by ``group`` fields and status: one query."""
    clipped = ExpressionWrapper(
        Least(Coalesce(F("until"), Value(end)), Value(end)) - Greatest(F("since"), Value(start)),
        output_field=DurationField(),
    )
    rows: QuerySet[EvseStatusPeriod, dict[str, Any]] = (
        periods.filter(Q(until__isnull=True) | Q(until__gt=start), since__lt=end)
        .values(*group, "status")
        .annotate(held=Sum(clipped))
        .order_by()
    )
    return rows


def _shares(rows: dict[str, timedelta]) -> StatusShares:
    seconds = {status: held.total_seconds() for status, held in rows.items()}
    return StatusShares(
        recorded_s=sum(seconds.values()),
        charging_s=seconds.get(EvseStatus.CHARGING, 0.0),
        in_service_s=sum(seconds.get(status, 0.0) for status in IN_SERVICE),
    )


def location_status_shares(*, location: Location, days: int, now: datetime | None = None) -> StatusShares:
    now = now or timezone.now()
    periods = EvseStatusPeriod.objects.filter(evse__location=location)
    rows = _seconds_by_status(periods, now - timedelta(days=days), now)
    return _shares({row["status"]: row["held"] for row in rows if row["held"]})


def station_availability_chart(*, location: Location, now: datetime | None = None) -> Chart:
    """Utilisation and availability of one station over the last 7 and 30 days: two queries."""
    now = now or timezone.now()
    windows = (7, 30)
    shares = [location_status_shares(location=location, days=days, now=now) for days in windows]
    return Chart(
        key="station-availability",
        title=_("Utilisation and availability"),
        summary=_("Share of the recorded time the EVSEs of this station were charging, and were in service."),
        x_label=_("Window"),
        # xgettext:no-python-format
        y_label=_("% of recorded time"),
        labels=tuple(_("Last %(days)s days") % {"days": days} for days in windows),
        series=(
            Series(label=_("Utilisation %"), values=tuple(share.utilisation for share in shares)),
            Series(label=_("Availability %"), values=tuple(share.availability for share in shares)),
        ),
        percent=True,
    )


def _local_days(days: int, now: datetime, zone: tzinfo) -> list[date]:
    today = timezone.localtime(now, zone).date()
    return [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def daily_energy_chart(*, now: datetime | None = None, days: int = 30) -> Chart:
    """Energy delivered and sessions started per local day, the last ``days`` days: one query."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    calendar = _local_days(days, now, zone)
    start = datetime.combine(calendar[0], datetime.min.time(), zone)
    rows = (
        ChargingSession.objects.filter(start_date_time__gte=start, start_date_time__lte=now)
        .annotate(day=TruncDate("start_date_time", tzinfo=zone))
        .values("day")
        .annotate(sessions=Count("id"), energy=Sum("kwh"))
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    return Chart(
        key="daily-energy",
        title=_("Energy and sessions per day"),
        summary=_("Energy delivered (kWh) and sessions started on each of the last %(days)s days.") % {"days": days},
        x_label=_("Day"),
        y_label=_("Energy (kWh)"),
        y2_label=_("Sessions"),
        y2_integer=True,
        labels=tuple(day.isoformat() for day in calendar),
        series=(
            Series(
                label=_("Energy (kWh)"),
                values=tuple(
                    Decimal(by_day[day]["energy"] if day in by_day else 0).quantize(Decimal("0.001"))
                    for day in calendar
                ),
            ),
            Series(
                label=_("Sessions"),
                values=tuple(Decimal(by_day[day]["sessions"]) if day in by_day else Decimal(0) for day in calendar),
                kind="line",
                axis="y2",
            ),
        ),
    )


def station_ranking_chart(*, now: datetime | None = None, days: int = 30) -> Chart:
    """The busiest and idlest stations by utilisation over the last ``days`` days: two queries.

    Ranked among stations with recorded time in the window; ties go to the lower id, so the order is stable.
    """
    now = now or timezone.now()
    rows = _seconds_by_status(EvseStatusPeriod.objects.all(), now - timedelta(days=days), now, "evse__location_id")
    by_location: dict[int, dict[str, timedelta]] = defaultdict(dict)
    for row in rows:
        if row["held"]:
            by_location[row["evse__location_id"]][row["status"]] = row["held"]
    shares = {pk: _shares(held) for pk, held in by_location.items()}
    ranked = sorted(
        (pk for pk, share in shares.items() if share.utilisation is not None),
        key=lambda pk: (-(shares[pk].utilisation or 0), pk),
    )
    # The busiest first, down to the idlest last; a short list shows each station once.
    chosen = ranked if len(ranked) <= 2 * RANKED_STATIONS else ranked[:RANKED_STATIONS] + ranked[-RANKED_STATIONS:]
    names = {  # with the city: many stations share a street address
        pk: f"{name or address}, {city}"
        for pk, name, address, city in Location.objects.filter(pk__in=chosen).values_list(
            "pk", "name", "address", "city"
        )
    }
    return Chart(
        key="station-ranking",
        title=_("Busiest and idlest stations"),
        summary=_(
            "Utilisation (share of recorded time charging) of the %(count)s busiest and idlest stations, last %(days)s"
            " days."
        )
        % {"count": RANKED_STATIONS, "days": days},
        x_label=_("Station"),
        # xgettext:no-python-format
        y_label=_("% of recorded time"),
        labels=tuple(names.get(pk) or f"#{pk}" for pk in chosen),
        series=(
            Series(label=_("Utilisation %"), values=tuple(shares[pk].utilisation for pk in chosen)),
            Series(label=_("Availability %"), values=tuple(shares[pk].availability for pk in chosen)),
        ),
        percent=True,
        horizontal=True,
    )


def session_power_chart(*, session: ChargingSession) -> Chart:
    """Power and energy over the session: each charging period's average power at its start and its end (a step),
    and the energy delivered by then. No query: the periods come prefetched by ``sessions.selectors.session_get``.

    A period's average power is its energy over its duration (the charger reports energy exactly, power only as
    samples); a parking period draws none. Times are the station's local times.
    """
    zone = ZoneInfo(session.location.time_zone)
    labels: list[str] = []
    power: list[Decimal | None] = []
    energy: list[Decimal | None] = []
    delivered = Decimal(0)
    for period in session.charging_periods.all():  # in time order
        end = period.end_date_time or session.accounted_until
        seconds = Decimal((end - period.start_date_time).total_seconds())
        average = (period.energy_kwh * 3600 / seconds).quantize(Decimal("0.01")) if seconds > 0 else Decimal(0)
        for moment, delivered_then in ((period.start_date_time, delivered), (end, delivered + period.energy_kwh)):
            labels.append(timezone.localtime(moment, zone).strftime("%H:%M:%S"))
            power.append(average)
            energy.append(delivered_then.quantize(Decimal("0.001")))
        delivered += period.energy_kwh
    return Chart(
        key="session-power",
        title=_("Power and energy"),
        summary=_(
            "Average power of each charging period (kW), at its start and its end, and the energy delivered by then"
            " (kWh)."
        ),
        x_label=_("Station time"),
        y_label=_("Power (kW)"),
        y2_label=_("Energy (kWh)"),
        labels=tuple(labels),
        series=(
            Series(label=_("Average power (kW)"), values=tuple(power), kind="line"),
            Series(label=_("Energy delivered (kWh)"), values=tuple(energy), kind="line", axis="y2"),
        ),
    )
