"""The OCPI layer's subscriptions to the domain's announcements. Each queues outbox rows, records a partner's
answer, or hands over to the service that owns the consequence, in the transaction of the change."""

from __future__ import annotations

from typing import Any

from billing.models import Cdr
from billing.signals import cdr_issued
from chargepoints.models import EVSE, ChargingSession, Location
from chargepoints.signals import (
    evse_status_changed,
    evse_status_writing,
    location_changed,
    locations_written,
    session_changed,
)
from chargepoints.write_batch import WriteBatch

from . import command_services, location_documents, pushes
from .core.status import ModuleID
from .push.models import OutboxItem
from .push.signals import push_delivered


def on_session_changed(
    sender: type[ChargingSession], session: ChargingSession, created: bool, changed_fields: frozenset[str], **_: Any
) -> None:
    pushes.session_push(session=session, created=created, changed_fields=changed_fields)


def on_cdr_issued(sender: type[Cdr], cdr: Cdr, **_: Any) -> None:
    pushes.cdr_push(cdr=cdr)


def on_evse_status_changed(sender: type[EVSE], evse: EVSE, status: str, **_: Any) -> None:
    command_services.reservations_cancel_for_evse(evse=evse, status=status)


def on_location_changed(sender: type[Location], location: Location, **_: Any) -> None:
    location_documents.location_documents_rebuild([location.pk])


def on_locations_written(sender: type[Location], location_ids: list[int], **_: Any) -> None:
    location_documents.location_documents_rebuild(location_ids)


def on_evse_status_writing(sender: type[EVSE], evse: EVSE, writes: WriteBatch, **_: Any) -> None:
    location_documents.location_document_evse_status(evse, writes)


def on_push_delivered(sender: type[OutboxItem], item: OutboxItem, **_: Any) -> None:
    if item.module == ModuleID.CDRS and item.method == OutboxItem.Method.POST:
        pushes.cdr_delivery_record(item=item)


def connect() -> None:
    session_changed.connect(on_session_changed, dispatch_uid="ocpi_api.session_push")
    cdr_issued.connect(on_cdr_issued, dispatch_uid="ocpi_api.cdr_push")
    push_delivered.connect(on_push_delivered, dispatch_uid="ocpi_api.cdr_delivered")
    evse_status_changed.connect(on_evse_status_changed, dispatch_uid="ocpi_api.reservations_cancel")
    # The stored Locations documents follow every change in its transaction (location_documents).
    location_changed.connect(on_location_changed, dispatch_uid="ocpi_api.location_document")
    locations_written.connect(on_locations_written, dispatch_uid="ocpi_api.location_documents")
    evse_status_writing.connect(on_evse_status_writing, dispatch_uid="ocpi_api.location_document_status")
