"""Each roaming location's OCPI 2.2.1 Location object, kept encoded (``LocationDocument``), so that a page of the
Locations list (OCPI 2.2.1 mod_locations.asciidoc, Sender Interface) is its stored documents joined, not serialized.

The serializers (``modules.locations.serializers``) stay the one definition of the output: a document is their
output, encoded as the API renders JSON (``core.envelope.json_bytes``). It is rebuilt in the transaction of every
change that alters it (``receivers``: ``location_changed``, ``locations_written``, ``evse_status_writing``); a status
change patches it in place, in the change's own statement, when it was current before the change
(``location_document_evse_status``). As a safety net, a document whose stamp differs from its location's
``last_updated`` (every change below a location touches it) or that is missing is not served: that location is
serialized afresh instead.

Other OCPI versions convert the 2.2.1 document at the edge: ``location_document`` gives it as a dict.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection
from django.db.models import QuerySet

from chargepoints.models import EVSE, Location
from chargepoints.selectors import location_list_for_sync
from chargepoints.write_batch import WriteBatch
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


def location_document_evse_status(evse: EVSE, writes: WriteBatch) -> None:
    """On ``evse_status_writing``, before the change is written: the new status and timestamps written into the
    location's stored document in place, in the change's own round trip, when the document was current (its stamp
    equal to the location's last_updated, which the change is about to touch); otherwise (or when it lacks the EVSE)
    the whole document is rebuilt once the change is written.

    A patch is one small query (the document read with its location's stamp) and a statement of the change's batch,
    instead of a rebuild's six with the location serialized. The update applies only if the document is still the
    version that was read: a change of the same location that committed in between (the change waited for its lock
    on the location) makes it a rebuild instead. The values come from the serializer's own fields.
    """
    sql = _document_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql.read, [evse.location_id])
        stored = cursor.fetchone()
    entry = None
    if stored is not None and stored[0] == stored[2]:
        stamp, document = stored[0], orjson.loads(bytes(stored[1]))
        entry = next((item for item in document.get("evses") or () if item.get("uid") == evse.uid), None)
    if entry is None:
        writes.after(lambda: location_documents_rebuild([evse.location_id]))
        return
    values = evse_status_to_ocpi(evse)
    entry.update(values)
    document["last_updated"] = values["last_updated"]  # the change touches the location with the EVSE's timestamp
    when, then = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datetimefield_value(stamp)
    writes.add(
        sql.patch,
        [when(evse.last_updated), json_bytes(document), evse.location_id, then],
        then=lambda patched: None if patched else location_documents_rebuild([evse.location_id]),
    )


@dataclass(frozen=True)
class _DocumentSql:
    read: str
    patch: str


@functools.cache
def _document_sql() -> _DocumentSql:
    quote = connection.ops.quote_name
    documents, locations = quote(LocationDocument._meta.db_table), quote(Location._meta.db_table)
    stamp, location_id = quote("last_updated"), quote("location_id")
    # Only quoted names of our own models and placeholders; every value is a parameter.
    return _DocumentSql(
        read=(
            f"SELECT d.{stamp}, d.{quote('body')}, l.{stamp} FROM {documents} d "  # noqa: S608
            f"JOIN {locations} l ON l.{quote('id')} = d.{location_id} WHERE d.{location_id} = %s"
        ),
        patch=(
            f"UPDATE {documents} SET {stamp} = %s, {quote('body')} = %s "  # noqa: S608
            f"WHERE {location_id} = %s AND {stamp} = %s"
        ),
    )


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
