"""Staff pages of a partner's deliveries, with rows made by real changes and a real loopback receiver."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from chargepoints.models import EVSE
from chargepoints.services import evse_set_status
from ocpi_api.push.keys import location_key
from ocpi_api.push.models import CatalogueResend, OutboxItem
from tariffs.services import tariff_replace
from tests.factories import finance_user, make_location, operations_user

from .conftest import receiving_partner
from .receiver import Receiver
from .test_enqueue import TARIFF

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_push")]


@pytest.fixture
def ops() -> Client:
    client = Client()
    client.force_login(operations_user())
    return client


def test_partner_page_links_its_deliveries_and_the_page_shows_queue_and_failures(
    ops: Client, receiver: Receiver, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    partner = receiving_partner(receiver)
    receiver.mode = "2001"
    with django_capture_on_commit_callbacks(execute=True):
        location = make_location()
        evse = location.evses.get()
        evse_set_status(evse=evse, status="CHARGING")
    receiver.mode = "down"
    with django_capture_on_commit_callbacks(execute=True):
        evse_set_status(evse=evse, status="AVAILABLE")

    detail = ops.get(reverse("partners:detail", args=[partner.pk])).content.decode()
    deliveries_url = reverse("ocpi_push:deliveries", args=[partner.pk])
    assert "Deliveries" in detail
    assert deliveries_url in detail

    page = ops.get(deliveries_url).content.decode()
    assert 'id="queue-depth">1<' in page
    assert "Missing required field: type" in page  # the partner's own words
    assert "OCPI 2001" in page
    assert "Could not reach" in page  # why the waiting row is retrying
    assert "Re-send the full catalogue" in page

    history = ops.get(reverse("ocpi_push:object", args=[partner.pk]), {"key": location_key(location)}).content.decode()
    assert history.count("PATCH") == 2
    assert "Rejected" in history
    assert "Will retry" in history


def test_staff_retry_a_rejected_row_and_everything_for_a_partner(
    ops: Client, receiver: Receiver, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    partner = receiving_partner(receiver)
    receiver.mode = "401"
    with django_capture_on_commit_callbacks(execute=True):
        make_location()
        evse_set_status(evse=EVSE.objects.get(), status="CHARGING")
    put, row = OutboxItem.objects.filter(status="FAILED").order_by("id")
    assert (put.method, row.method) == ("PUT", "PATCH")
    receiver.mode = "up"
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(reverse("ocpi_push:retry", args=[partner.pk, row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    # The partner never got the location (its PUT was rejected too), so it refuses the PATCH with a 404: a PUT of the
    # whole location takes its place and is delivered.
    assert row.status == "SUPERSEDED"
    assert "PUTs it whole" in row.response_message
    with django_capture_on_commit_callbacks(execute=True):
        ops.post(reverse("ocpi_push:retry_all", args=[partner.pk]))
    assert set(OutboxItem.objects.values_list("status", flat=True)) == {"DELIVERED", "SUPERSEDED"}
    evse = receiver.evse(next(iter(receiver.locations)), EVSE.objects.get().uid)
    assert evse is not None
    assert evse["status"] == "CHARGING"


def test_full_catalogue_resend_runs_as_a_task_and_shows_progress(
    ops: Client, receiver: Receiver, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    locations = [make_location() for _ in range(3)]
    make_location(roaming_enabled=False)
    tariff_replace(data=TARIFF)
    partner = receiving_partner(receiver)
    with django_capture_on_commit_callbacks(execute=True):
        response = ops.post(reverse("ocpi_push:resend", args=[partner.pk]))
    assert response.status_code == 302
    job = CatalogueResend.objects.get()
    assert (job.status, job.done, job.total, job.percent, job.requested_by) == ("DONE", 4, 4, 100, "ops")
    assert sorted(receiver.locations) == sorted(f"SE/CPO/{loc.ocpi_id}" for loc in locations)
    assert list(receiver.tariffs) == ["SE/CPO/AC-1"]
    # Tariffs go first: connectors name them.
    assert receiver.calls[0].path == "tariffs/SE/CPO/AC-1"
    progress = ops.get(reverse("ocpi_push:resend_progress", args=[partner.pk, job.pk])).content.decode()
    assert "4 of 4 objects queued" in progress
    assert "hx-trigger" not in progress  # finished: no more polling
    CatalogueResend.objects.filter(pk=job.pk).update(status="RUNNING", done=1)
    assert (
        'hx-trigger="every 2s"'
        in ops.get(reverse("ocpi_push:resend_progress", args=[partner.pk, job.pk])).content.decode()
    )


def test_pages_need_the_delivery_permissions(receiver: Receiver) -> None:
    partner = receiving_partner(receiver)
    client = Client()
    client.force_login(finance_user())
    assert client.get(reverse("ocpi_push:deliveries", args=[partner.pk])).status_code == 403
    assert client.post(reverse("ocpi_push:retry_all", args=[partner.pk])).status_code == 403
    assert Client().get(reverse("ocpi_push:deliveries", args=[partner.pk])).status_code == 302  # to the login
