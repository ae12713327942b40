"""What we push to eMSPs about their drivers (OCPI 2.2.1 mod_sessions.asciidoc, mod_cdrs.asciidoc): sessions as they
progress, and CDRs.

Sessions and CDRs go only to the registered partner that speaks for the token's party, never to anyone else. Each
call is an outbox row written in the transaction of the change (``ocpi_api.push``), delivered after commit.

A new session, a status change (e.g. COMPLETED), and a switch to or from parking are a PUT of the whole Session,
charging periods included; other progress is a PATCH of kwh, total_cost and last_updated. OCPI appends the periods
of a PATCH to the stored ones, and our last period grows with every meter value, so periods only travel in PUTs,
which replace them wholesale.
"""

from __future__ import annotations

from typing import Any

from billing.models import Cdr
from chargepoints.models import ChargingSession

from .core.envelope import format_datetime
from .core.status import ModuleID
from .models import CdrDelivery, Partner
from .modules.cdrs.serializers import cdr_json
from .modules.sessions.serializers import number, price_json, session_json
from .push.keys import cdr_key, session_key, session_path
from .push.models import OutboxItem
from .push.services import push_enqueue
from .selectors import partners_for_party

_FULL_UPDATE = frozenset({"status", "charging_state", "start_date_time"})


def _owners(country_code: str, party_id: str) -> list[Partner]:
    return partners_for_party(country_code=country_code, party_id=party_id)


def session_push(*, session: ChargingSession, created: bool, changed_fields: frozenset[str]) -> int:
    """Queue the session change for the eMSP of its token. Returns the number of partners it goes to."""
    partners = _owners(session.token_country_code, session.token_party_id)
    if not partners:
        return 0
    cost_cleared = session.total_cost_excl_vat is None and "total_cost_excl_vat" in changed_fields
    if created or cost_cleared or changed_fields & _FULL_UPDATE:
        method, body = "PUT", session_json(session)
    else:
        method, body = "PATCH", session_patch_json(session)
    path = session_path(session.country_code, session.party_id, session.ocpi_id)
    queued = 0
    for partner in partners:
        item = push_enqueue(
            partner=partner, module=ModuleID.SESSIONS, object_key=session_key(path), method=method, path=path, body=body
        )
        queued += item is not None
    return queued


def session_patch_json(session: ChargingSession) -> dict[str, Any]:
    body: dict[str, Any] = {"kwh": number(session.kwh)}
    total_cost = price_json(session.total_cost_excl_vat, session.total_cost_incl_vat)
    if total_cost is not None:
        body["total_cost"] = total_cost
    body["last_updated"] = format_datetime(session.last_updated)
    return body


def cdr_push(*, cdr: Cdr) -> int:
    """POST an issued CDR to the eMSP of its token. Returns the number of partners it goes to."""
    partners = _owners(cdr.token_country_code, cdr.token_party_id)
    body = cdr_json(cdr) if partners else None
    queued = 0
    for partner in partners:
        item = push_enqueue(
            partner=partner, module=ModuleID.CDRS, object_key=cdr_key(cdr.ocpi_id), method="POST", body=body
        )
        queued += item is not None
    return queued


def cdr_delivery_record(*, item: OutboxItem) -> CdrDelivery | None:
    """Keep the ``Location`` header the eMSP answered a CDR POST with: the URL of the CDR in its system."""
    cdr = Cdr.objects.filter(ocpi_id=item.object_key.removeprefix("cdrs/")).first()
    if cdr is None:
        return None
    headers = {str(name).lower(): str(value) for name, value in (item.response_headers or {}).items()}
    delivery, _created = CdrDelivery.objects.update_or_create(
        cdr=cdr, partner_id=item.partner_id, defaults={"location_url": headers.get("location", "")[:512]}
    )
    return delivery
