"""Builders for the payment tests: an EVSE with an ad hoc tariff, and a session driven through the services."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from chargepoints.models import EVSE, ChargingSession
from chargepoints.sessions.services import session_meter_values, session_stop
from tests.chargepoints.sessions_support import T0, component, station, tariff

CARD = "4242 4242 4242 4242"


def ad_hoc_station(tariff_id: str = "T-ADHOC", *, components: list[dict[str, Any]] | None = None, **extra: Any) -> EVSE:
    """An EVSE (22 kW AC) whose connector carries a regular tariff and an AD_HOC_PAYMENT one."""
    regular = tariff("T-REGULAR", type="REGULAR")
    ad_hoc = tariff(
        tariff_id,
        type="AD_HOC_PAYMENT",
        elements=[{"price_components": components or [component("ENERGY", "3.00"), component("FLAT", "5.00")]}],
        **extra,
    )
    return station(tariff_ids=[regular, ad_hoc])


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def charge(session: ChargingSession, *, minutes: float, kwh: str, power_kw: int = 20) -> ChargingSession:
    """The charger reports ``kwh`` delivered since the session started, ``minutes`` after T0."""
    total = session.meter_start_wh + Decimal(kwh) * 1000
    return session_meter_values(
        session=session, at=at(minutes), energy_wh_total=total, power_w=Decimal(power_kw * 1000)
    )


def stop(session: ChargingSession, *, minutes: float) -> ChargingSession:
    return session_stop(session=session, at=at(minutes), reason="Driver unplugged")
