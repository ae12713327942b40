"""Builders for the invoice tests: CDRs made through the real session and CDR services, billing profiles, clocks."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from billing.models import BillingProfile, Cdr
from billing.services.billing_profiles import billing_profile_get_or_create
from chargepoints.models import EVSE
from chargepoints.sessions.services import session_meter_values, session_stop
from tests.chargepoints.sessions_support import component, driver_token, start, tariff
from tests.factories import connector_data, evse_data, make_location

_uids = itertools.count(1)

# Real-looking tariffs: SEK per kWh plus a session fee, 25 % VAT (Swedish standard rate), one at 12 % and one without
# VAT, so invoices have more than one VAT group.
STANDARD = "T-STD"
REDUCED = "T-REDUCED"
NO_VAT = "T-NOVAT"


def standard_tariffs() -> None:
    tariff(STANDARD, elements=[{"price_components": [component("ENERGY", "3.49"), component("FLAT", "5.00")]}])
    tariff(REDUCED, elements=[{"price_components": [component("ENERGY", "2.15", vat="12")]}])
    tariff(NO_VAT, elements=[{"price_components": [component("ENERGY", "1.99", vat=None)]}])


def charger(tariff_id: str = STANDARD, **location: Any) -> EVSE:
    """A location (``location`` overrides its name, address, city …) with one 22 kW EVSE priced by ``tariff_id``."""
    connector = connector_data(power_type="AC_3_PHASE", tariff_ids=[tariff_id])
    return make_location(evses=[evse_data(connectors=[connector])], **location).evses.get()


def cdr_at(
    when: datetime,
    *,
    evse: EVSE,
    party: tuple[str, str] = ("NL", "EMP"),
    wh: int = 12_345,
    minutes: int = 50,
    issued: bool = True,
) -> Cdr:
    """An issued CDR of a session on ``evse`` that starts at ``when``, for a driver of ``party``."""
    uid = f"TOK{next(_uids):05d}"
    token = driver_token(uid, country_code=party[0], party_id=party[1], contract_id=f"{party[0]}-{party[1]}-C{uid}")
    session = start(evse, at=when, token=token)
    session_meter_values(session=session, at=when, energy_wh_total=Decimal(0), power_w=Decimal(11000))
    session = session_stop(
        session=session,
        at=when + timedelta(minutes=minutes),
        reason="Stopped by the driver",
        energy_wh_total=Decimal(wh),
    )
    cdr = session.cdrs.get()
    assert (cdr.status == Cdr.Status.ISSUED) == issued, cdr.review_reasons
    return cdr


def profile(party: tuple[str, str] = ("NL", "EMP"), **overrides: Any) -> BillingProfile:
    defaults: dict[str, Any] = {
        "legal_name": f"{party[1].title()} Mobility B.V.",
        "street": "Keizersgracht 100",
        "postal_code": "1015 AA",
        "city": "Amsterdam",
        "country": "Netherlands",
        "vat_number": "NL123456789B01",
        "billing_email": f"invoices@{party[1].lower()}.example",
    }
    defaults.update(overrides)
    return billing_profile_get_or_create(country_code=party[0], party_id=party[1], defaults=defaults)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
