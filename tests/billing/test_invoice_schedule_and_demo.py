"""The beat schedule that runs invoicing (created by migration, editable by staff) and the demo seeder."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from billing.demo import seed_invoices
from billing.models import BillingProfile, Invoice, InvoiceRun
from billing.schedule import SCHEDULE_NAME, invoice_schedule_ensure
from billing.tasks import invoice_run_task
from config.celery import app
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_schedule_exists_after_migrating_and_names_a_registered_task():
    task = PeriodicTask.objects.get(name=SCHEDULE_NAME)
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("3", "0", "Europe/Stockholm")
    assert task.task in app.tasks
    assert invoice_schedule_ensure() == task  # idempotent


def test_staff_may_edit_the_schedule_and_a_deleted_one_comes_back(client):
    from chargepoints.roles import FINANCE

    client.force_login(make_user("fia", group=FINANCE, is_staff=True))
    task = PeriodicTask.objects.get(name=SCHEDULE_NAME)
    page = client.get("/finance/invoices/").content.decode()
    assert f"/admin/django_celery_beat/periodictask/{task.pk}/change/" in page
    assert client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/").status_code == 200
    task.delete()
    assert invoice_schedule_ensure().name == SCHEDULE_NAME


def test_the_scheduled_task_runs_invoicing():
    standard_tariffs()
    profile()
    cdr_at(timezone.now() - timedelta(days=62), evse=charger(STANDARD))
    run = InvoiceRun.objects.get(pk=invoice_run_task.delay().get())
    assert run.trigger == InvoiceRun.Trigger.SCHEDULE
    assert run.invoices_created == 1


def test_the_demo_says_so_when_there_are_no_cdrs():
    lines = seed_invoices("http://127.0.0.1:8000")
    assert len(lines) == 1
    assert "no CDRs yet" in lines[0]
    assert not BillingProfile.objects.exists()


def test_the_demo_makes_profiles_and_issued_invoices_with_pdfs(django_capture_on_commit_callbacks):
    make_user("admin", is_superuser=True, is_staff=True)
    standard_tariffs()
    evse = charger(STANDARD)
    cdr_at(timezone.now() - timedelta(days=45), evse=evse, party=("SE", "EMS"))
    cdr_at(timezone.now() - timedelta(days=50), evse=evse, party=("NL", "ABC"))
    with django_capture_on_commit_callbacks(execute=True):
        lines = seed_invoices("http://127.0.0.1:8000")
    assert BillingProfile.objects.get(party_id="EMS").legal_name == "Laddkompis Mobility AB"
    assert BillingProfile.objects.get(party_id="ABC").language == "en"
    issued = Invoice.objects.exclude(status=Invoice.Status.DRAFT)
    assert issued.count() == Invoice.objects.count() >= 2
    assert all(invoice.pdf for invoice in issued)
    assert lines[0].startswith(f"Invoices: {issued.count()} issued")
    assert "/finance/invoices/" in lines[1]
    assert lines[1].endswith("/pdf/")
    with django_capture_on_commit_callbacks(execute=True):
        again = seed_invoices("http://127.0.0.1:8000")  # idempotent
    assert Invoice.objects.count() == issued.count()
    assert again[0] == lines[0]
