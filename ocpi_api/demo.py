"""Demo data for drivers (`make run`): an eMSP partner with its drivers' tokens, and two months of finished sessions
with their CDRs at Swedish and German stations, charged by the simulated charger, so that invoices have real input.

The demo eMSP has no OCPI endpoints: it stands for a partner whose platform we cannot reach from a laptop, so
nothing is pushed to it and tokens that need a real-time answer (whitelist NEVER) are refused, as they would be.
One driver is still charging and one CDR (zero energy) waits for review, so both show in the staff pages.
Idempotent: the partner and tokens are kept, and sessions are only simulated when the demo eMSP has none yet.
These sessions are history, written through the session services by the domain's simulator (no gateway runs while
the demo is seeded); the live chargers of ``make run`` (``ocpp_demo_chargers``) and staff's simulated visits speak
OCPP.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.models import Cdr
from chargepoints.demo import register
from chargepoints.enums import EvseStatus, PowerType
from chargepoints.models import EVSE, ChargingSession
from chargepoints.simulator import ChargerSimulator, SimulationPlan

from .grants import party_grant
from .models import AuthorizationRecord, EmspToken, Partner

COUNTRY_CODE, PARTY_ID = "SE", "EMS"
# uid, type, whitelist, valid, visual number: a card for each way a token is decided.
DEMO_TOKENS = (
    ("04A1B2C3D4E5F6", "RFID", "ALWAYS", True, "SE-EMS-000101"),
    ("04B7C8D9E0F1A2", "RFID", "ALLOWED", True, "SE-EMS-000102"),
    ("04C3D4E5F6A7B8", "RFID", "ALLOWED_OFFLINE", True, "SE-EMS-000103"),
    ("04D9E0F1A2B3C4", "RFID", "ALLOWED", False, "SE-EMS-000104"),  # reported lost: refused
    ("EMS-APP-7F3A9C", "APP_USER", "NEVER", True, ""),  # needs the eMSP in real time: refused here
)
CHARGING_CARDS = [uid for uid, _type, whitelist, valid, _v in DEMO_TOKENS if valid and whitelist != "NEVER"]
SESSIONS = 36
DAYS = 60


@dataclass(frozen=True)
class _Visit:
    evse: EVSE
    plan: SimulationPlan


def _partner() -> Partner:
    partner = Partner.objects.filter(country_code=COUNTRY_CODE, party_id=PARTY_ID).order_by("id").first()
    if partner is None:
        partner = Partner.objects.create(
            name="Demo eMSP (no OCPI connection)",
            country_code=COUNTRY_CODE,
            party_id=PARTY_ID,
            status=Partner.Status.REGISTERED,
            version="2.2.1",
            roles=[
                {
                    "role": "EMSP",
                    "country_code": COUNTRY_CODE,
                    "party_id": PARTY_ID,
                    "business_details": {"name": "Demo eMSP"},
                }
            ],
        )
    party_grant(
        partner=partner,
        country_code=COUNTRY_CODE,
        party_id=PARTY_ID,
        reason="Demo data: the demo eMSP's own party.",
        granted_by="demo",
    )
    return partner


def _tokens(partner: Partner) -> None:
    for uid, token_type, whitelist, valid, visual_number in DEMO_TOKENS:
        EmspToken.objects.get_or_create(
            country_code=COUNTRY_CODE,
            party_id=PARTY_ID,
            uid=uid,
            type=token_type,
            defaults={
                "partner": partner,
                "contract_id": f"SE-EMS-C{uid[-8:]}",
                "issuer": "Demo eMSP",
                "visual_number": visual_number,
                "valid": valid,
                "whitelist": whitelist,
                "language": "sv",
                "last_updated": timezone.now(),
            },
        )


def _stations(pick: random.Random) -> list[EVSE]:
    """Two AC and one DC EVSE in Sweden and in Germany: available, for roaming, every connector with a tariff."""
    chosen: list[EVSE] = []
    candidates = (
        EVSE.objects.filter(status=EvseStatus.AVAILABLE, location__roaming_enabled=True)
        .select_related("location")
        .prefetch_related("connectors")
        .order_by("id")
    )
    for country in ("SWE", "DEU"):
        for dc, wanted in ((False, 2), (True, 1)):
            fitting = [
                evse
                for evse in candidates.filter(location__country=country)[:2000]
                if (connectors := list(evse.connectors.all()))
                and all(c.tariff_ids for c in connectors)
                and (connectors[0].power_type == PowerType.DC) == dc
            ]
            chosen.extend(pick.sample(fitting, min(wanted, len(fitting))))
    return chosen


def _visits(pick: random.Random, evses: list[EVSE], now: datetime) -> list[_Visit]:
    visits: list[_Visit] = []
    busy_until: dict[int, datetime] = {}
    starts = sorted(
        (now - timedelta(days=pick.randint(1, DAYS))).replace(
            hour=pick.randint(6, 18), minute=pick.choice((0, 15, 30, 45)), second=0, microsecond=0
        )
        for _ in range(SESSIONS)
    )
    for start in starts:
        evse = pick.choice(evses)
        dc = evse.connectors.all()[0].power_type == PowerType.DC
        start = max(start, busy_until.get(evse.pk, start))
        plan = SimulationPlan(
            token_uid=pick.choice(CHARGING_CARDS),
            start=start,
            minutes=pick.randint(15, 40) if dc else pick.randint(40, 150),
            kw=Decimal(pick.choice((50, 75, 150) if dc else (7.4, 11, 22))),
            suspended_minutes=0 if dc else pick.choice((0, 0, 0, 10)),
            parking_minutes=0 if dc else pick.choice((0, 0, 0, 20, 45)),
            interval_minutes=10,
        )
        visits.append(_Visit(evse, plan))
        busy_until[evse.pk] = start + timedelta(
            minutes=plan.minutes + plan.suspended_minutes + plan.parking_minutes + 30
        )
    return visits


@transaction.atomic
def _simulate(now: datetime) -> None:
    pick = random.Random(2026)  # demo data: the same visits on every fresh database
    evses = _stations(pick)
    if not evses:
        return
    for visit in _visits(pick, evses, now):
        ChargerSimulator(evse=visit.evse).run(visit.plan)
    # Drivers whose token is refused, and a charger that gives up: staff see why on the token page.
    evse = evses[0]
    for uid, token_type in (("04D9E0F1A2B3C4", "RFID"), ("EMS-APP-7F3A9C", "APP_USER"), ("0000UNKNOWN1", "RFID")):
        plan = SimulationPlan(
            token_uid=uid, token_type=token_type, start=now - timedelta(hours=3), minutes=30, kw=Decimal(11)
        )
        ChargerSimulator(evse=evse).run(plan)
    aborted = SimulationPlan(
        token_uid=CHARGING_CARDS[0], start=now - timedelta(hours=2), minutes=30, kw=Decimal(11), abort=True
    )
    ChargerSimulator(evse=evse).run(aborted)
    # A car that drew nothing: its CDR waits in the review queue instead of going out.
    nothing = SimulationPlan(token_uid=CHARGING_CARDS[1], start=now - timedelta(hours=1), minutes=10, kw=Decimal(0))
    ChargerSimulator(evse=evse).run(nothing)
    # A driver still charging, so the sessions page has a live one with its cost so far.
    charging = SimulationPlan(
        token_uid=CHARGING_CARDS[0], start=now - timedelta(minutes=25), minutes=25, kw=Decimal(11), keep_charging=True
    )
    ChargerSimulator(evse=evses[1] if len(evses) > 1 else evse).run(charging)


@register(order=50, name="eMSP drivers")
def seed_drivers(base_url: str) -> list[str]:
    partner = _partner()
    _tokens(partner)
    sessions = ChargingSession.objects.filter(token_country_code=COUNTRY_CODE, token_party_id=PARTY_ID)
    if not sessions.exists():
        _simulate(timezone.now().replace(microsecond=0))
    cdrs = Cdr.objects.filter(token_country_code=COUNTRY_CODE, token_party_id=PARTY_ID)
    return [
        f"OCPI versions URL: {base_url}{reverse('ocpi:versions')}",
        "  A partner registers with a token A: Partners → Generate token A, or",
        "  python manage.py ocpi_token_a --country-code NL --party-id ABC --name 'Their eMSP'",
        f"Demo eMSP {COUNTRY_CODE}*{PARTY_ID} (no OCPI endpoints, nothing is pushed): "
        f"{EmspToken.objects.filter(partner=partner).count()} tokens, {sessions.count()} sessions, "
        f"{cdrs.filter(status=Cdr.Status.ISSUED).count()} issued CDRs "
        f"({cdrs.filter(status=Cdr.Status.REVIEW).count()} held for review)",
        f"  Token decisions: {base_url}/partners/tokens/ ({AuthorizationRecord.objects.count()} so far)",
        f"  Simulate a visit on a station page with card {CHARGING_CARDS[0]} (accepted) or {DEMO_TOKENS[3][0]} "
        "(refused: reported lost)",
    ]
