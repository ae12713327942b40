"""Builders for test data. Stations go through the real write path (location_upsert), so invariants hold."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.models import Group, User

from chargepoints.models import Location
from chargepoints.roles import FINANCE, OPERATIONS, roles_sync
from chargepoints.services import ConnectorInput, EvseInput, LocationInput, location_upsert
from ocpi_api.core.tokens import token_generate, token_hash
from ocpi_api.grants import party_grant, party_holder
from ocpi_api.models import Partner

_sequence = itertools.count(1)


def connector_data(**overrides: Any) -> ConnectorInput:
    data: dict[str, Any] = {
        "connector_id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
    }
    data.update(overrides)
    return data  # type: ignore[return-value]


def evse_data(**overrides: Any) -> EvseInput:
    n = next(_sequence)
    data: dict[str, Any] = {
        "uid": f"EVSE-{n}",
        "evse_id": f"SE*CPO*E{n}",
        "status": "AVAILABLE",
        "capabilities": ["RFID_READER"],
        "connectors": [connector_data()],
    }
    data.update(overrides)
    return data  # type: ignore[return-value]


def location_data(**overrides: Any) -> LocationInput:
    n = next(_sequence)
    data: dict[str, Any] = {
        "ocpi_id": f"LOC-{n}",
        "name": f"Station {n}",
        "address": f"Storgatan {n}",
        "city": "Uppsala",
        "postal_code": "75320",
        "country": "SWE",
        "latitude": "59.858562",
        "longitude": "17.638927",
        "time_zone": "Europe/Stockholm",
        "evses": [evse_data()],
    }
    data.update(overrides)
    return data  # type: ignore[return-value]


DEFAULT_PASSWORD = "secret-pass-123"


def make_location(**overrides: Any) -> Location:
    return location_upsert(data=location_data(**overrides)).location


def make_user(username: str, *, group: str | None = None, password: str = DEFAULT_PASSWORD, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=password, **extra)
    if group:
        roles_sync()
        user.groups.add(Group.objects.get(name=group))
    return user


def operations_user() -> User:
    return make_user("ops", group=OPERATIONS, is_staff=True)


def finance_user() -> User:
    return make_user("finance", group=FINANCE)


def make_partner(status: str = Partner.Status.REGISTERED, **fields: object) -> tuple[Partner, str]:
    """A partner we issued a token to, and that token (to call our OCPI API as the partner)."""
    token = token_generate()
    defaults: dict[str, object] = {
        "name": "Test eMSP",
        "country_code": "NL",
        "party_id": "EMS",
        "status": status,
        "version": "2.2.1",
        "token_hash": token_hash(token),
    }
    defaults.update(fields)
    partner = Partner.objects.create(**defaults)
    # Partners act only for granted parties (ocpi_api.grants); several test partners may share one, the first holds it.
    if partner.country_code and partner.party_id and party_holder(**_party(partner)) is None:
        party_grant(partner=partner, **_party(partner), reason="Test partner", granted_by="tests")
    return partner, token


def _party(partner: Partner) -> dict[str, str]:
    return {"country_code": partner.country_code, "party_id": partner.party_id}
