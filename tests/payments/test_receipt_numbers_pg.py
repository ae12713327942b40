"""Two ad hoc sessions ending at the same moment on PostgreSQL: their receipts take numbers 1 and 2 of the series, no
gap, no duplicate; a CDR issue that rolls back gives its number back.

The test holds the receipt series' counter row locked while both stops run in their own threads (own connections),
waits until PostgreSQL shows both blocked on it, then lets go, so the two really take their numbers at once.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from billing.models import InvoiceNumberCounter
from billing.services.invoice_numbers import next_sequence
from payments.models import PaymentState, Receipt
from payments.services import payment_begin
from tests.chargepoints.sessions_support import T0

from .support import CARD, ad_hoc_station, charge, stop

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def test_two_captures_at_once_number_their_receipts_without_gap_or_duplicate(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across connections); run with DATABASE_URL=postgres://…")
    series, year = settings.PAYMENTS_RECEIPT_SERIES, 2026
    InvoiceNumberCounter.objects.create(series=series, year=year, last_number=0)
    with transaction.atomic():  # an issue that rolls back: its number goes back
        assert next_sequence(series=series, year=year) == 1
        transaction.set_rollback(True)
    payments = [payment_begin(evse=ad_hoc_station(f"T-AH-{n}"), payment_method=CARD, now=T0) for n in range(2)]
    for payment in payments:
        assert payment.session is not None
        charge(payment.session, minutes=30, kwh="10")

    errors: list[BaseException] = []

    def stop_in_own_connection(payment) -> None:
        try:
            stop(payment.session, minutes=31)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        InvoiceNumberCounter.objects.select_for_update().get(series=series, year=year)
        threads = [threading.Thread(target=stop_in_own_connection, args=(p,)) for p in payments]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while _waiting_on_locks() < 2:
            assert time.monotonic() < deadline, "the two CDR issues never both reached the counter lock"
            assert not errors, errors
            time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    numbers = sorted(Receipt.objects.values_list("number", flat=True))
    assert numbers == [f"{series}-2026-00001", f"{series}-2026-00002"]
    for payment in payments:
        payment.refresh_from_db()
        assert payment.state == PaymentState.CAPTURED
        assert payment.captured_amount == Decimal("43.75")
        assert payment.session is not None
        assert payment.session.cdrs.get().invoice_reference_id == payment.receipt.number
