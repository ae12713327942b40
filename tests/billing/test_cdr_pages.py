"""Staff CDR pages: who may read and act, the list's filters (with the review queue) and query budget, a CDR with its
price lines, and each quality-gate and correction action posted as staff would."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from billing import cdr_views
from billing.models import Cdr, InvoiceRun
from billing.services.invoice_runs import invoice_run
from billing.services.invoices import invoice_issue
from chargepoints.roles import FINANCE, OPERATIONS
from tests.billing.invoice_builders import STANDARD, cdr_at, charger, profile, standard_tariffs, utc
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ACTIONS = ("billing:cdr_approve", "billing:cdr_void", "billing:cdr_credit", "billing:cdr_reissue")


@pytest.fixture
def ops(client):
    user = make_user("ops", group=OPERATIONS, is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def cdrs():
    """Issued CDRs for two parties in February and March, and one held for review (no energy)."""
    standard_tariffs()
    evse = charger(STANDARD, name="Uppsala Resecentrum", city="Uppsala")
    return {
        "feb": cdr_at(utc(2026, 2, 10, 9), evse=evse),
        "feb_evs": cdr_at(utc(2026, 2, 12, 9), evse=evse, party=("SE", "EVS")),
        "mar": cdr_at(utc(2026, 3, 3, 9), evse=evse),
        "held": cdr_at(utc(2026, 3, 4, 9), evse=evse, wh=0, issued=False),
    }


def listed(response) -> list[Cdr]:
    return list(response.context["page"])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Who may read and act -----------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login(client, cdrs):
    cdr = cdrs["feb"]
    urls = [reverse("billing:cdr_list"), reverse("billing:cdr_detail", args=[cdr.pk])]
    for url in urls + [reverse(name, args=[cdr.pk]) for name in ACTIONS]:
        response = client.post(url) if url not in urls else client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_users_without_cdr_permissions_get_403_and_change_nothing(client, cdrs):
    client.force_login(make_user("visitor", is_staff=True))
    held = cdrs["held"]
    assert client.get(reverse("billing:cdr_list")).status_code == 403
    assert client.get(reverse("billing:cdr_detail", args=[held.pk])).status_code == 403
    assert client.post(reverse("billing:cdr_void", args=[held.pk]), {"reason": "no"}).status_code == 403
    held.refresh_from_db()
    assert held.status == Cdr.Status.REVIEW


def test_readers_see_no_actions_and_cannot_post_them(client, cdrs):
    reader = make_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_cdr"))
    client.force_login(reader)
    held = cdrs["held"]
    response = client.get(reverse("billing:cdr_detail", args=[held.pk]))
    assert response.status_code == 200
    assert b'id="cdr-decide"' not in response.content
    assert client.post(reverse("billing:cdr_approve", args=[held.pk])).status_code == 403
    held.refresh_from_db()
    assert held.status == Cdr.Status.REVIEW


def test_operations_read_cdrs_from_the_nav_but_still_no_invoices(client, ops, cdrs):
    response = client.get(reverse("billing:cdr_list"))
    assert response.status_code == 200
    assert {"label": "CDRs", "url": "/finance/cdrs/", "active": True} in response.context["portal_nav"]
    html = response.content.decode()
    assert reverse("billing:invoice_list") not in html  # neither the finance sub-nav nor invoice columns
    assert client.get(reverse("billing:invoice_list")).status_code == 403


def test_finance_finds_cdrs_in_the_finance_nav_with_their_invoices(client, cdrs):
    client.force_login(make_user("fia", group=FINANCE))
    profile(("NL", "EMP"))
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=utc(2026, 3, 2))
    response = client.get(reverse("billing:invoice_list"))
    assert f'href="{reverse("billing:cdr_list")}"' in response.content.decode()
    listing = client.get(reverse("billing:cdr_list")).content.decode()
    invoice = cdrs["feb"].invoice_line.invoice
    assert f'href="{reverse("billing:invoice_detail", args=[invoice.pk])}"' in listing


# --- The list -----------------------------------------------------------------------------------------------------


def test_the_list_shows_every_state_newest_session_end_first_and_calls_out_the_queue(client, ops, cdrs):
    response = client.get(reverse("billing:cdr_list"))
    assert listed(response) == [cdrs["held"], cdrs["mar"], cdrs["feb_evs"], cdrs["feb"]]
    html = response.content.decode()
    assert 'id="review-callout"' in html
    assert "<b>1 CDR</b> held" in html
    feb = cdrs["feb"]
    # 09:50 UTC is 10:50 in Uppsala; UTC on hover
    assert 'title="2026-02-10 09:50:00 UTC">2026-02-10 10:50 CET</time></td>' in html
    assert f"{feb.total_cost_incl_vat:,.2f} SEK" in html
    assert "NL*EMP" in html
    assert "Uppsala Resecentrum" in html
    assert "zero energy: the vehicle drew nothing" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "REVIEW"}, ["held"]),
        ({"status": "ISSUED"}, ["mar", "feb_evs", "feb"]),
        ({"status": "VOID"}, []),
        ({"party": "SE*EVS"}, ["feb_evs"]),
        ({"period": "2026-02"}, ["feb_evs", "feb"]),
        ({"period": "2026-03", "party": "NL*EMP", "status": "ISSUED"}, ["mar"]),
    ],
)
def test_filters(client, ops, cdrs, query, expected):
    assert listed(client.get(reverse("billing:cdr_list"), query)) == [cdrs[name] for name in expected]


def test_the_period_is_the_billing_months_local_time(client, ops):
    standard_tariffs()
    evse = charger(STANDARD)
    # ends 23:20 UTC on 31 January: 00:20 on 1 February in Stockholm, so it belongs to February, as on invoices
    late = cdr_at(utc(2026, 1, 31, 22, 30), evse=evse)
    assert listed(client.get(reverse("billing:cdr_list"), {"period": "2026-02"})) == [late]
    assert listed(client.get(reverse("billing:cdr_list"), {"period": "2026-01"})) == []


def test_a_page_costs_the_same_queries_whatever_its_size(client, ops, monkeypatch, django_assert_num_queries):
    standard_tariffs()
    evse = charger(STANDARD)
    for day in range(1, 13):
        cdr_at(utc(2026, 2, day, 9), evse=evse, party=("NL", "EMP") if day % 2 else ("SE", "EVS"))
    # the request's savepoint and its release, session, user, user and group permissions, the parties, the count,
    # the page (with station and invoice joined), the review count
    for size in (2, 10):
        monkeypatch.setattr(cdr_views, "PAGE_SIZE", size)
        with django_assert_num_queries(10):
            response = client.get(reverse("billing:cdr_list"), {"period": "2026-02", "status": "ISSUED"})
        assert len(listed(response)) == size
        assert response.context["page"].paginator.count == 12


# --- A CDR --------------------------------------------------------------------------------------------------------


def test_the_detail_shows_price_lines_periods_totals_and_the_session(client, ops, cdrs):
    cdr = cdrs["feb"]
    response = client.get(reverse("billing:cdr_detail", args=[cdr.pk]))
    assert response.status_code == 200
    priced = response.context["breakdown"].priced
    assert priced.total_cost.incl_vat == cdr.total_cost_incl_vat
    assert [line.dimension for line in priced.lines] == ["FLAT", "ENERGY"]
    assert len(response.context["periods"]) == len(cdr.charging_periods)
    html = response.content.decode()
    assert f'href="{reverse("sessions:detail", args=[cdr.session_id])}"' in html
    assert f'href="{reverse("stations:detail", args=[cdr.session.location_id])}"' in html
    assert 'id="cdr-correct"' in html
    assert 'id="cdr-decide"' not in html
    assert "Credit and reissue" in html


def test_a_cdr_without_a_price_cannot_be_approved_from_its_page(client, ops):
    standard_tariffs()
    held = cdr_at(utc(2026, 2, 2, 9), evse=charger("T-MISSING"), issued=False)
    html = client.get(reverse("billing:cdr_detail", args=[held.pk])).content.decode()
    assert "No price breakdown" in html
    assert "cannot be approved" in html
    assert reverse("billing:cdr_approve", args=[held.pk]) not in html


def test_an_unknown_cdr_is_404(client, ops):
    assert client.get(reverse("billing:cdr_detail", args=[999_999])).status_code == 404


# --- Actions ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_take_posts_only(client, ops, cdrs, name):
    assert client.get(reverse(name, args=[cdrs["held"].pk])).status_code == 405


def test_approve_issues_a_held_cdr(client, ops, cdrs):
    held = cdrs["held"]
    response = client.post(reverse("billing:cdr_approve", args=[held.pk]), {"note": "Driver confirmed: no charge"})
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:cdr_detail", args=[held.pk])
    held.refresh_from_db()
    assert (held.status, held.decided_by, held.decision_note) == (Cdr.Status.ISSUED, ops, "Driver confirmed: no charge")
    assert messages_of(response) == [f"CDR {held} approved and issued."]


def test_approving_an_issued_cdr_is_refused_with_a_message(client, ops, cdrs):
    issued = cdrs["feb"]
    response = client.post(reverse("billing:cdr_approve", args=[issued.pk]))
    assert messages_of(response) == [f"CDR {issued} is issued, not held for review."]


def test_void_needs_a_reason(client, ops, cdrs):
    held = cdrs["held"]
    response = client.post(reverse("billing:cdr_void", args=[held.pk]), {"reason": ""})
    assert messages_of(response) == ["Say why the CDR is voided."]
    held.refresh_from_db()
    assert held.status == Cdr.Status.REVIEW
    response = client.post(reverse("billing:cdr_void", args=[held.pk]), {"reason": "Test plug-in by a technician"})
    held.refresh_from_db()
    assert (held.status, held.decision_note) == (Cdr.Status.VOID, "Test plug-in by a technician")
    assert messages_of(response)[-1] == f"CDR {held} voided: it will never be sent."  # after the refusal above


def test_credit_issues_a_credit_cdr_and_opens_it(client, ops, cdrs):
    original = cdrs["feb"]
    response = client.post(reverse("billing:cdr_credit", args=[original.pk]), {"reason": "Charged twice"})
    credit = Cdr.objects.get(credit_of=original)
    assert response["Location"] == reverse("billing:cdr_detail", args=[credit.pk])
    assert (credit.credit, credit.total_cost_incl_vat, credit.remark) == (
        True,
        -original.total_cost_incl_vat,
        "Charged twice",
    )
    page = client.get(response["Location"]).content.decode()
    assert "Credit CDR" in page
    assert f"the lines of {original.ocpi_id}" in page
    assert 'id="cdr-correct"' not in page  # a credit is neither credited nor reissued
    again = client.post(reverse("billing:cdr_credit", args=[original.pk]), {"reason": "again"})
    assert messages_of(again) == [f"CDR {original} has already been credited."]


def test_credit_and_reissue_credits_first_and_prices_the_corrected_energy(client, ops, cdrs):
    original = cdrs["feb"]
    response = client.post(
        reverse("billing:cdr_reissue", args=[original.pk]),
        {"reason": "Meter read 2 kWh too much", "tariff_id": "", "total_energy": "10.345"},
    )
    credit = Cdr.objects.get(credit_of=original)
    new = Cdr.objects.get(replaces=original)
    assert response["Location"] == reverse("billing:cdr_detail", args=[new.pk])
    assert (new.status, new.total_energy, new.tariff_id) == (Cdr.Status.ISSUED, Decimal("10.345"), STANDARD)
    # 5.00 flat + 3.49/kWh, 25 % VAT
    assert new.total_cost_excl_vat == Decimal("41.10")
    assert messages_of(response) == [
        f"Corrected {original}: credited it with {credit} and made {new} in its place; it is issued."
    ]
    original_page = client.get(reverse("billing:cdr_detail", args=[original.pk])).content.decode()
    assert "Credited by" in original_page
    assert "Replaced by" in original_page
    assert 'id="cdr-correct"' not in original_page


def test_a_failed_reissue_leaves_no_credit_behind(client, ops, cdrs):
    original = cdrs["feb"]
    response = client.post(
        reverse("billing:cdr_reissue", args=[original.pk]), {"reason": "Wrong tariff", "tariff_id": "T-NOPE"}
    )
    assert messages_of(response) == ["There is no tariff 'T-NOPE'."]
    assert not Cdr.objects.filter(credit_of=original).exists()
    assert not Cdr.objects.filter(replaces=original).exists()


def test_a_voided_cdr_is_reissued_with_a_tariff_without_a_credit(client, ops):
    standard_tariffs()
    held = cdr_at(utc(2026, 2, 2, 9), evse=charger("T-MISSING"), issued=False)
    client.post(reverse("billing:cdr_void", args=[held.pk]), {"reason": "No tariff on the connector"})
    page = client.get(reverse("billing:cdr_detail", args=[held.pk])).content.decode()
    assert ">Reissue</button>" in page
    client.post(
        reverse("billing:cdr_reissue", args=[held.pk]),
        {"reason": "Priced with the standard tariff", "tariff_id": STANDARD},
    )
    new = Cdr.objects.get(replaces=held)
    assert (new.status, new.tariff_id) == (Cdr.Status.ISSUED, STANDARD)
    assert new.total_cost_excl_vat is not None
    assert not Cdr.objects.filter(credit=True).exists()


def test_the_filtered_list_exports_as_csv(client, ops, cdrs):
    profile(("NL", "EMP"))
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=utc(2026, 3, 2))  # February's draft
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND, now=utc(2026, 4, 2))  # March's draft
    february = cdrs["feb"].invoice_line.invoice
    invoice_issue(invoice=february, by=ops)
    february.refresh_from_db()
    list_page = client.get(reverse("billing:cdr_list"), {"party": "NL*EMP"}).content.decode()
    assert 'href="/finance/cdrs/csv/?party=NL%2AEMP"' in list_page

    response = client.get(reverse("billing:cdr_csv"), {"party": "NL*EMP"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="cdrs-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["cdr_id"] for row in rows] == [cdrs[key].ocpi_id for key in ("held", "mar", "feb")]  # newest first
    feb = rows[-1]
    assert (feb["state"], feb["emsp_party"], feb["currency"], feb["credit"]) == ("ISSUED", "NL*EMP", "SEK", "0")
    assert feb["energy_kwh"] == "12.345"
    assert feb["total_incl_vat"] == f"{cdrs['feb'].total_cost_incl_vat:.2f}"
    assert feb["start_utc"] == "2026-02-10T09:00:00+00:00"
    assert rows[0]["state"] == "REVIEW"
    assert (feb["invoice"], rows[1]["invoice"]) == (february.number, "")  # March's invoice is still a draft


def test_the_csv_export_needs_the_cdr_permission(client, cdrs):
    assert client.get(reverse("billing:cdr_csv")).status_code == 302
    client.force_login(make_user("nobody"))
    assert client.get(reverse("billing:cdr_csv")).status_code == 403
