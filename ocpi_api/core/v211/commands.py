"""Commands between OCPI 2.1.1 (mod_commands.md §3, §4) and 2.2.1 (mod_commands.asciidoc, Object description and
Data types).

2.1.1 has START_SESSION, STOP_SESSION, RESERVE_NOW and UNLOCK_CONNECTOR (no CANCEL_RESERVATION); its Token is the 2.1.1
Token, ``reservation_id`` is an int and there is no ``authorization_reference`` or ``connector_id`` on a start. Both the
synchronous answer and the result at ``response_url`` are a CommandResponse whose only field is ``result``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .tokens import token_from_211

COMMANDS_211 = frozenset({"START_SESSION", "STOP_SESSION", "RESERVE_NOW", "UNLOCK_CONNECTOR"})
# 2.1.1 mod_commands.md §4.1 CommandResponseType.
RESPONSES_211 = frozenset({"NOT_SUPPORTED", "REJECTED", "ACCEPTED", "TIMEOUT", "UNKNOWN_SESSION"})


def command_from_211(command: Mapping[str, Any], *, country_code: str, party_id: str) -> dict[str, Any]:
    """A 2.1.1 command body as the 2.2.1 one; the token belongs to the caller's party ``country_code``/``party_id``."""
    result = dict(command)
    if isinstance(result.get("token"), Mapping):
        result["token"] = token_from_211(result["token"], country_code=country_code, party_id=party_id)
    if isinstance(result.get("reservation_id"), int) and not isinstance(result["reservation_id"], bool):
        result["reservation_id"] = str(result["reservation_id"])
    return result


def command_response_to_211(response: Mapping[str, Any]) -> dict[str, Any]:
    """A 2.2.1 CommandResponse or CommandResult as the 2.1.1 CommandResponse: only the result, in a value 2.1.1 has
    (EVSE_OCCUPIED, EVSE_INOPERATIVE, FAILED, UNKNOWN_RESERVATION, CANCELED_RESERVATION become REJECTED)."""
    result = response.get("result")
    return {"result": result if result in RESPONSES_211 else "REJECTED"}
