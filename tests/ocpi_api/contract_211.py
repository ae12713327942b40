"""The OCPI 2.1.1 objects as the 2.1.1 specification defines them (the Object description and Data types of
mod_locations.md, mod_tariffs.md, mod_sessions.md, mod_cdrs.md, mod_tokens.md, mod_commands.md and credentials.md), for
``tests.ocpi_api.contract.validate``. Written from the 2.1.1 text, independently of ``ocpi_api.core.v211``.

Enum names end in ``211`` so that they sit beside the 2.2.1 ones in ``contract.ENUMS``.
"""

from __future__ import annotations

import re
from typing import Any

from .contract import DISPLAY_TEXT, ENUMS, HOURS, IMAGE, validate

# 2.1.1 GeoLocation: exactly six decimals (mod_locations.md §4.12).
_LAT_211 = re.compile(r"^-?[0-9]{1,2}\.[0-9]{6}$")
_LON_211 = re.compile(r"^-?[0-9]{1,3}\.[0-9]{6}$")

ENUMS.update(
    {
        "LocationType211": "ON_STREET PARKING_GARAGE UNDERGROUND_GARAGE PARKING_LOT OTHER UNKNOWN",
        "Capability211": "CHARGING_PROFILE_CAPABLE CREDIT_CARD_PAYABLE REMOTE_START_STOP_CAPABLE RESERVABLE "
        "RFID_READER UNLOCK_CAPABLE",
        "ConnectorType211": "CHADEMO DOMESTIC_A DOMESTIC_B DOMESTIC_C DOMESTIC_D DOMESTIC_E DOMESTIC_F DOMESTIC_G "
        "DOMESTIC_H DOMESTIC_I DOMESTIC_J DOMESTIC_K DOMESTIC_L IEC_60309_2_single_16 IEC_60309_2_three_16 "
        "IEC_60309_2_three_32 IEC_60309_2_three_64 IEC_62196_T1 IEC_62196_T1_COMBO IEC_62196_T2 IEC_62196_T2_COMBO "
        "IEC_62196_T3A IEC_62196_T3C TESLA_R TESLA_S",
        "PowerType211": "AC_1_PHASE AC_3_PHASE DC",
        "Facility211": "HOTEL RESTAURANT CAFE MALL SUPERMARKET SPORT RECREATION_AREA NATURE MUSEUM BUS_STOP "
        "TAXI_STAND TRAIN_STATION AIRPORT CARPOOL_PARKING FUEL_STATION WIFI",
        "TokenType211": "OTHER RFID",
        "AuthMethod211": "AUTH_REQUEST WHITELIST",
        "SessionStatus211": "ACTIVE COMPLETED INVALID PENDING",
        "CdrDimensionType211": "ENERGY FLAT MAX_CURRENT MIN_CURRENT PARKING_TIME TIME",
        "CommandResponseType211": "NOT_SUPPORTED REJECTED ACCEPTED TIMEOUT UNKNOWN_SESSION",
    }
)

GEO_211 = {"latitude": ("string:10", "1"), "longitude": ("string:11", "1")}
BUSINESS_211 = {"name": ("string:100", "1"), "website": ("url", "?"), "logo": (IMAGE, "?")}
ENERGY_MIX_211 = {
    "is_green_energy": ("boolean", "1"),
    "energy_sources": ({"source": ("enum:EnergySourceCategory", "1"), "percentage": ("number", "1")}, "*"),
    "environ_impact": ({"source": ("enum:EnvironmentalImpactCategory", "1"), "amount": ("number", "1")}, "*"),
    "supplier_name": ("string:64", "?"),
    "energy_product_name": ("string:64", "?"),
}
CONNECTOR_211 = {
    "id": ("string:36", "1"),
    "standard": ("enum:ConnectorType211", "1"),
    "format": ("enum:ConnectorFormat", "1"),
    "power_type": ("enum:PowerType211", "1"),
    "voltage": ("int", "1"),
    "amperage": ("int", "1"),
    "tariff_id": ("string:36", "?"),
    "terms_and_conditions": ("url", "?"),
    "last_updated": ("datetime", "1"),
}
EVSE_211 = {
    "uid": ("string:39", "1"),
    "evse_id": ("string:48", "?"),
    "status": ("enum:Status", "1"),
    "status_schedule": (
        {"period_begin": ("datetime", "1"), "period_end": ("datetime", "?"), "status": ("enum:Status", "1")},
        "*",
    ),
    "capabilities": ("enum:Capability211", "*"),
    "connectors": (CONNECTOR_211, "+"),
    "floor_level": ("string:4", "?"),
    "coordinates": (GEO_211, "?"),
    "physical_reference": ("string:16", "?"),
    "directions": (DISPLAY_TEXT, "*"),
    "parking_restrictions": ("enum:ParkingRestriction", "*"),
    "images": (IMAGE, "*"),
    "last_updated": ("datetime", "1"),
}
LOCATION_211 = {
    "id": ("string:39", "1"),
    "type": ("enum:LocationType211", "1"),
    "name": ("string:255", "?"),
    "address": ("string:45", "1"),
    "city": ("string:45", "1"),
    "postal_code": ("string:10", "1"),
    "country": ("string:3", "1"),
    "coordinates": (GEO_211, "1"),
    "related_locations": ({**GEO_211, "name": (DISPLAY_TEXT, "?")}, "*"),
    "evses": (EVSE_211, "*"),
    "directions": (DISPLAY_TEXT, "*"),
    "operator": (BUSINESS_211, "?"),
    "suboperator": (BUSINESS_211, "?"),
    "owner": (BUSINESS_211, "?"),
    "facilities": ("enum:Facility211", "*"),
    "time_zone": ("string:255", "?"),
    "opening_times": (HOURS, "?"),
    "charging_when_closed": ("boolean", "?"),
    "images": (IMAGE, "*"),
    "energy_mix": (ENERGY_MIX_211, "?"),
    "last_updated": ("datetime", "1"),
}
TARIFF_211 = {
    "id": ("string:36", "1"),
    "currency": ("string:3", "1"),
    "tariff_alt_text": (DISPLAY_TEXT, "*"),
    "tariff_alt_url": ("url", "?"),
    "elements": (
        {
            "price_components": (
                {"type": ("enum:TariffDimensionType", "1"), "price": ("number", "1"), "step_size": ("int", "1")},
                "+",
            ),
            "restrictions": (
                {
                    "start_time": ("hour", "?"),
                    "end_time": ("hour", "?"),
                    "start_date": ("string:10", "?"),
                    "end_date": ("string:10", "?"),
                    "min_kwh": ("number", "?"),
                    "max_kwh": ("number", "?"),
                    "min_power": ("number", "?"),
                    "max_power": ("number", "?"),
                    "min_duration": ("int", "?"),
                    "max_duration": ("int", "?"),
                    "day_of_week": ("enum:DayOfWeek", "*"),
                },
                "?",
            ),
        },
        "+",
    ),
    "energy_mix": (ENERGY_MIX_211, "?"),
    "last_updated": ("datetime", "1"),
}
PERIOD_211 = {
    "start_date_time": ("datetime", "1"),
    "dimensions": ({"type": ("enum:CdrDimensionType211", "1"), "volume": ("number", "1")}, "+"),
}
SESSION_211 = {
    "id": ("string:36", "1"),
    "start_datetime": ("datetime", "1"),
    "end_datetime": ("datetime", "?"),
    "kwh": ("number", "1"),
    "auth_id": ("string:36", "1"),
    "auth_method": ("enum:AuthMethod211", "1"),
    "location": (LOCATION_211, "1"),
    "meter_id": ("string:255", "?"),
    "currency": ("string:3", "1"),
    "charging_periods": (PERIOD_211, "*"),
    "total_cost": ("number", "?"),
    "status": ("enum:SessionStatus211", "1"),
    "last_updated": ("datetime", "1"),
}
CDR_211 = {
    "id": ("string:36", "1"),
    "start_date_time": ("datetime", "1"),
    "stop_date_time": ("datetime", "1"),
    "auth_id": ("string:36", "1"),
    "auth_method": ("enum:AuthMethod211", "1"),
    "location": (LOCATION_211, "1"),
    "meter_id": ("string:255", "?"),
    "currency": ("string:3", "1"),
    "tariffs": (TARIFF_211, "*"),
    "charging_periods": (PERIOD_211, "+"),
    "total_cost": ("number", "1"),
    "total_energy": ("number", "1"),
    "total_time": ("number", "1"),
    "total_parking_time": ("number", "?"),
    "remark": ("string:255", "?"),
    "last_updated": ("datetime", "1"),
}
TOKEN_211 = {
    "uid": ("string:36", "1"),
    "type": ("enum:TokenType211", "1"),
    "auth_id": ("string:36", "1"),
    "visual_number": ("string:64", "?"),
    "issuer": ("string:64", "1"),
    "valid": ("boolean", "1"),
    "whitelist": ("enum:WhitelistType", "1"),
    "language": ("string:2", "?"),
    "last_updated": ("datetime", "1"),
}
CREDENTIALS_211 = {
    "token": ("string:64", "1"),
    "url": ("url", "1"),
    "business_details": (BUSINESS_211, "1"),
    "party_id": ("string:3", "1"),
    "country_code": ("string:2", "1"),
}
COMMAND_RESPONSE_211 = {"result": ("enum:CommandResponseType211", "1")}


def _points(obj: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every GeoLocation in an object, with its path."""
    found: list[tuple[str, Any]] = []
    if isinstance(obj, dict):
        if "latitude" in obj and "longitude" in obj:
            found.append((path or "coordinates", obj))
        for key, value in obj.items():
            found += _points(value, f"{path}{key}.")
    elif isinstance(obj, list):
        for index, item in enumerate(obj):
            found += _points(item, f"{path.rstrip('.')}[{index}].")
    return found


def validate_211(obj: Any, spec: dict[str, tuple[Any, str]]) -> list[str]:
    """``validate`` with the 2.1.1 GeoLocation rule on top."""
    errors = validate(obj, spec)
    for path, point in _points(obj):
        if not (_LAT_211.match(str(point["latitude"])) and _LON_211.match(str(point["longitude"]))):
            errors.append(f"{path}: {point} does not have six decimals")
    return errors
