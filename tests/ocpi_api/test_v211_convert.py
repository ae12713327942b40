"""OCPI 2.1.1 converters (ocpi_api.core.v211) against the 2.1.1 specification's own examples
(ocpi_api/spec_examples/2.1.1): each example is valid 2.1.1 to our contract, and 2.1.1 → domain (2.2.1) → 2.1.1 gives
it back unchanged. Then what 2.1.1 cannot carry (the table in ocpi_api/PARTNERS.md), one test per row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ocpi_api.core.v211 import status_code_211
from ocpi_api.core.v211.commands import command_from_211, command_response_to_211
from ocpi_api.core.v211.credentials import credentials_from_211, credentials_to_211
from ocpi_api.core.v211.locations import (
    connector_from_211,
    connector_to_211,
    energy_mix_from_211,
    energy_mix_to_211,
    evse_from_211,
    evse_to_211,
    location_from_211,
    location_to_211,
)
from ocpi_api.core.v211.render import render_push
from ocpi_api.core.v211.sessions import cdr_from_211, cdr_to_211, session_from_211, session_to_211
from ocpi_api.core.v211.tariffs import tariff_from_211, tariff_to_211
from ocpi_api.core.v211.tokens import token_from_211, token_to_211

from .contract import HOURS, validate
from .contract_211 import (
    CDR_211,
    CREDENTIALS_211,
    ENERGY_MIX_211,
    LOCATION_211,
    SESSION_211,
    TARIFF_211,
    TOKEN_211,
    validate_211,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "ocpi_api" / "spec_examples" / "2.1.1"
CPO = {"country_code": "BE", "party_id": "BEC"}
EMSP = ("NL", "TNM")


def example(name: str) -> Any:
    """An example as the spec prints it: a "PUT To URL: …" line first, or an object member (see SOURCE.md)."""
    text = (EXAMPLES / name).read_text()
    if text.startswith(("PUT To URL", "PATCH To URL")):
        text = text.split("\n", 2)[2]
    if text.lstrip().startswith('"'):
        text = "{" + text + "}"
    return json.loads(text)


def session_round_trip(data: dict[str, Any]) -> dict[str, Any]:
    session, location = session_from_211(data, **CPO, token_party=EMSP)
    return session_to_211(session, location)


def cdr_round_trip(data: dict[str, Any]) -> dict[str, Any]:
    cdr, location = cdr_from_211(data, **CPO, token_party=EMSP)
    return cdr_to_211(cdr, location)


def location_round_trip(data: dict[str, Any]) -> dict[str, Any]:
    return location_to_211(location_from_211(data, **CPO)[0])


ROUND_TRIPS = {
    "location_example.json": (location_round_trip, LOCATION_211),
    "location_put_example_add_evse.json": (lambda d: evse_to_211(evse_from_211(d)), None),
    "location_patch_example_location.json": (location_round_trip, None),
    "location_patch_example_remove_evse.json": (lambda d: evse_to_211(evse_from_211(d)), None),
    "location_patch_example_status.json": (lambda d: evse_to_211(evse_from_211(d)), None),
    "location_patch_example_tariff.json": (lambda d: connector_to_211(connector_from_211(d)[0]), None),
    "location_energymix_example_simple.json": (
        lambda d: {"energy_mix": energy_mix_to_211(energy_mix_from_211(d["energy_mix"]))},
        None,
    ),
    "location_energymix_example_tariff_name.json": (
        lambda d: {"energy_mix": energy_mix_to_211(energy_mix_from_211(d["energy_mix"]))},
        None,
    ),
    "location_energymix_example_complete.json": (
        lambda d: {"energy_mix": energy_mix_to_211(energy_mix_from_211(d["energy_mix"]))},
        None,
    ),
    "location_regularhours_example.json": (location_round_trip, None),
    "session_example_1_simple_start.json": (session_round_trip, SESSION_211),
    "session_example_2_short_finished.json": (session_round_trip, SESSION_211),
    "session_patch_example_total_cost.json": (session_round_trip, None),
    "cdr_example.json": (cdr_round_trip, CDR_211),
    "tariff_example_alt_text.json": (lambda d: tariff_to_211(tariff_from_211(d, **CPO)), TARIFF_211),
    "tariff_example_alt_url.json": (lambda d: tariff_to_211(tariff_from_211(d, **CPO)), TARIFF_211),
    "tariff_example_complex.json": (lambda d: tariff_to_211(tariff_from_211(d, **CPO)), TARIFF_211),
    "tariff_example_free_of_charge.json": (lambda d: tariff_to_211(tariff_from_211(d, **CPO)), TARIFF_211),
    "tariff_example_simple_2_euro_per_hour.json": (lambda d: tariff_to_211(tariff_from_211(d, **CPO)), TARIFF_211),
    # Printed as a PUT, but only the elements: a partial Tariff (the 2.1.1 Tariffs Receiver also has PATCH).
    "tariff_put_example_2_50_per_hour.json": (lambda d: tariff_to_211(tariff_from_211(d, **CPO)), None),
    "tariff_put_example_2_euro_per_hour.json": (lambda d: tariff_to_211(tariff_from_211(d, **CPO)), TARIFF_211),
    "token_example.json": (lambda d: token_to_211(token_from_211(d, country_code="NL", party_id="TNM")), TOKEN_211),
    "token_put_example.json": (lambda d: token_to_211(token_from_211(d, country_code="NL", party_id="TNM")), TOKEN_211),
    "token_patch_example.json": (lambda d: token_to_211(token_from_211(d, country_code="NL", party_id="TNM")), None),
    "credentials_example.json": (lambda d: credentials_to_211(credentials_from_211(d)), CREDENTIALS_211),
}
# Examples that are not objects of ours: envelopes and version lists of the transport chapter.
NOT_CONVERTED = {
    "transport_and_format_error_response_example.json",
    "transport_and_format_get_token_example.json",
    "transport_and_format_get_token_list_example.json",
    "transport_and_format_version_details_example.json",
    "transport_and_format_version_info_example.json",
    "version_details_example.json",
    "versions_info_example.json",
}
# Defects of the spec's examples (kept verbatim, CC BY-ND): what our contract says about them.
KNOWN_DEFECTS = {
    # The tariff inside the CDR example writes its price as a string ("2.00"), where PriceComponent.price is a decimal.
    "cdr_example.json": ["tariffs[0].elements[0].price_components[0].price: '2.00' is not a valid number"],
    # The PUT example leaves out the required last_updated.
    "tariff_put_example_2_euro_per_hour.json": ["last_updated: required"],
}


def test_every_example_is_covered() -> None:
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(ROUND_TRIPS) | NOT_CONVERTED


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_example_round_trip_is_lossless(name: str) -> None:
    data = example(name)
    convert, _ = ROUND_TRIPS[name]
    assert convert(data) == data


@pytest.mark.parametrize("name", sorted(n for n, (_, spec) in ROUND_TRIPS.items() if spec is not None))
def test_example_is_valid_211(name: str) -> None:
    spec = ROUND_TRIPS[name][1]
    assert spec is not None
    assert validate_211(example(name), spec) == KNOWN_DEFECTS.get(name, [])


def test_fragments_are_valid_211() -> None:
    for name in ("simple", "tariff_name", "complete"):
        assert validate(example(f"location_energymix_example_{name}.json")["energy_mix"], ENERGY_MIX_211) == []
    assert validate(example("location_regularhours_example.json")["opening_times"], HOURS) == []


def test_a_211_location_becomes_221() -> None:
    location = location_from_211(example("location_example.json"), **CPO)[0]
    assert (location["country_code"], location["party_id"], location["publish"]) == ("BE", "BEC", True)
    assert location["parking_type"] == "ON_STREET"
    assert "type" not in location
    connector = location["evses"][0]["connectors"][0]
    assert (connector["max_voltage"], connector["max_amperage"], connector["tariff_ids"]) == (220, 16, ["11"])
    # The import (import_locations --format ocpi) reads 2.1.1 through location_from_211: the energy mix as well.
    with_mix = example("location_example.json") | example("location_energymix_example_complete.json")
    converted, changes = location_from_211(with_mix, **CPO)
    assert converted["energy_mix"]["environ_impact"][0] == {"category": "NUCLEAR_WASTE", "amount": 0.0006}
    assert "energy_mix.environ_impact" in [path for path, _, _ in changes]  # the import reports it as a repair


# --- What 2.1.1 cannot carry (ocpi_api/PARTNERS.md, "What OCPI 2.1.1 cannot carry") -----------------------------

LOCATION_221: dict[str, Any] = {
    "country_code": "SE",
    "party_id": "CPO",
    "id": "LOC-1",
    "publish": True,
    "publish_allowed_to": [{"uid": "X"}],
    "address": "A very long street name that goes on and on, number 1234567",
    "city": "Uppsala",
    "state": "Uppsala län",
    "country": "SWE",
    "coordinates": {"latitude": "59.8586130", "longitude": "17.63892"},
    "parking_type": "ALONG_MOTORWAY",
    "facilities": ["HOTEL", "PARKING_LOT", "TRAM_STOP"],
    "time_zone": "Europe/Stockholm",
    "evses": [
        {
            "uid": "E1",
            "status": "AVAILABLE",
            "capabilities": ["RFID_READER", "CHIP_CARD_SUPPORT", "TOKEN_GROUP_CAPABLE"],
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_2_PHASE",
                    "max_voltage": 230,
                    "max_amperage": 32,
                    "max_electric_power": 14720,
                    "tariff_ids": ["AC-1", "AC-2"],
                    "last_updated": "2026-01-01T00:00:00Z",
                },
                {
                    "id": "2",
                    "standard": "NEMA_5_20",
                    "format": "SOCKET",
                    "power_type": "AC_1_PHASE",
                    "max_voltage": 120,
                    "max_amperage": 20,
                    "last_updated": "2026-01-01T00:00:00Z",
                },
            ],
            "last_updated": "2026-01-01T00:00:00Z",
        },
        {
            "uid": "E2",
            "status": "AVAILABLE",
            "connectors": [
                {
                    "id": "1",
                    "standard": "GBT_DC",
                    "format": "CABLE",
                    "power_type": "DC",
                    "max_voltage": 750,
                    "max_amperage": 250,
                    "last_updated": "2026-01-01T00:00:00Z",
                }
            ],
            "last_updated": "2026-01-01T00:00:00Z",
        },
    ],
    "last_updated": "2026-01-01T00:00:00Z",
}


def test_location_what_211_drops_and_approximates() -> None:
    out = location_to_211(LOCATION_221)
    assert validate_211(out, LOCATION_211) == []
    for dropped in ("country_code", "party_id", "publish", "publish_allowed_to", "state", "parking_type"):
        assert dropped not in out
    assert out["type"] == "OTHER"  # ALONG_MOTORWAY has no LocationType
    assert out["postal_code"] == ""  # required in 2.1.1
    assert len(out["address"]) == 45
    assert out["coordinates"] == {"latitude": "59.858613", "longitude": "17.638920"}
    assert out["facilities"] == ["HOTEL"]
    [evse] = out["evses"]  # E2 has only a GB/T connector, which 2.1.1 cannot name
    assert evse["capabilities"] == ["RFID_READER"]
    [connector] = evse["connectors"]  # the NEMA 5-20 is left out
    assert connector == {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_1_PHASE",
        "voltage": 230,
        "amperage": 32,
        "tariff_id": "AC-1",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    assert location_to_211({k: v for k, v in LOCATION_221.items() if k != "parking_type"})["type"] == "UNKNOWN"


def test_location_patches_convert_only_what_they_carry() -> None:
    assert render_push("locations", "SE/CPO/LOC-1/E1/1", {"max_voltage": 400, "tariff_ids": []}, {}) == {"voltage": 400}
    assert render_push("locations", "SE/CPO/LOC-1/E1", {"status": "CHARGING", "last_updated": "x"}, {}) == {
        "status": "CHARGING",
        "last_updated": "x",
    }
    assert render_push("locations", "SE/CPO/LOC-1", {"publish": True, "name": "N"}, {}) == {"name": "N"}


TARIFF_221: dict[str, Any] = {
    "country_code": "SE",
    "party_id": "CPO",
    "id": "AC-1",
    "currency": "SEK",
    "type": "REGULAR",
    "min_price": {"excl_vat": 1.0},
    "max_price": {"excl_vat": 100.0},
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": 3.5, "vat": 25.0, "step_size": 1}]},
        {
            "price_components": [{"type": "FLAT", "price": 2, "step_size": 1}],
            "restrictions": {"reservation": "RESERVATION"},
        },
        {"price_components": [{"type": "TIME", "price": 1, "step_size": 60}], "restrictions": {"max_current": 16}},
    ],
    "start_date_time": "2026-01-01T00:00:00Z",
    "end_date_time": "2027-01-01T00:00:00Z",
    "energy_mix": {"is_green_energy": False, "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 300}]},
    "last_updated": "2026-01-01T00:00:00Z",
}


def test_tariff_what_211_drops() -> None:
    out = tariff_to_211(TARIFF_221)
    assert validate_211(out, TARIFF_211) == []
    assert out == {
        "id": "AC-1",
        "currency": "SEK",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 3.5, "step_size": 1}]}],
        "energy_mix": {"is_green_energy": False, "environ_impact": [{"source": "CARBON_DIOXIDE", "amount": 300}]},
        "last_updated": "2026-01-01T00:00:00Z",
    }


SESSION_221: dict[str, Any] = {
    "country_code": "SE",
    "party_id": "CPO",
    "id": "S1",
    "start_date_time": "2026-01-01T10:00:00Z",
    "kwh": 5.5,
    "cdr_token": {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "04A1",
        "type": "APP_USER",
        "contract_id": "NL-EMS-C1",
    },
    "auth_method": "COMMAND",
    "authorization_reference": "REF",
    "location_id": "LOC-1",
    "evse_uid": "E1",
    "connector_id": "1",
    "currency": "SEK",
    "charging_periods": [
        {
            "start_date_time": "2026-01-01T10:00:00Z",
            "dimensions": [
                {"type": "ENERGY", "volume": 5.5},
                {"type": "POWER", "volume": 11},
                {"type": "STATE_OF_CHARGE", "volume": 50},
            ],
            "tariff_id": "AC-1",
        }
    ],
    "total_cost": {"excl_vat": 19.25, "incl_vat": 24.06},
    "status": "RESERVATION",
    "last_updated": "2026-01-01T10:30:00Z",
}


def test_session_what_211_drops_and_approximates() -> None:
    out = session_to_211(SESSION_221, LOCATION_221)
    assert validate_211(out, SESSION_211) == []
    assert (out["auth_id"], out["auth_method"], out["status"], out["total_cost"]) == (
        "NL-EMS-C1",
        "AUTH_REQUEST",
        "PENDING",
        19.25,
    )
    assert out["charging_periods"] == [
        {"start_date_time": "2026-01-01T10:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 5.5}]}
    ]
    assert [e["uid"] for e in out["location"]["evses"]] == ["E1"]
    assert [c["id"] for c in out["location"]["evses"][0]["connectors"]] == ["1"]
    for dropped in ("authorization_reference", "location_id", "evse_uid", "connector_id", "cdr_token"):
        assert dropped not in out
    assert session_to_211({"kwh": 6, "total_cost": {"excl_vat": 21, "incl_vat": 26.25}}) == {"kwh": 6, "total_cost": 21}


CDR_221: dict[str, Any] = {
    "country_code": "SE",
    "party_id": "CPO",
    "id": "CDR-1",
    "start_date_time": "2026-01-01T10:00:00Z",
    "end_date_time": "2026-01-01T10:30:00Z",
    "session_id": "S1",
    "cdr_token": SESSION_221["cdr_token"],
    "auth_method": "WHITELIST",
    "cdr_location": {
        "id": "LOC-1",
        "address": "Then Street 1",
        "city": "Uppsala",
        "country": "SWE",
        "coordinates": {"latitude": "59.858613", "longitude": "17.638920"},
        "evse_uid": "E1",
        "evse_id": "SE*CPO*E1",
        "connector_id": "1",
        "connector_standard": "IEC_62196_T2",
        "connector_format": "CABLE",
        "connector_power_type": "AC_3_PHASE",
    },
    "currency": "SEK",
    "tariffs": [TARIFF_221],
    "charging_periods": [SESSION_221["charging_periods"][0]],
    "total_cost": {"excl_vat": 19.25, "incl_vat": 24.06},
    "total_fixed_cost": {"excl_vat": 0, "incl_vat": 0},
    "total_energy": 5.5,
    "total_energy_cost": {"excl_vat": 19.25, "incl_vat": 24.06},
    "total_time": 0.5,
    "total_parking_time": 0,
    "last_updated": "2026-01-01T10:30:00Z",
}


def test_cdr_what_211_drops_and_where_its_location_comes_from() -> None:
    out = cdr_to_211(CDR_221, LOCATION_221)
    assert validate_211(out, CDR_211) == []
    assert (out["stop_date_time"], out["auth_id"], out["total_cost"]) == ("2026-01-01T10:30:00Z", "NL-EMS-C1", 19.25)
    for dropped in ("session_id", "cdr_token", "total_fixed_cost", "total_energy_cost", "country_code", "cdr_location"):
        assert dropped not in out
    # The CDR's snapshot of address and connector wins over the Location as it is today.
    assert out["location"]["address"] == "Then Street 1"
    evse = out["location"]["evses"][0]
    assert evse["evse_id"] == "SE*CPO*E1"
    assert (evse["connectors"][0]["format"], evse["connectors"][0]["power_type"]) == ("CABLE", "AC_3_PHASE")
    assert out["tariffs"] == [tariff_to_211(TARIFF_221)]


def test_token_what_211_drops() -> None:
    token = {
        **SESSION_221["cdr_token"],
        "issuer": "E",
        "valid": True,
        "whitelist": "ALLOWED",
        "group_id": "G",
        "default_profile_type": "FAST",
        "last_updated": "2026-01-01T00:00:00Z",
    }
    out = token_to_211(token)
    assert validate_211(out, TOKEN_211) == []
    assert (out["type"], out["auth_id"]) == ("OTHER", "NL-EMS-C1")


def test_commands_211_shapes() -> None:
    start = command_from_211(
        {
            "response_url": "https://e/x",
            "token": example("token_example.json"),
            "location_id": "L",
            "reservation_id": 7,
        },
        country_code="NL",
        party_id="TNM",
    )
    assert start["token"]["contract_id"] == "DE8ACC12E46L89"
    assert start["token"]["country_code"] == "NL"
    assert start["reservation_id"] == "7"
    assert command_response_to_211({"result": "ACCEPTED", "timeout": 30, "message": []}) == {"result": "ACCEPTED"}
    for result in ("EVSE_OCCUPIED", "EVSE_INOPERATIVE", "FAILED", "UNKNOWN_RESERVATION", "CANCELED_RESERVATION"):
        assert command_response_to_211({"result": result}) == {"result": "REJECTED"}
    assert command_response_to_211({"result": "TIMEOUT"}) == {"result": "TIMEOUT"}


def test_status_codes_211() -> None:
    assert [status_code_211(c) for c in (1000, 2001, 2003, 2004, 3002, 4001)] == [1000, 2001, 2003, 2000, 3002, 3000]
