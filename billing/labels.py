"""Invoice wording and number formats in the partner's language (Swedish or English).

Explicit dictionaries rather than gettext catalogues: the invoice language follows the billing profile, not the
person looking at the portal, and the wording is part of the document, checked in its tests.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "draft": "Draft",
        "draft_notice": "Draft — not a valid invoice",
        "number": "Invoice number",
        "credit_note_number": "Credit note number",
        "invoice_date": "Invoice date",
        "due_date": "Due date",
        "period": "Period",
        "payment_terms": "Payment terms",
        "days_net": "{days} days net",
        "customer": "Customer",
        "customer_number": "Customer number",
        "your_reference": "Your reference",
        "our_reference": "Our reference",
        "vat_number": "VAT no.",
        "registration_number": "Reg. no.",
        "credits_invoice": "Credits invoice",
        "lines": "Charging sessions",
        "date": "Date",
        "location": "Location",
        "evse": "EVSE",
        "energy": "Energy",
        "duration": "Duration",
        "excl_vat": "Excl. VAT",
        "vat": "VAT",
        "incl_vat": "Incl. VAT",
        "vat_rate": "VAT rate",
        "no_vat": "No VAT / mixed rates",
        "vat_summary": "VAT summary",
        "subtotal": "Total excl. VAT",
        "total_vat": "Total VAT",
        "total": "Total to pay",
        "total_credit": "Total credited",
        "payment": "Payment",
        "bankgiro": "Bankgiro",
        "iban": "IBAN",
        "bic": "BIC",
        "payment_reference": "Payment reference (OCR)",
        "pay_by": "Please pay {amount} {currency} by {date}, quoting the payment reference.",
        "credit_settlement": "The credited amount is settled against open invoices or refunded.",
        "late_mark": "late",
        "late_note": "Late: a session from an earlier period whose CDR reached us after that period was invoiced.",
        "credit_mark": "credit",
        "credit_line_note": "Credit: a credit CDR that cancels a CDR.",
        "sessions_count": "{count} sessions",
        "annex": "Annex: charge detail records (CDRs)",
        "annex_intro": (
            "Every CDR on this {document}, as sent to you over OCPI. Times are the station's local time ({zone})."
        ),
        "cdr_id": "CDR id",
        "session_time": "Start – end",
        "token": "Token (contract id)",
        "auth": "Authorization",
        "tariff": "Tariff",
        "charging": "Charging",
        "parking": "Parking",
        "cost_excl_vat": "Cost excl. VAT",
        "time": "Time",
        "fixed": "Fixed",
        "page": "Page",
        "of": "of",
        "seller_footer_vat": "VAT reg. no.",
        "f_tax": "Approved for F-tax",
        "registered_office": "Registered office",
        "email_subject": "{document} {number} from {seller}",
        "email_body": (
            "Hello,\n\nPlease find attached {document_lower} {number} for the charging sessions of your drivers"
            " in the period {period}.\n\nAmount: {amount} {currency}\nDue date: {due_date}\n"
            "Payment reference (OCR): {reference}\n\nThe CSV file lists the same lines for your records.\n\n"
            "Kind regards,\n{seller}\n"
        ),
    },
    "sv": {
        "invoice": "Faktura",
        "credit_note": "Kreditfaktura",
        "draft": "Utkast",
        "draft_notice": "Utkast — inte en giltig faktura",
        "number": "Fakturanummer",
        "credit_note_number": "Kreditfakturanummer",
        "invoice_date": "Fakturadatum",
        "due_date": "Förfallodatum",
        "period": "Period",
        "payment_terms": "Betalningsvillkor",
        "days_net": "{days} dagar netto",
        "customer": "Kund",
        "customer_number": "Kundnummer",
        "your_reference": "Er referens",
        "our_reference": "Vår referens",
        "vat_number": "Momsreg.nr",
        "registration_number": "Org.nr",
        "credits_invoice": "Krediterar faktura",
        "lines": "Laddsessioner",
        "date": "Datum",
        "location": "Plats",
        "evse": "Laddpunkt",
        "energy": "Energi",
        "duration": "Tid",
        "excl_vat": "Exkl. moms",
        "vat": "Moms",
        "incl_vat": "Inkl. moms",
        "vat_rate": "Momssats",
        "no_vat": "Ingen moms / blandade satser",
        "vat_summary": "Momsspecifikation",
        "subtotal": "Summa exkl. moms",
        "total_vat": "Summa moms",
        "total": "Att betala",
        "total_credit": "Krediterat belopp",
        "payment": "Betalning",
        "bankgiro": "Bankgiro",
        "iban": "IBAN",
        "bic": "BIC",
        "payment_reference": "OCR-nummer",
        "pay_by": "Vänligen betala {amount} {currency} senast {date} och ange OCR-numret.",
        "credit_settlement": "Det krediterade beloppet kvittas mot öppna fakturor eller betalas tillbaka.",
        "late_mark": "sen",
        "late_note": "Sen: en session från en tidigare period vars CDR kom till oss efter att perioden fakturerats.",
        "credit_mark": "kredit",
        "credit_line_note": "Kredit: en kredit-CDR som makulerar en CDR.",
        "sessions_count": "{count} sessioner",
        "annex": "Bilaga: laddposter (CDR)",
        "annex_intro": (
            "Alla CDR:er på denna {document}, så som de skickats till er via OCPI. "
            "Tiderna är laddstationens lokala tid ({zone})."
        ),
        "cdr_id": "CDR-id",
        "session_time": "Start – slut",
        "token": "Token (avtals-id)",
        "auth": "Auktorisering",
        "tariff": "Tariff",
        "charging": "Laddning",
        "parking": "Parkering",
        "cost_excl_vat": "Kostnad exkl. moms",
        "time": "Tid",
        "fixed": "Fast",
        "page": "Sida",
        "of": "av",
        "seller_footer_vat": "Momsreg.nr",
        "f_tax": "Godkänd för F-skatt",
        "registered_office": "Styrelsens säte",
        "email_subject": "{document} {number} från {seller}",
        "email_body": (
            "Hej,\n\nBifogat finns {document_lower} {number} för era kunders laddsessioner under perioden {period}."
            "\n\nBelopp: {amount} {currency}\nFörfallodatum: {due_date}\nOCR-nummer: {reference}\n\n"
            "CSV-filen innehåller samma rader för er bokföring.\n\nMed vänliga hälsningar,\n{seller}\n"
        ),
    },
}

# Swedish groups thousands with a (no-break) space and uses a decimal comma; English uses comma and point.
_SEPARATORS = {"en": (",", "."), "sv": ("\u00a0", ",")}


def labels_for(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["en"])


def format_decimal(value: Decimal, language: str, places: int = 2) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"
    group, point = _SEPARATORS.get(language, _SEPARATORS["en"])
    return text.replace(",", "\x00").replace(".", point).replace("\x00", group)


def format_money(value: Decimal, language: str) -> str:
    return format_decimal(value, language, 2)


def format_hours(hours: Decimal) -> str:
    """A duration given in hours as h:mm, e.g. 1.25 → 1:15."""
    minutes = int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{minutes // 60}:{minutes % 60:02d}"


def format_period(start: date, end_inclusive: date) -> str:
    return f"{start:%Y-%m-%d} – {end_inclusive:%Y-%m-%d}"


def local_dates(start: datetime, end: datetime, zone: tzinfo) -> tuple[date, date]:
    """A period's first and last local day, from its bounds (the end is exclusive)."""
    return start.astimezone(zone).date(), (end.astimezone(zone) - timedelta(microseconds=1)).date()
