"""The OpenAPI description of our OCPI 2.1.1 endpoints.

The 2.1.1 URLs are served by the same views as 2.2.1, so drf-spectacular first documents them with the 2.2.1
objects; the postprocessing hook ``document_211`` then puts the 2.1.1 objects in their place (the Object description
of mod_locations.md, mod_tariffs.md, mod_sessions.md, mod_cdrs.md, mod_tokens.md, mod_commands.md and credentials.md),
gives each 2.1.1 operation its own operationId and tags it "(2.1.1)".
"""

from __future__ import annotations

import re
from typing import Any

Schema = dict[str, Any]


def _string(length: int) -> Schema:
    return {"type": "string", "maxLength": length}


def _enum(values: str) -> Schema:
    return {"type": "string", "enum": values.split()}


def _list(item: Schema, *, min_items: int = 0) -> Schema:
    return {"type": "array", "items": item, **({"minItems": min_items} if min_items else {})}


def _object(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    return {"type": "object", "properties": {**required, **(optional or {})}, "required": list(required)}


DATETIME = {"type": "string", "format": "date-time", "maxLength": 25}
NUMBER = {"type": "number"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
URL = _string(255)
DISPLAY_TEXT = _object({"language": _string(2), "text": _string(512)})
GEO = _object({"latitude": _string(10), "longitude": _string(11)})
IMAGE = _object(
    {"url": URL, "category": _enum("CHARGER ENTRANCE LOCATION NETWORK OPERATOR OTHER OWNER"), "type": _string(4)},
    {"thumbnail": URL, "width": INTEGER, "height": INTEGER},
)
BUSINESS = _object({"name": _string(100)}, {"website": URL, "logo": IMAGE})
ENERGY_MIX = _object(
    {"is_green_energy": BOOLEAN},
    {
        "energy_sources": _list(_object({"source": _string(20), "percentage": NUMBER})),
        "environ_impact": _list(_object({"source": _string(20), "amount": NUMBER})),
        "supplier_name": _string(64),
        "energy_product_name": _string(64),
    },
)
PERIOD = _object({"period_begin": DATETIME, "period_end": DATETIME})
HOURS = _object(
    {},
    {
        "regular_hours": _list(_object({"weekday": INTEGER, "period_begin": _string(5), "period_end": _string(5)})),
        "twentyfourseven": BOOLEAN,
        "exceptional_openings": _list(PERIOD),
        "exceptional_closings": _list(PERIOD),
    },
)
STATUS = _enum("AVAILABLE BLOCKED CHARGING INOPERATIVE OUTOFORDER PLANNED REMOVED RESERVED UNKNOWN")
CONNECTOR = _object(
    {
        "id": _string(36),
        "standard": _string(32),
        "format": _enum("SOCKET CABLE"),
        "power_type": _enum("AC_1_PHASE AC_3_PHASE DC"),
        "voltage": INTEGER,
        "amperage": INTEGER,
        "last_updated": DATETIME,
    },
    {"tariff_id": _string(36), "terms_and_conditions": URL},
)
EVSE = _object(
    {"uid": _string(39), "status": STATUS, "connectors": _list(CONNECTOR, min_items=1), "last_updated": DATETIME},
    {
        "evse_id": _string(48),
        "status_schedule": _list(_object({"period_begin": DATETIME, "status": STATUS}, {"period_end": DATETIME})),
        "capabilities": _list(
            _enum(
                "CHARGING_PROFILE_CAPABLE CREDIT_CARD_PAYABLE REMOTE_START_STOP_CAPABLE RESERVABLE RFID_READER "
                "UNLOCK_CAPABLE"
            )
        ),
        "floor_level": _string(4),
        "coordinates": GEO,
        "physical_reference": _string(16),
        "directions": _list(DISPLAY_TEXT),
        "parking_restrictions": _list(_string(20)),
        "images": _list(IMAGE),
    },
)
LOCATION = _object(
    {
        "id": _string(39),
        "type": _enum("ON_STREET PARKING_GARAGE UNDERGROUND_GARAGE PARKING_LOT OTHER UNKNOWN"),
        "address": _string(45),
        "city": _string(45),
        "postal_code": _string(10),
        "country": _string(3),
        "coordinates": GEO,
        "last_updated": DATETIME,
    },
    {
        "name": _string(255),
        "related_locations": _list(GEO),
        "evses": _list(EVSE),
        "directions": _list(DISPLAY_TEXT),
        "operator": BUSINESS,
        "suboperator": BUSINESS,
        "owner": BUSINESS,
        "facilities": _list(_string(20)),
        "time_zone": _string(255),
        "opening_times": HOURS,
        "charging_when_closed": BOOLEAN,
        "images": _list(IMAGE),
        "energy_mix": ENERGY_MIX,
    },
)
DIMENSIONS = _enum("ENERGY FLAT PARKING_TIME TIME")
TARIFF = _object(
    {
        "id": _string(36),
        "currency": _string(3),
        "elements": _list(
            _object(
                {
                    "price_components": _list(
                        _object({"type": DIMENSIONS, "price": NUMBER, "step_size": INTEGER}), min_items=1
                    )
                },
                {"restrictions": {"type": "object"}},
            ),
            min_items=1,
        ),
        "last_updated": DATETIME,
    },
    {"tariff_alt_text": _list(DISPLAY_TEXT), "tariff_alt_url": URL, "energy_mix": ENERGY_MIX},
)
CHARGING_PERIOD = _object(
    {
        "start_date_time": DATETIME,
        "dimensions": _list(
            _object({"type": _enum("ENERGY FLAT MAX_CURRENT MIN_CURRENT PARKING_TIME TIME"), "volume": NUMBER}),
            min_items=1,
        ),
    }
)
AUTH_METHOD = _enum("AUTH_REQUEST WHITELIST")
SESSION = _object(
    {
        "id": _string(36),
        "start_datetime": DATETIME,
        "kwh": NUMBER,
        "auth_id": _string(36),
        "auth_method": AUTH_METHOD,
        "location": LOCATION,
        "currency": _string(3),
        "status": _enum("ACTIVE COMPLETED INVALID PENDING"),
        "last_updated": DATETIME,
    },
    {
        "end_datetime": DATETIME,
        "meter_id": _string(255),
        "charging_periods": _list(CHARGING_PERIOD),
        "total_cost": NUMBER,
    },
)
CDR = _object(
    {
        "id": _string(36),
        "start_date_time": DATETIME,
        "stop_date_time": DATETIME,
        "auth_id": _string(36),
        "auth_method": AUTH_METHOD,
        "location": LOCATION,
        "currency": _string(3),
        "charging_periods": _list(CHARGING_PERIOD, min_items=1),
        "total_cost": NUMBER,
        "total_energy": NUMBER,
        "total_time": NUMBER,
        "last_updated": DATETIME,
    },
    {"meter_id": _string(255), "tariffs": _list(TARIFF), "total_parking_time": NUMBER, "remark": _string(255)},
)
TOKEN = _object(
    {
        "uid": _string(36),
        "type": _enum("OTHER RFID"),
        "auth_id": _string(36),
        "issuer": _string(64),
        "valid": BOOLEAN,
        "whitelist": _enum("ALWAYS ALLOWED ALLOWED_OFFLINE NEVER"),
        "last_updated": DATETIME,
    },
    {"visual_number": _string(64), "language": _string(2)},
)
CREDENTIALS = _object(
    {"token": _string(64), "url": URL, "business_details": BUSINESS, "party_id": _string(3), "country_code": _string(2)}
)
COMMAND_RESPONSE = _object({"result": _enum("NOT_SUPPORTED REJECTED ACCEPTED TIMEOUT UNKNOWN_SESSION")})
_RESPONSE_URL = {"response_url": URL}
COMMAND = {
    "oneOf": [
        _object({**_RESPONSE_URL, "token": TOKEN, "location_id": _string(39)}, {"evse_uid": _string(39)}),
        _object({**_RESPONSE_URL, "session_id": _string(36)}),
        _object(
            {
                **_RESPONSE_URL,
                "token": TOKEN,
                "expiry_date": DATETIME,
                "reservation_id": INTEGER,
                "location_id": _string(39),
            },
            {"evse_uid": _string(39)},
        ),
        _object({**_RESPONSE_URL, "location_id": _string(39), "evse_uid": _string(39), "connector_id": _string(36)}),
    ]
}

# (path below /ocpi/ after the version, method) → (request body, response data), None where 2.2.1's stays.
_LOCATIONS = "cpo/2.1.1/locations"
_OPERATIONS: dict[tuple[str, str], tuple[Schema | None, Schema | None]] = {
    ("2.1.1/credentials", "get"): (None, CREDENTIALS),
    ("2.1.1/credentials", "post"): (CREDENTIALS, CREDENTIALS),
    ("2.1.1/credentials", "put"): (CREDENTIALS, CREDENTIALS),
    (_LOCATIONS, "get"): (None, _list(LOCATION)),
    (f"{_LOCATIONS}/{{location_id}}", "get"): (None, LOCATION),
    (f"{_LOCATIONS}/{{location_id}}/{{evse_uid}}", "get"): (None, EVSE),
    (f"{_LOCATIONS}/{{location_id}}/{{evse_uid}}/{{connector_id}}", "get"): (None, CONNECTOR),
    ("cpo/2.1.1/tariffs", "get"): (None, _list(TARIFF)),
    ("cpo/2.1.1/sessions", "get"): (None, _list(SESSION)),
    ("cpo/2.1.1/cdrs", "get"): (None, _list(CDR)),
    ("cpo/2.1.1/tokens/{country_code}/{party_id}/{token_uid}", "get"): (None, TOKEN),
    ("cpo/2.1.1/tokens/{country_code}/{party_id}/{token_uid}", "put"): (TOKEN, None),
    ("cpo/2.1.1/tokens/{country_code}/{party_id}/{token_uid}", "patch"): ({"type": "object"}, None),
    ("cpo/2.1.1/commands/{command}", "post"): (COMMAND, COMMAND_RESPONSE),
}
_ENVELOPE = {
    "status_code": INTEGER,
    "status_message": {"type": "string"},
    "timestamp": {"type": "string"},
}
_VERSION_211 = re.compile(r"^/ocpi/(?:cpo/)?2\.1\.1(?:/|$)")


def document_211(result: Schema, **_: Any) -> Schema:
    """Postprocessing hook (SPECTACULAR_SETTINGS): the 2.1.1 operations with the 2.1.1 objects."""
    for path, operations in result.get("paths", {}).items():
        if not _VERSION_211.match(path):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            operation["operationId"] += "_211"
            operation["tags"] = [f"{tag} (2.1.1)" for tag in operation.get("tags", [])]
            request, data = _OPERATIONS.get((path.removeprefix("/ocpi/"), method), (None, None))
            if request is not None and "requestBody" in operation:
                for content in operation["requestBody"]["content"].values():
                    content["schema"] = request
            if data is not None:
                for code, response in operation["responses"].items():
                    if code.startswith("2") or (code == "404" and data is COMMAND_RESPONSE):
                        for content in response.get("content", {}).values():
                            content["schema"] = _object({"data": data, **_ENVELOPE}, {})
                            content["schema"]["required"] = ["data", "status_code", "timestamp"]
    return result
