"""Two invoice runs in two processes at the same moment, on PostgreSQL: every CDR is billed once, there is one invoice
per party, period and currency, and the numbers issued by both processes together run 1..N with no gap and no
duplicate.

The test holds the billing profiles' row locks while both `manage.py invoice_run --issue` processes start, waits until
PostgreSQL shows both blocked on them, then lets go, so the two really run at once rather than one after the other.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from billing.conf import billing_today
from billing.models import BillingProfile, Cdr, Invoice, InvoiceLine, InvoiceNumberCounter, InvoiceRun
from tests.billing.invoice_builders import REDUCED, STANDARD, cdr_at, charger, profile, standard_tariffs, utc

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
PARTIES = [("NL", "EMP"), ("DE", "XYZ"), ("SE", "EVS")]


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}/{db['NAME']}"


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def test_two_processes_running_and_issuing_at_once_bill_each_cdr_once_and_number_without_gaps(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across processes); run with DATABASE_URL=postgres://…")
    standard_tariffs()
    evses = [charger(STANDARD), charger(REDUCED)]
    for party in PARTIES:
        profile(party)
    cdrs = [
        cdr_at(utc(2026, month, day, 8 + i), evse=evses[i % 2], party=party)
        for party in PARTIES
        for month in (1, 2, 3)
        for i, day in enumerate((3, 11, 19))
    ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    command = [sys.executable, "manage.py", "invoice_run", "--issue"]

    with transaction.atomic():
        list(BillingProfile.objects.select_for_update())
        processes = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        deadline = time.monotonic() + 90
        while _waiting_on_locks() < 2:
            assert time.monotonic() < deadline, "the two runs never both reached the profile locks"
            assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
            time.sleep(0.1)
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs

    # Each CDR billed exactly once, on the invoice of its party and month.
    lines = InvoiceLine.objects.select_related("invoice__profile", "cdr")
    assert sorted(line.cdr_id for line in lines) == sorted(c.pk for c in cdrs)
    assert all(line.invoice.profile.party_id == line.cdr.token_party_id for line in lines)
    invoices = Invoice.objects.all()
    assert invoices.count() == len(PARTIES) * 3  # three parties, January to March, one currency
    assert all(invoice.line_count == 3 for invoice in invoices)
    # One run billed everything; the other, let in second, found nothing left.
    assert list(InvoiceRun.objects.order_by("invoices_created").values_list("invoices_created", flat=True)) == [0, 9]
    # Numbers: 1..N in the series of this year, no gap, no duplicate, and the counter agrees.
    year = billing_today().year
    numbers = list(invoices.order_by("sequence").values_list("sequence", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert sorted(invoices.values_list("number", flat=True), key=str) == [f"INV-{year}-{n:05d}" for n in numbers]
    assert InvoiceNumberCounter.objects.get(series="INV", year=year).last_number == len(numbers)
    issued_by = [out.strip().splitlines()[-1].split(": ", 1)[1].split(", ") for out, _err in outputs]
    issued_by = [[n for n in numbers_ if n != "-"] for numbers_ in issued_by]
    assert sorted(issued_by[0] + issued_by[1]) == sorted(invoices.values_list("number", flat=True), key=str)
    assert not set(issued_by[0]) & set(issued_by[1])
    assert Cdr.objects.filter(invoice_line__isnull=True).count() == 0
