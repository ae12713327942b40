"""Registry: the document that bills a CDR outside the eMSP invoices, named in the CDR as it is issued.

A CDR is immutable once issued, so its OCPI ``invoice_reference_id`` (OCPI 2.2.1 mod_cdrs.asciidoc, CDR object) is set
in the transaction that issues it. An app that bills some sessions itself (the payments app: the driver's receipt of
an ad hoc payment) registers a source with :func:`set_invoice_reference_source` when it loads; the source gives the
number (taking it from its gapless series in the same transaction, so a rolled-back issue gives it back) or "".
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chargepoints.models import ChargingSession

# (the CDR's session, the CDR's total cost incl. VAT) → the reference, or ""
InvoiceReferenceSource = Callable[["ChargingSession", Decimal | None], str]


def _none(session: ChargingSession, total_cost_incl_vat: Decimal | None) -> str:
    return ""


_source: InvoiceReferenceSource = _none


def set_invoice_reference_source(source: InvoiceReferenceSource) -> InvoiceReferenceSource:
    """Register the source. Returns the previous one, so tests can put it back."""
    global _source
    previous, _source = _source, source
    return previous


def invoice_reference_for(*, session: ChargingSession, total_cost_incl_vat: Decimal | None) -> str:
    """Asked just before an (original, non-credit) CDR is issued."""
    return _source(session, total_cost_incl_vat)[:39]
