"""Each roaming location's OCPI 2.2.1 Location object, kept encoded (``LocationDocument``), so that a page of the
Locations list (OCPI 2.2.1 mod_locations.asciidoc, Sender Interface) is its stored documents joined, not serialized.

The serializers (``modules.locations.serializers``) stay the one definition of the output: a document is their
output, encoded as the API renders JSON (``core.envelope.json_bytes``). It is rebuilt in the transaction of every
change that alters it (``receivers``: ``location_changed``, ``locations_written``, ``evse_status_changed``); a status
change patches it in place when it was current before the change (``location_document_evse_status``). As a safety
net, a document whose stamp differs from its location's ``last_updated`` (every change below a location touches it)
or that is missing is not served: that location is serialized afresh instead.

Other OCPI versions convert the 2.2.1 document at the edge: ``location_document`` gives it as a dict.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from django.db.models import QuerySet

from chargepoints.models import EVSE, Location
from chargepoints.selectors import location_list_for_sync
from ocpi_api.core.envelope import json_bytes
from ocpi_api.modules.locations.serializers import evse_status_to_ocpi, location_to_ocpi

from .models import LocationDocument

# Locations serialized per query round when rebuilding many (a bulk import's batch, the whole catalogue).
_REBUILD_CHUNK = 500


def location_documents_rebuild(location_ids: Iterable[int]) -> int:
    """Build and store the documents of these locations; a location not (or no longer) roaming loses its document.

    Call inside the transaction of the change. Returns how many documents were written.
    """
    ids = list(dict.fromkeys(location_ids))
    written = 0
    for start in range(0, len(ids), _REBUILD_CHUNK):
        chunk = ids[start : start + _REBUILD_CHUNK]
        documents = [
            LocationDocument(location_id=location.pk, last_updated=location.last_updated, body=_encoded(location))
            for location in location_list_for_sync().filter(pk__in=chunk)
        ]
        gone = set(chunk) - {document.location_id for document in documents}
        if gone:
            LocationDocument.objects.filter(location_id__in=gone).delete()
        LocationDocument.objects.bulk_create(
            documents, update_conflicts=True, unique_fields=["location"], update_fields=["last_updated", "body"]
        )
        written += len(documents)
    return written


# Set on an EVSE before evse_set_status saves it: its location's stored document then, if it was current (its stamp
# equal to the location's last_updated, which the save is about to touch), so that it may be patched, not rebuilt.
_DOCUMENT_BEFORE = "_ocpi_location_document_before"


def location_stamp_remember(evse: EVSE) -> None:
    """Before a status save: read the location's stored document with the location's last_updated, in one query."""
    stored = (
        LocationDocument.objects.filter(location_id=evse.location_id)
        .values_list("last_updated", "body", "location__last_updated")
        .first()
    )
    current = stored is not None and stored[0] == stored[2]
    setattr(evse, _DOCUMENT_BEFORE, (stored[0], bytes(stored[1])) if stored is not None and current else None)


def location_document_evse_status(evse: EVSE) -> None:
    """After ``evse_set_status``: the new status and timestamps written into the stored document in place, when it
    was current before the change; otherwise (or when it lacks the EVSE) the whole document is rebuilt.

    A patch is two small queries (the document read with its location's stamp before the save, and its update)
    instead of a rebuild's six with the location serialized. The update applies only if the document is still the
    version that was read: a change of the same location that committed in between (the save waited for its lock on
    the location) makes it a rebuild instead. The values come from the serializer's own fields.
    """
    before = evse.__dict__.pop(_DOCUMENT_BEFORE, None)
    if before is None:
        location_documents_rebuild([evse.location_id])
        return
    stamp, body = before
    document = orjson.loads(body)
    entry = next((item for item in document.get("evses") or () if item.get("uid") == evse.uid), None)
    if entry is None:
        location_documents_rebuild([evse.location_id])
        return
    values = evse_status_to_ocpi(evse)
    entry.update(values)
    document["last_updated"] = values["last_updated"]  # EVSE.save touched the location with its own timestamp
    patched = LocationDocument.objects.filter(location_id=evse.location_id, last_updated=stamp).update(
        last_updated=evse.last_updated, body=json_bytes(document)
    )
    if not patched:
        location_documents_rebuild([evse.location_id])


def location_documents_for_page(ids: QuerySet[Any, Any]) -> list[bytes]:
    """The encoded documents of the locations ``ids`` names (a query of primary keys: a page's window), in the
    list's order, in one query: the stored ones, or, for any missing or out of date, the serializer's output now."""
    rows = (
        Location.objects.filter(pk__in=ids)
        .order_by("last_updated", "pk")
        .values_list("pk", "last_updated", "ocpi_document__last_updated", "ocpi_document__body")
    )
    documents: list[bytes | None] = []
    stale: dict[int, int] = {}  # location id: its index in documents
    for pk, last_updated, stamp, body in rows:
        if body is None or stamp != last_updated:
            stale[pk] = len(documents)
            documents.append(None)
        else:
            documents.append(bytes(body))
    if stale:
        for location in location_list_for_sync().filter(pk__in=stale):
            documents[stale[location.pk]] = _encoded(location)
    # None: the location stopped roaming since it was counted.
    return [document for document in documents if document is not None]


def location_document_bytes(location_id: int) -> bytes | None:
    """A roaming location's OCPI 2.2.1 document as the Locations module serves it, or None when it is not served."""
    documents = location_documents_for_page(location_list_for_sync().filter(pk=location_id).values_list("pk"))
    return documents[0] if documents else None


def location_document(location_id: int) -> dict[str, Any] | None:
    """``location_document_bytes`` decoded: the OCPI 2.2.1 Location object, for converting to another version."""
    encoded = location_document_bytes(location_id)
    return None if encoded is None else dict(orjson.loads(encoded))


def _encoded(location: Location) -> bytes:
    return json_bytes(location_to_ocpi(location))
