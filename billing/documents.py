"""The invoice as documents: the PDF (WeasyPrint from a Django template, with the bundled font), the CSV of its lines
and the e-mail text, all in the invoice's language: the billing profile's, copied onto the invoice, whoever renders it.
The wording is gettext's under context "invoice" (the document's terms, apart from the portal's), rendered under
``translation.override(invoice.language)``; the numbers are billing.formats'."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import pgettext

from .conf import billing_zone, seller_details
from .formats import format_decimal, format_hours, format_money, format_period, local_dates
from .models import Cdr, Invoice, InvoiceLine
from .selectors.invoices import VatGroup, invoice_lines, invoice_vat_summary

FONT_FILES = {
    "regular": "fonts/DejaVuSansCondensed.ttf",
    "bold": "fonts/DejaVuSansCondensed-Bold.ttf",
}


def _font_urls() -> dict[str, str]:
    urls = {}
    for name, relative in FONT_FILES.items():
        found = finders.find(relative)
        if not found:
            raise FileNotFoundError(f"The invoice font {relative} is missing from the static files.")
        urls[name] = Path(str(found)).resolve().as_uri()
    return urls


@dataclass(frozen=True)
class LineRow:
    date: str
    location: str
    place: str
    evse: str
    energy: str
    duration: str
    excl: str
    vat: str
    incl: str
    late: bool
    credit: bool


@dataclass(frozen=True)
class AnnexRow:
    cdr_id: str
    times: str
    token: str
    auth: str
    tariff: str
    energy: str
    charging: str
    parking: str
    energy_cost: str
    time_cost: str
    parking_cost: str
    fixed_cost: str
    excl: str
    incl: str
    marks: str


def _money(value: Decimal | None, language: str) -> str:
    return format_money(value, language) if value is not None else "–"


def _station_zone(cdr: Cdr) -> ZoneInfo:
    """Charging times are shown in the station's own zone, as on the CDR and invoice pages (the session is loaded with
    its location by `invoice_lines`)."""
    return ZoneInfo(cdr.session.location.time_zone)


def _line_rows(lines: list[InvoiceLine], language: str) -> list[LineRow]:
    rows = []
    for line in lines:
        cdr = line.cdr
        rows.append(
            LineRow(
                date=f"{cdr.start_date_time.astimezone(_station_zone(cdr)):%Y-%m-%d}",
                location=cdr.location_name or cdr.location_address,
                place=", ".join(
                    part
                    for part in (cdr.location_address, cdr.location_city)
                    if part and part != (cdr.location_name or cdr.location_address)
                ),
                evse=cdr.evse_id,
                energy=format_decimal(cdr.total_energy, language, 2),
                duration=format_hours(cdr.total_time),
                excl=format_money(line.amount_excl_vat, language),
                vat=format_money(line.vat_amount, language),
                incl=format_money(line.amount_incl_vat, language),
                late=line.late,
                credit=cdr.credit,
            )
        )
    return rows


def _annex_rows(lines: list[InvoiceLine], language: str) -> list[AnnexRow]:
    rows = []
    for line in lines:
        cdr: Cdr = line.cdr
        zone = _station_zone(cdr)
        start, end = cdr.start_date_time.astimezone(zone), cdr.end_date_time.astimezone(zone)
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
        marks = [pgettext("invoice", "late")] if line.late else []
        if cdr.credit:
            marks.append(f"{pgettext('invoice', 'credit')} ← {cdr.credit_reference_id}")
        rows.append(
            AnnexRow(
                cdr_id=cdr.ocpi_id,
                times=f"{start:%Y-%m-%d %H:%M} – {end_text}",
                token=cdr.token_contract_id or cdr.token_uid,
                auth=" ".join(part for part in (cdr.auth_method, cdr.authorization_reference) if part),
                tariff=cdr.tariff_id,
                energy=format_decimal(cdr.total_energy, language, 3),
                charging=format_hours(cdr.total_time - cdr.total_parking_time),
                parking=format_hours(cdr.total_parking_time),
                energy_cost=_money(cdr.total_energy_cost_excl_vat, language),
                time_cost=_money(cdr.total_time_cost_excl_vat, language),
                parking_cost=_money(cdr.total_parking_cost_excl_vat, language),
                fixed_cost=_money(cdr.total_fixed_cost_excl_vat, language),
                excl=format_money(line.amount_excl_vat, language),
                incl=format_money(line.amount_incl_vat, language),
                marks=", ".join(marks),
            )
        )
    return rows


def _vat_rows(groups: list[VatGroup], language: str) -> list[dict[str, str]]:
    return [
        {
            "rate": f"{format_decimal(g.rate, language, 2).rstrip('0').rstrip(',.')} %"
            if g.rate is not None
            else pgettext("invoice", "No VAT / mixed rates"),
            "excl": format_money(g.excl_vat, language),
            "vat": format_money(g.vat, language),
            "incl": format_money(g.incl_vat, language),
        }
        for g in groups
    ]


def document_title(invoice: Invoice) -> str:
    """The document's name in the active language (callers render under the invoice's)."""
    return pgettext("invoice", "Credit note") if invoice.is_credit_note else pgettext("invoice", "Invoice")


def invoice_period_text(invoice: Invoice) -> str:
    return format_period(*local_dates(invoice.period_start, invoice.period_end, billing_zone()))


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    """The PDF template's context; call it under ``translation.override(invoice.language)``, as invoice_html does."""
    language = invoice.language
    lines = list(invoice_lines(invoice=invoice))
    draft = invoice.status == Invoice.Status.DRAFT
    seller = invoice.seller or seller_details()
    return {
        "invoice": invoice,
        "lang": language,
        "draft": draft,
        "title": document_title(invoice),
        "seller": seller,
        "period": invoice_period_text(invoice),
        "terms": pgettext("invoice", "%(days)s days net") % {"days": invoice.payment_terms_days},
        "customer_number": f"{invoice.profile.country_code}-{invoice.profile.party_id}",
        "rows": _line_rows(lines, language),
        "annex": _annex_rows(lines, language),
        "vat_rows": _vat_rows(invoice_vat_summary(invoice=invoice), language),
        "has_late": any(line.late for line in lines),
        "has_credit": any(line.cdr.credit for line in lines),
        "total_excl": format_money(invoice.total_excl_vat, language),
        "total_vat": format_money(invoice.total_vat, language),
        "total_incl": format_money(invoice.total_incl_vat, language),
        "pay_by": pgettext("invoice", "Please pay %(amount)s %(currency)s by %(date)s, quoting the payment reference.")
        % {
            "amount": format_money(invoice.total_incl_vat, language),
            "currency": invoice.currency,
            "date": f"{invoice.due_date:%Y-%m-%d}" if invoice.due_date else "–",
        },
        "annex_intro": _annex_intro(invoice, lines),
        "fonts": _font_urls(),
    }


def _annex_intro(invoice: Invoice, lines: list[InvoiceLine]) -> str:
    zone = ", ".join(sorted({_station_zone(line.cdr).key for line in lines} or {settings.BILLING_TIME_ZONE}))
    if invoice.is_credit_note:
        text = pgettext(
            "invoice",
            "Every CDR on this credit note, as sent to you over OCPI. Times are the station's local time (%(zone)s).",
        )
    else:
        text = pgettext(
            "invoice",
            "Every CDR on this invoice, as sent to you over OCPI. Times are the station's local time (%(zone)s).",
        )
    return text % {"zone": zone}


def invoice_html(invoice: Invoice) -> str:
    with translation.override(invoice.language):
        return render_to_string("billing/pdf/invoice.html", invoice_context(invoice))


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes. Drafts render too (marked as drafts) for review; only issued ones are stored."""
    return html_pdf(invoice_html(invoice))


def html_pdf(html: str) -> bytes:
    """A document rendered from HTML by WeasyPrint; its template takes the bundled fonts from :func:`pdf_fonts`."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    document: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=FontConfiguration())
    return document


def pdf_fonts() -> dict[str, str]:
    """The bundled font files as URLs, for a PDF template's @font-face rules."""
    return _font_urls()


CSV_HEADER = [
    "document",
    "number",
    "line",
    "cdr_id",
    "start_date_time",
    "end_date_time",
    "location_id",
    "location_name",
    "address",
    "city",
    "country",
    "evse_id",
    "token_contract_id",
    "energy_kwh",
    "duration_hours",
    "parking_hours",
    "currency",
    "amount_excl_vat",
    "vat_rate",
    "vat_amount",
    "amount_incl_vat",
    "late",
    "credit",
    "credit_reference_id",
]


def invoice_csv(invoice: Invoice) -> str:
    """The invoice's lines, one row per CDR, machine-readable (ISO times in UTC, decimal points, two decimals)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    cent = Decimal("0.01")
    for position, line in enumerate(invoice_lines(invoice=invoice), start=1):
        cdr = line.cdr
        writer.writerow(
            [
                invoice.kind,
                invoice.number or f"DRAFT-{invoice.pk}",
                position,
                cdr.ocpi_id,
                cdr.start_date_time.isoformat(),
                cdr.end_date_time.isoformat(),
                cdr.location_id,
                cdr.location_name,
                cdr.location_address,
                cdr.location_city,
                cdr.location_country,
                cdr.evse_id,
                cdr.token_contract_id,
                cdr.total_energy.normalize(),
                cdr.total_time.normalize(),
                cdr.total_parking_time.normalize(),
                invoice.currency,
                line.amount_excl_vat.quantize(cent),
                "" if line.vat_rate is None else line.vat_rate.normalize(),
                line.vat_amount.quantize(cent),
                line.amount_incl_vat.quantize(cent),
                int(line.late),
                int(cdr.credit),
                cdr.credit_reference_id,
            ]
        )
    return out.getvalue()


CDR_CSV_HEADER = [
    "cdr_id",
    "state",
    "credit",
    "credit_reference_id",
    "emsp_party",
    "contract_id",
    "start_utc",
    "end_utc",
    "location_id",
    "location_name",
    "location_city",
    "location_country",
    "evse_id",
    "energy_kwh",
    "time_h",
    "parking_h",
    "currency",
    "total_excl_vat",
    "total_incl_vat",
    "tariff_id",
    "invoice",
]


def cdrs_csv_rows(cdrs: Iterable[Cdr]) -> Iterator[str]:
    """CDRs as CSV text, a row at a time, so that a year of them streams without being held in memory."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow(CDR_CSV_HEADER)
    yield flush()
    cent = Decimal("0.01")
    for cdr in cdrs:
        line = getattr(cdr, "invoice_line", None)
        writer.writerow(
            [
                cdr.ocpi_id,
                cdr.status,
                int(cdr.credit),
                cdr.credit_reference_id,
                f"{cdr.token_country_code}*{cdr.token_party_id}",
                cdr.token_contract_id,
                cdr.start_date_time.isoformat(),
                cdr.end_date_time.isoformat(),
                cdr.location_id,
                cdr.location_name,
                cdr.location_city,
                cdr.location_country,
                cdr.evse_id,
                cdr.total_energy.normalize(),
                cdr.total_time.normalize(),
                cdr.total_parking_time.normalize(),
                cdr.currency,
                "" if cdr.total_cost_excl_vat is None else cdr.total_cost_excl_vat.quantize(cent),
                "" if cdr.total_cost_incl_vat is None else cdr.total_cost_incl_vat.quantize(cent),
                cdr.tariff_id,
                line.invoice.number if line is not None and line.invoice.number else "",
            ]
        )
        yield flush()


def invoice_email_text(invoice: Invoice) -> tuple[str, str]:
    """The e-mail's subject and body in the invoice's language."""
    with translation.override(invoice.language):
        title = document_title(invoice)
        seller = (invoice.seller or seller_details())["name"]
        subject = pgettext("invoice", "%(document)s %(number)s from %(seller)s") % {
            "document": title,
            "number": invoice.number,
            "seller": seller,
        }
        values = {
            "number": invoice.number,
            "period": invoice_period_text(invoice),
            "amount": format_money(invoice.total_incl_vat, invoice.language),
            "currency": invoice.currency,
            "due_date": f"{invoice.due_date:%Y-%m-%d}" if invoice.due_date else "–",
            "reference": invoice.payment_reference,
            "seller": seller,
        }
        if invoice.is_credit_note:
            body = pgettext(
                "invoice",
                "Hello,\n\nPlease find attached credit note %(number)s for the charging sessions of your drivers"
                " in the period %(period)s.\n\nAmount: %(amount)s %(currency)s\n\n"
                "The CSV file lists the same lines for your records.\n\nKind regards,\n%(seller)s\n",
            )
        else:
            body = pgettext(
                "invoice",
                "Hello,\n\nPlease find attached invoice %(number)s for the charging sessions of your drivers"
                " in the period %(period)s.\n\nAmount: %(amount)s %(currency)s\nDue date: %(due_date)s\n"
                "Payment reference (OCR): %(reference)s\n\nThe CSV file lists the same lines for your records.\n\n"
                "Kind regards,\n%(seller)s\n",
            )
        return subject, body % values
