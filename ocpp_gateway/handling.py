"""The ``ocpp`` library's handling of one CALL from a charger (``ChargePoint._handle_call``), without the work it
repeats for every frame: the handler's ``inspect.signature``, a regular-expression rewrite of every payload key, and
pure-Python schema validation (~100 µs a payload: more than the rest of a Heartbeat's handling).

Validation is still the library's OCPP 1.6 JSON schemas. Each is compiled once more with ``jsonschema_rs`` (Draft 4,
as the library's); a payload it finds valid is valid, and one it does not goes through the library's own validation,
which raises the CALLERROR the library would. The outcome is the library's in both cases, only faster for the valid.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import jsonschema_rs
from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case
from ocpp.messages import Call, CallResult, get_validator, validate_payload

logger = logging.getLogger(__name__)
OCPP_VERSION = "1.6"
# Payloads whose floats the library validates as Decimal (``ocpp.messages._validate_payload``): left to the library.
_DECIMAL_SCHEMAS = {(Call.message_type_id, "SetChargingProfile"), (Call.message_type_id, "RemoteStartTransaction"),
                    (CallResult.message_type_id, "GetCompositeSchedule")}  # fmt: skip


@functools.cache
def _fast_validator(message_type_id: int, action: str) -> Any:
    """The library's schema for a message (its cached ``Draft4Validator``), compiled by ``jsonschema_rs``; None
    when the library has no schema for it (it answers those itself)."""
    try:
        schema = get_validator(message_type_id, action, OCPP_VERSION).schema
    except (OSError, ValueError):
        return None
    # The library's validator checks no "format" (jsonschema's default): neither does this one.
    return jsonschema_rs.validator_for(schema, validate_formats=False)


async def validate(message: Call | CallResult) -> None:
    """The library's ``validate_payload``, skipped for a payload the compiled schema finds valid."""
    if (message.message_type_id, message.action) not in _DECIMAL_SCHEMAS:
        fast = _fast_validator(message.message_type_id, message.action)
        if fast is not None and fast.is_valid(message.payload):
            return
    await validate_payload(message, OCPP_VERSION)


@functools.lru_cache(maxsize=1024)  # bounded: keys of unvalidated payloads are the charger's to choose
def _snake(key: str) -> str:
    return str(next(iter(camel_to_snake_case({key: None}))))


@functools.lru_cache(maxsize=1024)
def _camel(key: str) -> str:
    return str(next(iter(snake_to_camel_case({key: None}))))


def _rekeyed(data: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(data, dict):
        return {rename(key) if isinstance(key, str) else key: _rekeyed(value, rename) for key, value in data.items()}
    if isinstance(data, list):
        return [_rekeyed(value, rename) for value in data]
    return data


def snake_case(data: Any) -> Any:
    """``camel_to_snake_case`` with each key converted once per process."""
    return _rekeyed(data, _snake)


def camel_case(data: Any) -> Any:
    """``snake_to_camel_case`` with each key converted once per process."""
    return _rekeyed(data, _camel)


def takes_unique_id(handler: Callable[..., Any]) -> bool:
    """Whether a handler asks for the CALL's unique id (the library's ``call_unique_id`` keyword)."""
    return _takes_unique_id(getattr(handler, "__func__", handler))  # the function: a bound method is per connection


@functools.cache
def _takes_unique_id(function: Callable[..., Any]) -> bool:
    return "call_unique_id" in inspect.signature(function).parameters
