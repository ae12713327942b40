"""The whole current object behind a queue, for the PUT that follows a PATCH the partner could not apply.

A receiver that never got an object (it joined after the object's PUT, or lost it) answers a PATCH with HTTP 404 or
OCPI 2003 "unknown location". PATCH "is the same as PUT, but only the fields that need to be updated" (OCPI 2.2.1
mod_locations.asciidoc and mod_sessions.asciidoc, PATCH Method), so the remedy is a PUT of the object the queue is
about: the whole Location (EVSEs and connectors included, whatever level the PATCH addressed, since the receiver may
lack the location itself) or the whole Session.
"""

from __future__ import annotations

from typing import Any

from chargepoints.selectors import location_list_for_sync
from chargepoints.sessions.selectors import session_list
from ocpi_api.modules.locations.serializers import location_to_ocpi
from ocpi_api.modules.sessions.serializers import session_json

from .catalogue import LOCATIONS
from .keys import location_path


def full_object(*, module: str, object_key: str) -> tuple[str, dict[str, Any]] | None:
    """(path, body) of a PUT of the queue's whole object as it is now, or None when there is none to send: the
    location was withdrawn from roaming, the object is gone, or the module has no object a PUT could restore."""
    prefix, _, rest = object_key.partition("/")
    parts = rest.split("/", 2)
    if prefix != module or len(parts) != 3:
        return None
    country_code, party_id, ocpi_id = parts
    if module == LOCATIONS:
        location = location_list_for_sync().filter(country_code=country_code, party_id=party_id, ocpi_id=ocpi_id)
        found = location.first()
        return None if found is None else (location_path(found), location_to_ocpi(found))
    if module == "sessions":
        session = session_list().filter(country_code=country_code, party_id=party_id, ocpi_id=ocpi_id).first()
        return None if session is None else (rest, session_json(session))
    return None
