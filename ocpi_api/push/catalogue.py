"""What the catalogue modules push: Locations, EVSEs and Connectors (OCPI 2.2.1 mod_locations.asciidoc, Receiver
Interface) and Tariffs (mod_tariffs.asciidoc, Receiver Interface).

Bodies are built once per change from the committed-in-this-transaction state and queued for every partner with a
Receiver endpoint for the module. Locations that are not released for roaming never go out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from chargepoints.models import EVSE, Connector, Location
from chargepoints.selectors import location_list_for_sync, synced
from chargepoints.write_batch import WriteBatch
from ocpi_api.core.envelope import format_datetime
from ocpi_api.core.status import ModuleID
from ocpi_api.models import Partner
from ocpi_api.modules.locations.serializers import connector_to_ocpi, evse_to_ocpi, location_to_ocpi
from ocpi_api.modules.tariffs.serializers import TariffSerializer
from tariffs.models import Tariff
from tariffs.selectors import tariff_list

from .keys import location_key, location_path, tariff_key, tariff_path
from .models import CatalogueResend
from .selectors import push_partners
from .services import push_broadcast_add, push_enqueue, push_enqueue_many, push_resend_catalogue_start, receiver_url

LOCATIONS = ModuleID.LOCATIONS
TARIFFS = ModuleID.TARIFFS
# Model fields under their OCPI names; fields that name the object itself (ids, party) always need a PUT.
_OCPI_NAMES = {"latitude": "coordinates", "longitude": "coordinates", "twentyfourseven": "opening_times"}
_IDENTITY = frozenset({"ocpi_id", "connector_id", "uid", "country_code", "party_id"})
_CHUNK = 100
# A bulk import of up to this many locations is PUT location by location; a larger one goes to each partner as one
# catalogue resend, so that 10,000 imported locations are not 10,000 separate queue entries per partner at once.
IMPORT_PUSH_LIMIT = 50


def _broadcast(
    partners: Sequence[Partner], module: str, object_key: str, method: str, path: str, body: dict[str, Any] | None
) -> int:
    rows = push_enqueue_many(
        partners=partners, module=module, object_key=object_key, method=method, path=path, body=body
    )
    return len(rows)


def put_or_patch(obj: dict[str, Any], changed_fields: Iterable[str]) -> tuple[str, dict[str, Any]]:
    """PATCH the changed fields when each has a value to send (a PATCH cannot clear one); otherwise PUT it all."""
    changed = set(changed_fields)
    keys = {_OCPI_NAMES.get(field, field) for field in changed}
    if changed and not changed & _IDENTITY and all(key in obj for key in keys):
        return "PATCH", {**{key: obj[key] for key in sorted(keys)}, "last_updated": obj["last_updated"]}
    return "PUT", obj


def push_evse_status(*, evse: EVSE, status: str, writes: WriteBatch) -> None:
    """The most frequent push: PATCH {status, last_updated} on the EVSE, queued in the status change's own
    statement (``writes``) for every partner with a Locations Receiver."""
    location = evse.location
    if not location.roaming_enabled:
        return
    body = {"status": status, "last_updated": format_datetime(evse.last_updated)}
    path = location_path(location, evse)
    key = location_key(location)
    push_broadcast_add(writes, module=LOCATIONS, object_key=key, method="PATCH", path=path, body=body)


def push_location_change(
    *,
    location: Location,
    evse: EVSE | None = None,
    connector: Connector | None = None,
    changed_fields: Iterable[str] = (),
) -> int:
    """PUT the changed object (location, EVSE or connector), or PATCH its changed fields."""
    partners = push_partners(module=LOCATIONS)
    fresh = location_list_for_sync().filter(pk=location.pk).first() if partners else None
    if fresh is None:  # nobody to tell, or not released for roaming
        return 0
    obj: dict[str, Any]
    if evse is None:
        obj, path = location_to_ocpi(fresh), location_path(fresh)
    else:
        current = next(e for e in synced(fresh, "evses") if e.pk == evse.pk)
        if connector is None:
            obj, path = evse_to_ocpi(current), location_path(fresh, current)
        else:
            plug = next(c for c in synced(current, "connectors") if c.pk == connector.pk)
            obj, path = connector_to_ocpi(plug), location_path(fresh, current, plug)
    method, body = put_or_patch(obj, changed_fields)
    return _broadcast(partners, LOCATIONS, location_key(fresh), method, path, body)


def push_locations_imported(*, location_ids: Sequence[int]) -> int:
    """Locations a bulk import created or changed. Returns the queue rows or resend jobs it started."""
    partners = push_partners(module=LOCATIONS)
    if not partners or not location_ids:
        return 0
    if len(location_ids) <= IMPORT_PUSH_LIMIT:
        queued = 0
        for location in location_list_for_sync().filter(pk__in=location_ids):
            body = location_to_ocpi(location)
            queued += _broadcast(partners, LOCATIONS, location_key(location), "PUT", location_path(location), body)
        return queued
    started = 0
    for partner in partners:
        # A resend that has not started yet will read these locations too.
        if not CatalogueResend.objects.filter(partner=partner, status=CatalogueResend.Status.QUEUED).exists():
            push_resend_catalogue_start(partner=partner, requested_by="import_locations")
            started += 1
    return started


def push_tariff(*, tariff: Tariff) -> int:
    partners = push_partners(module=TARIFFS)
    if not partners:
        return 0
    fresh = tariff_list().get(pk=tariff.pk)
    body = TariffSerializer(fresh).data
    return _broadcast(partners, TARIFFS, tariff_key(fresh), "PUT", tariff_path(fresh), body)


def push_tariff_deleted(*, tariff: Tariff) -> int:
    return _broadcast(push_partners(module=TARIFFS), TARIFFS, tariff_key(tariff), "DELETE", tariff_path(tariff), None)


def catalogue_resend_run(*, job_id: int) -> None:
    """PUT every tariff, then every roaming location, to the job's partner, counting progress on the job.

    Tariffs go first because connectors name them. Safe to run again: a rerun starts over, and each PUT replaces the
    still-waiting rows of its object when a worker claims the queue (``coalesce``), so it is sent once.
    """
    job = CatalogueResend.objects.select_related("partner").get(pk=job_id)
    if job.status == CatalogueResend.Status.DONE:
        return
    partner = job.partner
    registered = partner.status == Partner.Status.REGISTERED
    tariffs = tariff_list() if registered and receiver_url(partner=partner, module=TARIFFS) else Tariff.objects.none()
    locations = (
        location_list_for_sync()
        if registered and receiver_url(partner=partner, module=LOCATIONS)
        else Location.objects.none()
    )
    job.total, job.done, job.status = tariffs.count() + locations.count(), 0, CatalogueResend.Status.RUNNING
    job.save(update_fields=["total", "done", "status"])
    for chunk in _chunks(tariffs.iterator(chunk_size=_CHUNK)):
        with transaction.atomic():
            for tariff in chunk:
                push_enqueue(
                    partner=partner,
                    module=TARIFFS,
                    object_key=tariff_key(tariff),
                    method="PUT",
                    path=tariff_path(tariff),
                    body=TariffSerializer(tariff).data,
                )
            _progress(job, len(chunk))
    for chunk in _chunks(locations.iterator(chunk_size=_CHUNK)):
        with transaction.atomic():
            for location in chunk:
                push_enqueue(
                    partner=partner,
                    module=LOCATIONS,
                    object_key=location_key(location),
                    method="PUT",
                    path=location_path(location),
                    body=location_to_ocpi(location),
                )
            _progress(job, len(chunk))
    job.status, job.finished_at = CatalogueResend.Status.DONE, timezone.now()
    job.save(update_fields=["status", "finished_at"])


def _chunks(items: Iterator[Any]) -> Iterator[list[Any]]:
    while chunk := list(islice(items, _CHUNK)):
        yield chunk


def _progress(job: CatalogueResend, count: int) -> None:
    job.done += count
    job.save(update_fields=["done"])
