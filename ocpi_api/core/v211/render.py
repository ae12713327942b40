"""Which converter a response body or a push takes, for a partner on OCPI 2.1.1.

Sessions and CDRs carry their Location in 2.1.1: ``locations`` maps a location id to its 2.2.1 JSON (the caller
fetches them, see ``ocpi_api.selectors.locations_json_by_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ocpi_api.core.status import ModuleID

from . import is_211
from .commands import command_response_to_211
from .locations import connector_to_211, evse_to_211, location_to_211
from .sessions import cdr_to_211, session_to_211
from .tariffs import tariff_to_211
from .tokens import token_to_211

Locations = Mapping[str, Mapping[str, Any]]
_LOCATION_DEPTH = {3: location_to_211, 4: evse_to_211, 5: connector_to_211}


def location_ids(module: str, body: Any) -> set[str]:
    """The Locations a Session or CDR body refers to, for the lookup ``render_push`` needs."""
    bodies = body if isinstance(body, list) else [body]
    if module == ModuleID.SESSIONS:
        return {b["location_id"] for b in bodies if isinstance(b, Mapping) and "location_id" in b}
    if module == ModuleID.CDRS:
        return {b["cdr_location"]["id"] for b in bodies if isinstance(b, Mapping) and "cdr_location" in b}
    return set()


def session_211(session: Mapping[str, Any], locations: Locations) -> dict[str, Any]:
    return session_to_211(session, locations.get(session.get("location_id", "")))


def cdr_211(cdr: Mapping[str, Any], locations: Locations) -> dict[str, Any]:
    return cdr_to_211(cdr, locations.get((cdr.get("cdr_location") or {}).get("id", "")))


PushCall = tuple[str, str, Any]  # module, path, stored 2.2.1 body


def push_bodies(version: str, calls: Sequence[PushCall], locations_of: Callable[[set[str]], Locations]) -> list[Any]:
    """The outbox keeps one 2.2.1 body per change; these are the bodies a partner on ``version`` gets for ``calls``,
    with one lookup of the Locations they all refer to (a page of rows costs no query per row)."""
    if not is_211(version):
        return [body for _module, _path, body in calls]
    wanted: set[str] = set()
    for module, _path, body in calls:
        wanted |= location_ids(module, body)
    locations = locations_of(wanted)
    return [render_push(module, path, body, locations) for module, path, body in calls]


def render_push(module: str, path: str, body: Any, locations: Locations) -> Any:
    """A 2.2.1 push body (PUT, PATCH or POST of one object) as the 2.1.1 partner expects it. A body without
    anything to convert (DELETE) stays as it is."""
    if not isinstance(body, Mapping):
        return body
    converters: dict[str, Callable[[Mapping[str, Any]], Any]] = {
        ModuleID.TARIFFS: tariff_to_211,
        ModuleID.SESSIONS: lambda b: session_211(b, locations),
        ModuleID.CDRS: lambda b: cdr_211(b, locations),
        ModuleID.COMMANDS: command_response_to_211,
        ModuleID.TOKENS: token_to_211,
    }
    if module == ModuleID.LOCATIONS:
        depth = len([part for part in path.split("/") if part])
        return _LOCATION_DEPTH.get(depth, location_to_211)(body)
    converter = converters.get(module)
    return converter(body) if converter is not None else body
