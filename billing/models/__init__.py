"""Billing records. CDRs (charge detail records) come first: every invoice line is built from issued CDRs."""

# The migrations name the default callables as billing.models.<name>.
from .cdrs import Cdr, CdrInReview, CdrQuerySet, _default_country_code, _default_party_id, new_cdr_id
from .invoices import (
    INVOICE_LIFECYCLE_FIELDS,
    BillingProfile,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceLineQuerySet,
    InvoiceNumberCounter,
    InvoiceQuerySet,
    InvoiceRun,
    InvoiceStatus,
    Language,
    invoice_pdf_path,
)

__all__ = [
    "INVOICE_LIFECYCLE_FIELDS",
    "BillingProfile",
    "Cdr",
    "CdrInReview",
    "CdrQuerySet",
    "Invoice",
    "InvoiceEvent",
    "InvoiceLine",
    "InvoiceLineQuerySet",
    "InvoiceNumberCounter",
    "InvoiceQuerySet",
    "InvoiceRun",
    "InvoiceStatus",
    "Language",
    "_default_country_code",
    "_default_party_id",
    "invoice_pdf_path",
    "new_cdr_id",
]
