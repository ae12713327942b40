"""A small validator of OCPI 2.2.1 objects as we serve them: types, lengths, enums, required fields (OCPI 2.2.1
types.asciidoc, mod_*.asciidoc).

Written from the OCPI 2.2.1 specification, independently of the codec, so that a codec mistake shows up here. Output is
checked strictly: no nulls (optional fields without a value are omitted) and no fields the spec does not define.
"""

from __future__ import annotations

import re
from typing import Any

DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")  # we always emit UTC with Z
LATITUDE_RE = re.compile(r"^-?[0-9]{1,2}\.[0-9]{5,7}$")
LONGITUDE_RE = re.compile(r"^-?[0-9]{1,3}\.[0-9]{5,7}$")
HOUR_RE = re.compile(r"^([0-1][0-9]|2[0-3]):[0-5][0-9]$")

ENUMS = {
    "Status": "AVAILABLE BLOCKED CHARGING INOPERATIVE OUTOFORDER PLANNED REMOVED RESERVED UNKNOWN",
    "Capability": "CHARGING_PROFILE_CAPABLE CHARGING_PREFERENCES_CAPABLE CHIP_CARD_SUPPORT CONTACTLESS_CARD_SUPPORT "
    "CREDIT_CARD_PAYABLE DEBIT_CARD_PAYABLE PED_TERMINAL REMOTE_START_STOP_CAPABLE RESERVABLE RFID_READER "
    "START_SESSION_CONNECTOR_REQUIRED TOKEN_GROUP_CAPABLE UNLOCK_CAPABLE",
    "ConnectorFormat": "SOCKET CABLE",
    "ConnectorType": "CHADEMO CHAOJI DOMESTIC_A DOMESTIC_B DOMESTIC_C DOMESTIC_D DOMESTIC_E DOMESTIC_F DOMESTIC_G "
    "DOMESTIC_H DOMESTIC_I DOMESTIC_J DOMESTIC_K DOMESTIC_L DOMESTIC_M DOMESTIC_N DOMESTIC_O GBT_AC GBT_DC "
    "IEC_60309_2_single_16 IEC_60309_2_three_16 IEC_60309_2_three_32 IEC_60309_2_three_64 IEC_62196_T1 "
    "IEC_62196_T1_COMBO IEC_62196_T2 IEC_62196_T2_COMBO IEC_62196_T3A IEC_62196_T3C NEMA_5_20 NEMA_6_30 NEMA_6_50 "
    "NEMA_10_30 NEMA_10_50 NEMA_14_30 NEMA_14_50 PANTOGRAPH_BOTTOM_UP PANTOGRAPH_TOP_DOWN TESLA_R TESLA_S",
    "PowerType": "AC_1_PHASE AC_2_PHASE AC_2_PHASE_SPLIT AC_3_PHASE DC",
    "Facility": "HOTEL RESTAURANT CAFE MALL SUPERMARKET SPORT RECREATION_AREA NATURE MUSEUM BIKE_SHARING BUS_STOP "
    "TAXI_STAND TRAM_STOP METRO_STATION TRAIN_STATION AIRPORT PARKING_LOT CARPOOL_PARKING FUEL_STATION WIFI",
    "ParkingRestriction": "EV_ONLY PLUGGED DISABLED CUSTOMERS MOTORCYCLES",
    "ParkingType": "ALONG_MOTORWAY PARKING_GARAGE PARKING_LOT ON_DRIVEWAY ON_STREET UNDERGROUND_GARAGE",
    "ImageCategory": "CHARGER ENTRANCE LOCATION NETWORK OPERATOR OTHER OWNER",
    "EnergySourceCategory": "NUCLEAR GENERAL_FOSSIL COAL GAS GENERAL_GREEN SOLAR WIND WATER",
    "EnvironmentalImpactCategory": "NUCLEAR_WASTE CARBON_DIOXIDE",
    "TokenType": "AD_HOC_USER APP_USER OTHER RFID",
}

DISPLAY_TEXT = {"language": ("string:2", "1"), "text": ("string:512", "1")}
GEO = {"latitude": ("latitude", "1"), "longitude": ("longitude", "1")}
IMAGE = {
    "url": ("url", "1"),
    "thumbnail": ("url", "?"),
    "category": ("enum:ImageCategory", "1"),
    "type": ("cistring:4", "1"),
    "width": ("int:5", "?"),
    "height": ("int:5", "?"),
}
BUSINESS = {"name": ("string:100", "1"), "website": ("url", "?"), "logo": (IMAGE, "?")}
PERIOD = {"period_begin": ("datetime", "1"), "period_end": ("datetime", "1")}
HOURS = {
    "twentyfourseven": ("boolean", "1"),
    "regular_hours": ({"weekday": ("weekday", "1"), "period_begin": ("hour", "1"), "period_end": ("hour", "1")}, "*"),
    "exceptional_openings": (PERIOD, "*"),
    "exceptional_closings": (PERIOD, "*"),
}
ENERGY_MIX = {
    "is_green_energy": ("boolean", "1"),
    "energy_sources": ({"source": ("enum:EnergySourceCategory", "1"), "percentage": ("number", "1")}, "*"),
    "environ_impact": ({"category": ("enum:EnvironmentalImpactCategory", "1"), "amount": ("number", "1")}, "*"),
    "supplier_name": ("string:64", "?"),
    "energy_product_name": ("string:64", "?"),
}
PUBLISH_TOKEN = {
    "uid": ("cistring:36", "?"),
    "type": ("enum:TokenType", "?"),
    "visual_number": ("string:64", "?"),
    "issuer": ("string:64", "?"),
    "group_id": ("cistring:36", "?"),
}
CONNECTOR = {
    "id": ("cistring:36", "1"),
    "standard": ("enum:ConnectorType", "1"),
    "format": ("enum:ConnectorFormat", "1"),
    "power_type": ("enum:PowerType", "1"),
    "max_voltage": ("int", "1"),
    "max_amperage": ("int", "1"),
    "max_electric_power": ("int", "?"),
    "tariff_ids": ("cistring:36", "*"),
    "terms_and_conditions": ("url", "?"),
    "last_updated": ("datetime", "1"),
}
EVSE = {
    "uid": ("cistring:36", "1"),
    "evse_id": ("cistring:48", "?"),
    "status": ("enum:Status", "1"),
    "status_schedule": (
        {"period_begin": ("datetime", "1"), "period_end": ("datetime", "?"), "status": ("enum:Status", "1")},
        "*",
    ),
    "capabilities": ("enum:Capability", "*"),
    "connectors": (CONNECTOR, "+"),
    "floor_level": ("string:4", "?"),
    "coordinates": (GEO, "?"),
    "physical_reference": ("string:16", "?"),
    "directions": (DISPLAY_TEXT, "*"),
    "parking_restrictions": ("enum:ParkingRestriction", "*"),
    "images": (IMAGE, "*"),
    "last_updated": ("datetime", "1"),
}
LOCATION = {
    "country_code": ("cistring:2", "1"),
    "party_id": ("cistring:3", "1"),
    "id": ("cistring:36", "1"),
    "publish": ("boolean", "1"),
    "publish_allowed_to": (PUBLISH_TOKEN, "*"),
    "name": ("string:255", "?"),
    "address": ("string:255", "1"),
    "city": ("string:45", "1"),
    "postal_code": ("string:10", "?"),
    "state": ("string:45", "?"),
    "country": ("string:3", "1"),
    "coordinates": (GEO, "1"),
    "related_locations": ({**GEO, "name": (DISPLAY_TEXT, "?")}, "*"),
    "parking_type": ("enum:ParkingType", "?"),
    "evses": (EVSE, "*"),
    "directions": (DISPLAY_TEXT, "*"),
    "operator": (BUSINESS, "?"),
    "suboperator": (BUSINESS, "?"),
    "owner": (BUSINESS, "?"),
    "facilities": ("enum:Facility", "*"),
    "time_zone": ("string:255", "1"),
    "opening_times": (HOURS, "?"),
    "charging_when_closed": ("boolean", "?"),
    "images": (IMAGE, "*"),
    "energy_mix": (ENERGY_MIX, "?"),
    "last_updated": ("datetime", "1"),
}


def _check_value(kind: str, value: Any, path: str) -> list[str]:
    name, _, arg = kind.partition(":")
    fail = [f"{path}: {value!r} is not a valid {kind}"]
    if name in ("string", "cistring", "url"):
        limit = 255 if name == "url" else int(arg)
        if not isinstance(value, str) or len(value) > limit or any(ch in value for ch in "\r\n\t"):
            return fail
        if name == "cistring" and not all(0x20 <= ord(ch) <= 0x7E for ch in value):
            return fail
        if name == "url" and not re.match(r"^https?://\S+$", value):
            return fail
        return []
    if name == "enum":
        return [] if isinstance(value, str) and value in ENUMS[arg].split() else fail
    if name == "boolean":
        return [] if isinstance(value, bool) else fail
    if name in ("int", "weekday"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and arg:
            ok = len(str(abs(value))) <= int(arg)
        if ok and name == "weekday":
            ok = 1 <= value <= 7
        return [] if ok else fail
    if name == "number":
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else fail
    patterns = {"datetime": DATETIME_RE, "latitude": LATITUDE_RE, "longitude": LONGITUDE_RE, "hour": HOUR_RE}
    if name == "datetime" and isinstance(value, str) and len(value) > 25:
        return fail
    return [] if isinstance(value, str) and patterns[name].match(value) else fail


def validate(obj: Any, spec: dict[str, tuple[Any, str]], path: str = "") -> list[str]:
    """Every way ``obj`` breaks ``spec``, as 'path: problem' lines; an empty list means it conforms."""
    if not isinstance(obj, dict):
        return [f"{path or 'object'}: expected an object, got {type(obj).__name__}"]
    errors = [f"{path}{key}: not defined by OCPI 2.2.1" for key in obj if key not in spec]
    for key, (kind, cardinality) in spec.items():
        where = f"{path}{key}"
        if key not in obj:
            if cardinality in ("1", "+"):
                errors.append(f"{where}: required")
            continue
        value = obj[key]
        if value is None:
            errors.append(f"{where}: null (optional fields without a value are omitted)")
            continue
        items = [value]
        if cardinality in ("*", "+"):
            if not isinstance(value, list):
                errors.append(f"{where}: expected a list")
                continue
            if cardinality == "+" and not value:
                errors.append(f"{where}: needs at least one item")
            items = value
        for index, item in enumerate(items):
            item_path = f"{where}[{index}]" if cardinality in ("*", "+") else where
            if isinstance(kind, dict):
                errors.extend(validate(item, kind, f"{item_path}."))
            else:
                errors.extend(_check_value(kind, item, item_path))
    return errors


# --- Tokens, sessions, CDRs and commands (OCPI 2.2.1 mod_sessions, mod_cdrs, mod_tokens, mod_commands) ----------------

ENUMS.update(
    {
        "WhitelistType": "ALWAYS ALLOWED ALLOWED_OFFLINE NEVER",
        "ProfileType": "CHEAP FAST GREEN REGULAR",
        "AuthMethod": "AUTH_REQUEST COMMAND WHITELIST",
        "SessionStatus": "ACTIVE COMPLETED INVALID PENDING RESERVATION",
        "CdrDimensionType": "CURRENT ENERGY ENERGY_EXPORT ENERGY_IMPORT MAX_CURRENT MIN_CURRENT MAX_POWER MIN_POWER "
        "PARKING_TIME POWER RESERVATION_TIME STATE_OF_CHARGE TIME",
        # CDRs carry no session-only dimensions (CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER, STATE_OF_CHARGE).
        "CdrOnlyDimensionType": "ENERGY MAX_CURRENT MIN_CURRENT MAX_POWER MIN_POWER PARKING_TIME RESERVATION_TIME TIME",
        "CommandResponseType": "NOT_SUPPORTED REJECTED ACCEPTED UNKNOWN_SESSION",
        "CommandResultType": "ACCEPTED CANCELED_RESERVATION EVSE_OCCUPIED EVSE_INOPERATIVE FAILED NOT_SUPPORTED "
        "REJECTED TIMEOUT UNKNOWN_RESERVATION",
        "TariffType": "AD_HOC_PAYMENT PROFILE_CHEAP PROFILE_FAST PROFILE_GREEN REGULAR",
        "TariffDimensionType": "ENERGY FLAT PARKING_TIME TIME",
        "DayOfWeek": "MONDAY TUESDAY WEDNESDAY THURSDAY FRIDAY SATURDAY SUNDAY",
        "ReservationRestrictionType": "RESERVATION RESERVATION_EXPIRES",
    }
)

TOKEN = {
    "country_code": ("cistring:2", "1"),
    "party_id": ("cistring:3", "1"),
    "uid": ("cistring:36", "1"),
    "type": ("enum:TokenType", "1"),
    "contract_id": ("cistring:36", "1"),
    "visual_number": ("string:64", "?"),
    "issuer": ("string:64", "1"),
    "group_id": ("cistring:36", "?"),
    "valid": ("boolean", "1"),
    "whitelist": ("enum:WhitelistType", "1"),
    "language": ("string:2", "?"),
    "default_profile_type": ("enum:ProfileType", "?"),
    "energy_contract": ({"supplier_name": ("string:64", "1"), "contract_id": ("string:64", "?")}, "?"),
    "last_updated": ("datetime", "1"),
}
PRICE = {"excl_vat": ("number", "1"), "incl_vat": ("number", "?")}
CDR_TOKEN = {
    "country_code": ("cistring:2", "1"),
    "party_id": ("cistring:3", "1"),
    "uid": ("cistring:36", "1"),
    "type": ("enum:TokenType", "1"),
    "contract_id": ("cistring:36", "1"),
}
SESSION_PERIOD = {
    "start_date_time": ("datetime", "1"),
    "dimensions": ({"type": ("enum:CdrDimensionType", "1"), "volume": ("number", "1")}, "+"),
    "tariff_id": ("cistring:36", "?"),
}
CDR_PERIOD = {
    **SESSION_PERIOD,
    "dimensions": ({"type": ("enum:CdrOnlyDimensionType", "1"), "volume": ("number", "1")}, "+"),
}
SESSION = {
    "country_code": ("cistring:2", "1"),
    "party_id": ("cistring:3", "1"),
    "id": ("cistring:36", "1"),
    "start_date_time": ("datetime", "1"),
    "end_date_time": ("datetime", "?"),
    "kwh": ("number", "1"),
    "cdr_token": (CDR_TOKEN, "1"),
    "auth_method": ("enum:AuthMethod", "1"),
    "authorization_reference": ("cistring:36", "?"),
    "location_id": ("cistring:36", "1"),
    "evse_uid": ("cistring:36", "1"),
    "connector_id": ("cistring:36", "1"),
    "meter_id": ("string:255", "?"),
    "currency": ("string:3", "1"),
    "charging_periods": (SESSION_PERIOD, "*"),
    "total_cost": (PRICE, "?"),
    "status": ("enum:SessionStatus", "1"),
    "last_updated": ("datetime", "1"),
}
PRICE_COMPONENT = {
    "type": ("enum:TariffDimensionType", "1"),
    "price": ("number", "1"),
    "vat": ("number", "?"),
    "step_size": ("int", "1"),
}
TARIFF_RESTRICTIONS = {
    "start_time": ("hour", "?"),
    "end_time": ("hour", "?"),
    "start_date": ("string:10", "?"),
    "end_date": ("string:10", "?"),
    "min_kwh": ("number", "?"),
    "max_kwh": ("number", "?"),
    "min_current": ("number", "?"),
    "max_current": ("number", "?"),
    "min_power": ("number", "?"),
    "max_power": ("number", "?"),
    "min_duration": ("int", "?"),
    "max_duration": ("int", "?"),
    "day_of_week": ("enum:DayOfWeek", "*"),
    "reservation": ("enum:ReservationRestrictionType", "?"),
}
TARIFF = {
    "country_code": ("cistring:2", "1"),
    "party_id": ("cistring:3", "1"),
    "id": ("cistring:36", "1"),
    "currency": ("string:3", "1"),
    "type": ("enum:TariffType", "?"),
    "tariff_alt_text": (DISPLAY_TEXT, "*"),
    "tariff_alt_url": ("url", "?"),
    "min_price": (PRICE, "?"),
    "max_price": (PRICE, "?"),
    "elements": ({"price_components": (PRICE_COMPONENT, "+"), "restrictions": (TARIFF_RESTRICTIONS, "?")}, "+"),
    "start_date_time": ("datetime", "?"),
    "end_date_time": ("datetime", "?"),
    "energy_mix": (ENERGY_MIX, "?"),
    "last_updated": ("datetime", "1"),
}
CDR_LOCATION = {
    "id": ("cistring:36", "1"),
    "name": ("string:255", "?"),
    "address": ("string:45", "1"),
    "city": ("string:45", "1"),
    "postal_code": ("string:10", "?"),
    "state": ("string:20", "?"),
    "country": ("string:3", "1"),
    "coordinates": (GEO, "1"),
    "evse_uid": ("cistring:36", "1"),
    "evse_id": ("cistring:48", "1"),
    "connector_id": ("cistring:36", "1"),
    "connector_standard": ("enum:ConnectorType", "1"),
    "connector_format": ("enum:ConnectorFormat", "1"),
    "connector_power_type": ("enum:PowerType", "1"),
}
CDR = {
    "country_code": ("cistring:2", "1"),
    "party_id": ("cistring:3", "1"),
    "id": ("cistring:39", "1"),
    "start_date_time": ("datetime", "1"),
    "end_date_time": ("datetime", "1"),
    "session_id": ("cistring:36", "?"),
    "cdr_token": (CDR_TOKEN, "1"),
    "auth_method": ("enum:AuthMethod", "1"),
    "authorization_reference": ("cistring:36", "?"),
    "cdr_location": (CDR_LOCATION, "1"),
    "meter_id": ("string:255", "?"),
    "currency": ("string:3", "1"),
    "tariffs": (TARIFF, "*"),
    "charging_periods": (CDR_PERIOD, "+"),
    "signed_data": (
        {
            "encoding_method": ("cistring:36", "1"),
            "encoding_method_version": ("int", "?"),
            "public_key": ("string:512", "?"),
            "signed_values": (
                {
                    "nature": ("cistring:32", "1"),
                    "plain_data": ("string:5000", "1"),
                    "signed_data": ("string:5000", "1"),
                },
                "+",
            ),
            "url": ("string:512", "?"),
        },
        "?",
    ),
    "total_cost": (PRICE, "1"),
    "total_fixed_cost": (PRICE, "?"),
    "total_energy": ("number", "1"),
    "total_energy_cost": (PRICE, "?"),
    "total_time": ("number", "1"),
    "total_time_cost": (PRICE, "?"),
    "total_parking_time": ("number", "?"),
    "total_parking_cost": (PRICE, "?"),
    "total_reservation_cost": (PRICE, "?"),
    "remark": ("string:255", "?"),
    "invoice_reference_id": ("cistring:39", "?"),
    "credit": ("boolean", "?"),
    "credit_reference_id": ("cistring:39", "?"),
    "home_charging_compensation": ("boolean", "?"),
    "last_updated": ("datetime", "1"),
}
COMMAND_RESPONSE = {
    "result": ("enum:CommandResponseType", "1"),
    "timeout": ("int", "1"),
    "message": (DISPLAY_TEXT, "*"),
}
COMMAND_RESULT = {"result": ("enum:CommandResultType", "1"), "message": (DISPLAY_TEXT, "*")}
LOCATION_REFERENCES = {"location_id": ("cistring:36", "1"), "evse_uids": ("cistring:36", "*")}
