"""Driver receipts (B2C): their own gapless number series, the amount split by VAT rate, as PDF and e-mail.

The number comes from billing's invoice-number counter (``billing.services.invoice_numbers``: a counter row per series
and year, locked until the transaction ends) in the series ``PAYMENTS_RECEIPT_SERIES``. It is taken when the CDR is
issued, in its transaction (``billing.references``; a CDR is immutable once issued), and the CDR carries it as its
OCPI ``invoice_reference_id``: a rolled-back issue gives it back, and two at once never share one. The receipt row
follows in the same transaction (on ``cdr_issued``), for the amount then captured: min(CDR total, hold). The PDF is
rendered the way invoices are (``billing.documents.html_pdf``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.conf import billing_zone, seller_details
from billing.documents import html_pdf, pdf_fonts
from billing.models import Cdr
from billing.services.invoice_numbers import format_invoice_number, next_sequence
from chargepoints.enums import TokenType
from chargepoints.models import ChargingSession
from chargepoints.sessions.pricing import price_periods
from chargepoints.sessions.tariffs import tariff_from_snapshot
from tariffs.currencies import MINOR_UNITS

from .models import AdHocPayment, PaymentEvent, PaymentState, Receipt


def vat_split(*, cdr: Cdr, amount: Decimal, currency: str) -> list[dict[str, str]]:
    """``amount`` (incl. VAT) split by the VAT rates of the CDR's price lines, in proportion to their share of the
    CDR's cost incl. VAT (the whole cost unless the hold capped it). The last rate takes the rounding rest."""
    places = Decimal(1).scaleb(-MINOR_UNITS[currency])
    by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    if cdr.tariff_snapshot is not None:
        priced = price_periods(
            tariff=tariff_from_snapshot(cdr.tariff_snapshot),
            start=cdr.start_date_time,
            periods=cdr.period_facts(),
            time_zone=cdr.session.location.time_zone,
        )
        for line in priced.lines:
            if line.incl_vat:
                by_rate[line.vat or Decimal(0)] += line.incl_vat
    total = sum(by_rate.values(), Decimal(0))
    if not total:
        by_rate, total = {Decimal(0): amount}, amount
    rows, left = [], amount
    rates = sorted(by_rate)
    for index, rate in enumerate(rates):
        incl = left if index == len(rates) - 1 else (amount * by_rate[rate] / total).quantize(places, ROUND_HALF_UP)
        left -= incl
        excl = (incl / (1 + rate / 100)).quantize(places, ROUND_HALF_UP)
        rows.append(
            {"vat": f"{rate.normalize():f}", "excl": str(excl), "vat_amount": str(incl - excl), "incl": str(incl)}
        )
    return rows


def receipt_number_for(session: ChargingSession, total_cost_incl_vat: Decimal | None) -> str:
    """The CDR's invoice reference (``billing.references``): a receipt number for an ad hoc session with something
    to capture, taken from the series in the CDR's issuing transaction; "" for any other CDR."""
    from .services import capture_amount

    if session.token_type != TokenType.AD_HOC_USER:
        return ""
    payment = AdHocPayment.objects.filter(session=session, state=PaymentState.HELD).first()
    if payment is None or capture_amount(payment, total_cost_incl_vat) <= 0:
        return ""
    year = timezone.now().astimezone(billing_zone()).year
    series = settings.PAYMENTS_RECEIPT_SERIES
    return format_invoice_number(series=series, year=year, sequence=next_sequence(series=series, year=year))


def receipt_issue(*, payment: AdHocPayment, cdr: Cdr, amount: Decimal) -> Receipt:
    """The receipt of ``amount`` (what is captured next) under the number the CDR was issued with. Made once."""
    existing = Receipt.objects.filter(payment=payment).first()
    if existing is not None:
        return existing
    lines = vat_split(cdr=cdr, amount=amount, currency=payment.currency)
    receipt = Receipt.objects.create(
        number=cdr.invoice_reference_id,
        payment=payment,
        cdr=cdr,
        currency=payment.currency,
        total_excl_vat=sum((Decimal(row["excl"]) for row in lines), Decimal(0)),
        total_incl_vat=amount,
        vat_lines=lines,
    )
    PaymentEvent.objects.create(
        payment=payment,
        kind=PaymentEvent.Kind.RECEIPT,
        state_before=payment.state,
        state_after=payment.state,
        amount=amount,
        detail=f"receipt {receipt.number}",
    )
    return receipt


def receipt_context(receipt: Receipt) -> dict[str, Any]:
    cdr = receipt.cdr
    zone = cdr.session.location.time_zone
    return {
        "receipt": receipt,
        "payment": receipt.payment,
        "cdr": cdr,
        "zone": zone,
        "seller": seller_details(),
        "vat_total": receipt.total_incl_vat - receipt.total_excl_vat,
        "fonts": pdf_fonts(),
    }


def receipt_pdf(receipt: Receipt) -> bytes:
    """The receipt in the active language: the driver's page language on their page, theirs again by e-mail."""
    return html_pdf(render_to_string("payments/pdf/receipt.html", receipt_context(receipt)))


def receipt_deliver(*, receipt: Receipt) -> bool:
    """E-mail the receipt to the address the driver gave, in the language of the pages they paid on; whether it
    went. A failure is kept off the driver's page (the receipt is there to download) and left for a later send
    (:func:`receipt_resend`): ``emailed_at`` stays empty."""
    payment = receipt.payment
    with translation.override(payment.language):
        message = EmailMessage(
            subject=_("Your charging receipt %(number)s") % {"number": receipt.number},
            body=_("Thank you for charging with %(name)s. Your receipt %(number)s is attached.")
            % {"name": settings.CPO_BUSINESS_NAME, "number": receipt.number},
            from_email=settings.BILLING_FROM_EMAIL,
            to=[payment.email],
        )
        message.attach(f"{receipt.number}.pdf", receipt_pdf(receipt), "application/pdf")
    try:
        message.send(fail_silently=False)
    except OSError:
        return False
    with transaction.atomic():
        Receipt.objects.filter(pk=receipt.pk).update(emailed_at=timezone.now())
    return True


def receipt_resend(*, receipt: Receipt) -> bool:
    """Staff send again a receipt whose e-mail failed; whether it went. One already sent is not sent twice: the row
    stays locked while it is sent, so two clicks at once send one e-mail."""
    if not receipt.payment.email:
        raise ValidationError(f"The driver gave no e-mail address for receipt {receipt}.")
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().select_related("payment").get(pk=receipt.pk)
        if locked.emailed_at is not None:
            return True
        return receipt_deliver(receipt=locked)
