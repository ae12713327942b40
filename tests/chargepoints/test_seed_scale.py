"""`manage.py seed_scale`: a consistent network in bulk, spread over time and parties, seeded once per database."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import Cdr, Invoice, InvoiceLine
from chargepoints.models import EVSE, ChargingSession, Connector, EvseStatusPeriod, Location
from chargepoints.sessions.enums import SessionStatus
from ocpp_gateway.models import Charger

pytestmark = pytest.mark.django_db


def test_it_seeds_stations_sessions_cdrs_and_invoices_that_agree():
    out = StringIO()
    call_command("seed_scale", locations=40, sessions=600, invoices=30, stdout=out, stderr=StringIO())
    assert Location.objects.count() == 40
    assert 80 <= EVSE.objects.count() <= 160
    assert Connector.objects.count() == EVSE.objects.count()
    assert ChargingSession.objects.count() == 600
    open_sessions = ChargingSession.objects.filter(status=SessionStatus.ACTIVE)
    assert open_sessions.count() == open_sessions.values("evse").distinct().count() > 0
    completed = ChargingSession.objects.filter(status=SessionStatus.COMPLETED)
    assert Cdr.objects.count() == completed.count()
    assert ChargingSession.objects.values("token_party_id").distinct().count() > 10
    months = {session.start_date_time.strftime("%Y-%m") for session in ChargingSession.objects.all()}
    assert len(months) >= 12
    assert 0 < Invoice.objects.count() <= 30
    for invoice in Invoice.objects.all():
        lines = InvoiceLine.objects.filter(invoice=invoice)
        assert lines.count() == invoice.line_count
        assert sum(line.amount_incl_vat for line in lines) == invoice.total_incl_vat
    charger = Charger.objects.get()  # one per 100 locations, serving the first one's EVSEs
    assert charger.connectors.count() == EVSE.objects.filter(location=Location.objects.order_by("id")[0]).count()
    assert charger.messages.count() == 100
    assert "Seeded in" in out.getvalue()
    # The status history: each EVSE's open period is the status it holds, after 30 days of history.
    open_periods = EvseStatusPeriod.objects.filter(until__isnull=True)
    assert sorted(open_periods.values_list("evse", "status")) == sorted(EVSE.objects.values_list("pk", "status"))
    assert EvseStatusPeriod.objects.filter(status="CHARGING").values("evse").distinct().count() == EVSE.objects.count()


def test_a_second_run_refuses_rather_than_doubling_the_network():
    call_command("seed_scale", locations=2, sessions=5, invoices=1, stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="already holds a scale data set"):
        call_command("seed_scale", locations=2, sessions=5, invoices=1, stdout=StringIO(), stderr=StringIO())
