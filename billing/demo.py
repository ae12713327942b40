"""Demo invoices for `make run`: a billing profile for every eMSP party with issued CDRs, the beat schedule, an
invoice run over the periods that are over, and the invoices issued so their PDFs are ready to download.

Idempotent: profiles are kept, and the run bills nothing twice (the current month is billed when it is over).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse

from chargepoints.demo import register

from .models import BillingProfile, Cdr, Invoice, InvoiceRun
from .schedule import invoice_schedule_ensure
from .services.billing_profiles import billing_profile_get_or_create
from .services.invoice_runs import invoice_run
from .services.invoices import invoice_issue

# Known demo parties get believable details; any other party with CDRs gets a generic English profile.
DEMO_PROFILES: dict[tuple[str, str], dict[str, Any]] = {
    ("SE", "EMS"): {
        "legal_name": "Laddkompis Mobility AB",
        "street": "Sveavägen 44",
        "postal_code": "111 34",
        "city": "Stockholm",
        "country": "Sverige",
        "vat_number": "SE559012345601",
        "registration_number": "559012-3456",
        "their_reference": "Ekonomiavdelningen",
        "billing_email": "faktura@laddkompis.example",
        "language": "sv",
        "payment_terms_days": 30,
    },
}


def _profile_details(country_code: str, party_id: str) -> dict[str, Any]:
    return DEMO_PROFILES.get(
        (country_code, party_id),
        {
            "legal_name": f"eMSP {country_code}*{party_id}",
            "street": "Example Street 1",
            "postal_code": "00000",
            "city": "Example City",
            "country": country_code,
            "vat_number": f"{country_code}000000000",
            "billing_email": f"invoices@{party_id.lower()}.example",
        },
    )


@register(order=80, name="invoices")
def seed_invoices(base_url: str) -> list[str]:
    invoice_schedule_ensure()
    parties = (
        Cdr.objects.filter(status=Cdr.Status.ISSUED)
        .values_list("token_country_code", "token_party_id")
        .distinct()
        .order_by("token_country_code", "token_party_id")
    )
    if not parties:
        return [
            "Invoices: there are no CDRs yet, so nothing to invoice. Charge on a station page, then press "
            f"'Run invoicing now' at {base_url}{reverse('billing:invoice_list')}"
        ]
    for country_code, party_id in parties:
        billing_profile_get_or_create(
            country_code=country_code, party_id=party_id, defaults=_profile_details(country_code, party_id)
        )
    invoice_run(trigger=InvoiceRun.Trigger.COMMAND)
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    for draft in Invoice.objects.filter(status=Invoice.Status.DRAFT, line_count__gt=0).order_by("period_start", "pk"):
        invoice_issue(invoice=draft, by=admin)  # the PDF is rendered by the task after each commit
    issued = Invoice.objects.exclude(status=Invoice.Status.DRAFT).order_by("-issued_at", "-pk")
    latest = issued.first()
    if latest is None:
        return [
            f"Invoices: none yet: the {BillingProfile.objects.count()} billing profile(s) are billed when the "
            f"current period is over ({base_url}{reverse('billing:invoice_list')})"
        ]
    return [
        f"Invoices: {issued.count()} issued for {BillingProfile.objects.count()} eMSP party(ies), PDFs ready "
        f"(log in as finance): {base_url}{reverse('billing:invoice_list')}",
        f"  Latest, {latest}: {base_url}{reverse('billing:invoice_pdf', args=[latest.pk])}",
    ]
