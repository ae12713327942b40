"""Subscriptions to the domain's announcements. They run inside the transaction of the change and only queue
outbox rows (through ``catalogue``); deciding what changed stays with the domain services."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete

from chargepoints.models import EVSE, Connector, Location
from chargepoints.signals import evse_status_writing, location_changed, locations_imported
from chargepoints.write_batch import WriteBatch
from tariffs.models import Tariff
from tariffs.signals import tariff_changed

from . import catalogue


def on_evse_status_writing(sender: type[EVSE], evse: EVSE, status: str, writes: WriteBatch, **kwargs: Any) -> None:
    catalogue.push_evse_status(evse=evse, status=status, writes=writes)


def on_location_changed(
    sender: type[Location],
    location: Location,
    evse: EVSE | None = None,
    connector: Connector | None = None,
    changed_fields: frozenset[str] = frozenset(),
    **kwargs: Any,
) -> None:
    catalogue.push_location_change(location=location, evse=evse, connector=connector, changed_fields=changed_fields)


def on_locations_imported(sender: type[Location], location_ids: list[int], **kwargs: Any) -> None:
    catalogue.push_locations_imported(location_ids=location_ids)


def on_tariff_changed(sender: type[Tariff], tariff: Tariff, **kwargs: Any) -> None:
    catalogue.push_tariff(tariff=tariff)


def on_tariff_deleted(sender: type[Tariff], instance: Tariff, **kwargs: Any) -> None:
    # Deletion has no domain service: Django's post_delete runs inside the delete's transaction all the same.
    catalogue.push_tariff_deleted(tariff=instance)


def connect() -> None:
    evse_status_writing.connect(on_evse_status_writing, dispatch_uid="ocpi_push.evse_status")
    location_changed.connect(on_location_changed, dispatch_uid="ocpi_push.location")
    locations_imported.connect(on_locations_imported, dispatch_uid="ocpi_push.locations_imported")
    tariff_changed.connect(on_tariff_changed, dispatch_uid="ocpi_push.tariff")
    post_delete.connect(on_tariff_deleted, sender=Tariff, dispatch_uid="ocpi_push.tariff_deleted")
