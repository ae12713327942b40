"""Each roaming location's OCPI 2.2.1 Location object, kept encoded (``LocationDocument``), so that a page of the
Locations list (OCPI 2.2.1 mod_locations.asciidoc, Sender Interface) is its stored documents joined, not serialized.

The serializers (``modules.locations.serializers``) stay the one definition of the output: a document is their
output, encoded as the API renders JSON (``core.envelope.json_bytes``). It is rebuilt in the transaction of every
change that alters it (``receivers``: ``location_changed``, ``locations_written``, ``evse_status_changed``). A
status change rebuilds the whole document rather than patching the stored one: a patch could not tell whether the
document was current before it, and would make one that missed a change look current. As a
safety net, a document whose stamp differs from its location's ``last_updated`` (every change below a location
touches it) or that is missing is not served: that location is serialized afresh instead.

Other OCPI versions convert the 2.2.1 document at the edge: ``location_document`` gives it as a dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from chargepoints.models import Location
from chargepoints.selectors import location_list_for_sync
from ocpi_api.core.envelope import json_bytes
from ocpi_api.modules.locations.serializers import location_to_ocpi

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


def location_documents_for_page(rows: Sequence[tuple[int, datetime]]) -> list[bytes]:
    """The encoded documents of a page's locations, given as (id, last_updated) in page order: the stored ones,
    or, for any missing or out of date, the serializer's output now."""
    ids = [pk for pk, _ in rows]
    stored = {
        pk: (stamp, bytes(body))
        for pk, stamp, body in LocationDocument.objects.filter(location_id__in=ids).values_list(
            "location_id", "last_updated", "body"
        )
    }
    stale = {pk for pk, last_updated in rows if pk not in stored or stored[pk][0] != last_updated}
    fresh = {}
    if stale:
        fresh = {location.pk: _encoded(location) for location in location_list_for_sync().filter(pk__in=stale)}
    documents = []
    for pk, _ in rows:
        if pk not in stale:
            documents.append(stored[pk][1])
        elif pk in fresh:  # else it stopped roaming since the page's ids were read
            documents.append(fresh[pk])
    return documents


def location_document_bytes(location_id: int) -> bytes | None:
    """A roaming location's OCPI 2.2.1 document as the Locations module serves it, or None when it is not served."""
    last_updated = Location.objects.filter(pk=location_id, roaming_enabled=True).values_list("last_updated", flat=True)
    rows = [(location_id, stamp) for stamp in last_updated]
    documents = location_documents_for_page(rows) if rows else []
    return documents[0] if documents else None


def location_document(location_id: int) -> dict[str, Any] | None:
    """``location_document_bytes`` decoded: the OCPI 2.2.1 Location object, for converting to another version."""
    encoded = location_document_bytes(location_id)
    return None if encoded is None else dict(orjson.loads(encoded))


def _encoded(location: Location) -> bytes:
    return json_bytes(location_to_ocpi(location))
