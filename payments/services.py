"""The ad hoc payment's one write path: hold → session start → watchdog → capture or release → refunds.

Gateway calls are made outside our database transactions (a provider call must not hold row locks, and a rolled-back
transaction cannot un-call it); each outcome is then recorded in a transaction of its own that locks the payment row
first. Each step is idempotent: a step asked again of a payment already past it changes nothing, and the provider
sees the same idempotency key for the same step.

States: PENDING → HELD → CAPTURED (→ REFUNDED when all of it is refunded), PENDING → FAILED, HELD → RELEASED.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Cdr
from chargepoints.authorization import AuthMethod, DriverToken, WhitelistType
from chargepoints.control import ControlResult, get_charger_control
from chargepoints.enums import EvseStatus, TokenType
from chargepoints.models import EVSE, ChargingSession
from chargepoints.sessions.enums import SessionStatus
from chargepoints.simulator import ChargerSimulator
from tariffs.currencies import MINOR_UNITS

from .gateways import get_gateway
from .gateways.base import BrowserConfirmedGateway, GatewayError, PaymentGateway, ProviderEvent, ProviderEventKind
from .models import AdHocPayment, PaymentEvent, PaymentState, Receipt
from .offers import ad_hoc_offer

Kind = PaymentEvent.Kind
S = PaymentState


def ad_hoc_token(payment: AdHocPayment) -> DriverToken:
    """The token an ad hoc session runs under (OCPI TokenType AD_HOC_USER): ours, named after the payment."""
    return DriverToken(
        country_code=settings.CPO_COUNTRY_CODE,
        party_id=settings.CPO_PARTY_ID,
        uid=payment.reference,
        type=TokenType.AD_HOC_USER,
        contract_id=payment.reference,
        issuer=settings.CPO_BUSINESS_NAME,
        valid=True,
        whitelist=WhitelistType.NEVER,
    )


def _locked(payment_id: int) -> AdHocPayment:
    return AdHocPayment.objects.select_for_update().get(pk=payment_id)


def _record(
    payment: AdHocPayment,
    kind: str,
    *,
    state: str | None = None,
    amount: Decimal | None = None,
    detail: str = "",
    provider_event_id: str = "",
    idempotency_key: str = "",
    by: User | None = None,
) -> PaymentEvent:
    before = payment.state
    if state is not None and state != before:
        payment.state = state
    payment.last_updated = timezone.now()
    payment.save()
    return PaymentEvent.objects.create(
        payment=payment,
        kind=kind,
        state_before=before,
        state_after=payment.state,
        amount=amount,
        detail=detail[:255],
        provider_event_id=provider_event_id,
        idempotency_key=idempotency_key,
        by=by,
    )


# --- Start ------------------------------------------------------------------------------------------------------------


def _open(*, evse: EVSE, gateway: PaymentGateway, email: str, language: str, now: datetime) -> AdHocPayment:
    """The driver agreed to the price shown: the payment, PENDING, with that price (the tariff as it is now).
    ``language`` is the driver's page language, kept for their receipt e-mail."""
    offer = ad_hoc_offer(evse=evse, at=now)
    if offer is None:
        raise ValidationError(_("%(evse)s takes no card payment.") % {"evse": evse})
    if evse.status not in (EvseStatus.AVAILABLE, EvseStatus.UNKNOWN):
        raise ValidationError(
            _("%(evse)s is %(status)s; it cannot start a session now.")
            % {"evse": evse, "status": evse.get_status_display().lower()}
        )
    with transaction.atomic():
        payment = AdHocPayment.objects.create(
            evse=evse,
            connector_id=offer.connector.connector_id,
            gateway=gateway.name,
            currency=offer.currency,
            tariff_id=offer.found.tariff.id,
            tariff_snapshot=offer.found.snapshot,
            hold_amount=offer.hold_amount,
            email=email,
            language=language,
            created=now,
        )
        _record(payment, Kind.CREATED, amount=offer.hold_amount, detail=f"price agreed: tariff {payment.tariff_id}")
    return payment


def payment_begin(
    *, evse: EVSE, payment_method: str, email: str = "", language: str = "en", now: datetime | None = None
) -> AdHocPayment:
    """The driver agreed to the price shown and gave a card (a gateway that takes it on the server: the demo):
    hold, then start the session. Returns the payment in whatever state it reached (FAILED: declined; RELEASED:
    held but the charger did not start)."""
    now = now or timezone.now()
    gateway = get_gateway()
    payment = _open(evse=evse, gateway=gateway, email=email, language=language, now=now)
    try:
        hold = gateway.hold(
            amount=payment.hold_amount,
            currency=payment.currency,
            reference=payment.reference,
            payment_method=payment_method,
        )
    except GatewayError as error:
        return _fail(payment, str(error))
    if not hold.held:
        with transaction.atomic():
            payment = _locked(payment.pk)
            payment.provider_reference = hold.provider_reference
            payment.failure_reason = hold.message[:255]
            _record(payment, Kind.FAIL, state=S.FAILED, detail=hold.message)
        return payment
    return _held(payment, hold.provider_reference, now=now)


def payment_prepare(
    *, evse: EVSE, email: str = "", language: str = "en", now: datetime | None = None
) -> tuple[AdHocPayment, str]:
    """The driver agreed to the price shown, on a page whose card form is the provider's (Stripe.js): the payment
    and the provider's hold to be confirmed in the browser, and the secret the browser confirms it with."""
    now = now or timezone.now()
    gateway = get_gateway()
    if not isinstance(gateway, BrowserConfirmedGateway):
        raise ValidationError(f"The {gateway.name} gateway takes the card on our server.")
    payment = _open(evse=evse, gateway=gateway, email=email, language=language, now=now)
    try:
        prepared = gateway.prepare_hold(
            amount=payment.hold_amount, currency=payment.currency, reference=payment.reference
        )
    except GatewayError as error:
        _fail(payment, str(error))
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        payment = _locked(payment.pk)
        payment.provider_reference = prepared.provider_reference
        payment.save(update_fields=["provider_reference"])
    return payment, prepared.client_secret


def payment_confirm_hold(*, payment: AdHocPayment, now: datetime | None = None) -> AdHocPayment:
    """The driver's browser says the card confirmed the hold: ask the provider (never trust the browser) and, when
    it holds our amount, start the session. Once: a confirmation sent again changes nothing. A hold the provider
    does not show leaves the payment PENDING (the driver may try another card) and raises ValidationError."""
    if payment.state not in (S.PENDING, S.HELD) or payment.events.filter(kind=Kind.HOLD).exists():
        return payment
    gateway = get_gateway(payment.gateway)
    if not isinstance(gateway, BrowserConfirmedGateway) or not payment.provider_reference:
        raise ValidationError(f"Payment {payment} has no hold to confirm.")
    try:
        hold = gateway.verify_hold(
            provider_reference=payment.provider_reference,
            amount=payment.hold_amount,
            currency=payment.currency,
            reference=payment.reference,
        )
    except GatewayError as error:
        raise ValidationError(str(error)) from error
    if not hold.held:
        with transaction.atomic():
            _record(_locked(payment.pk), Kind.FAIL, detail=f"hold not confirmed: {hold.message}")
        raise ValidationError(hold.message)
    return _held(payment, hold.provider_reference, now=now or timezone.now())


def _held(payment: AdHocPayment, provider_reference: str, *, now: datetime) -> AdHocPayment:
    """The provider holds the amount: record it (once; a webhook may have moved the state first), start."""
    with transaction.atomic():
        payment = _locked(payment.pk)
        if payment.events.filter(kind=Kind.HOLD).exists():
            return payment  # another request confirmed it and started the session
        payment.provider_reference = provider_reference
        if payment.state not in (S.PENDING, S.HELD):
            payment.save(update_fields=["provider_reference"])
            return payment
        _record(payment, Kind.HOLD, state=S.HELD, amount=payment.hold_amount)
    return _start_session(payment, now=now)


def _fail(payment: AdHocPayment, reason: str) -> AdHocPayment:
    with transaction.atomic():
        payment = _locked(payment.pk)
        payment.failure_reason = reason[:255]
        _record(payment, Kind.FAIL, state=S.FAILED, detail=reason)
    return payment


def _start_session(payment: AdHocPayment, *, now: datetime) -> AdHocPayment:
    """Start through the same path as a partner's START_SESSION: the charger's control when a charger serves the EVSE
    (its StartTransaction then reaches the session service), else the simulator, which calls it directly."""
    evse = EVSE.objects.select_related("location").get(pk=payment.evse_id)
    token = ad_hoc_token(payment)
    control = get_charger_control()
    if control.serves(evse):
        outcome = control.remote_start(evse=evse, token=token, authorization_reference=payment.reference)
        if outcome.result != ControlResult.ACCEPTED:
            return payment_release(payment=payment, reason=f"The charger did not start: {outcome.message}")
        return payment
    try:
        with transaction.atomic():
            ChargerSimulator(evse=evse, connector_id=payment.connector_id).start(
                token=token, auth_method=AuthMethod.COMMAND, at=now, authorization_reference=payment.reference
            )
    except ValidationError as error:
        return payment_release(payment=payment, reason=f"The session did not start: {'; '.join(error.messages)}")
    payment.refresh_from_db()
    return payment


def payment_link_session(*, session: ChargingSession) -> None:
    """A session started with an ad hoc token: tie it to its payment (the token uid is the payment reference)."""
    payment = AdHocPayment.objects.select_for_update().filter(reference=session.token_uid).first()
    if payment is None or payment.session_id is not None:
        return
    payment.session = session
    _record(payment, Kind.SESSION_STARTED, detail=f"session {session.ocpi_id}")


class AgreedAdHocPrices:
    """The session start's source of agreed prices (``chargepoints.sessions.tariffs.set_agreed_prices``)."""

    def agreed_tariff(self, *, token: DriverToken, authorization_reference: str | None) -> Any:
        from chargepoints.sessions.tariffs import found_from_snapshot

        if token.type != TokenType.AD_HOC_USER:
            return None
        payment = AdHocPayment.objects.filter(reference=token.uid, state=S.HELD).first()
        return found_from_snapshot(payment.tariff_snapshot) if payment is not None else None


# --- While charging: the cost watchdog --------------------------------------------------------------------------------


def watchdog_limit(payment: AdHocPayment) -> Decimal:
    """The running cost at which we stop the session: the hold less a margin, so that the charger's last meter
    values after the stop still fit in the hold (``PAYMENTS_WATCHDOG_MARGIN``, a fraction of the hold)."""
    return payment.hold_amount * (1 - Decimal(str(settings.PAYMENTS_WATCHDOG_MARGIN)))


def payment_watch(*, session: ChargingSession) -> None:
    """Called on every change of an ad hoc session. Asks for a stop (once) when the cost reaches the limit."""
    if not session.is_open or session.total_cost_incl_vat is None:
        return
    payment = AdHocPayment.objects.select_for_update().filter(session=session).first()
    if payment is None or payment.stop_requested_at is not None or payment.state != S.HELD:
        return
    if session.total_cost_incl_vat < watchdog_limit(payment):
        return
    payment.stop_requested_at = timezone.now()
    _record(
        payment,
        Kind.STOP_REQUESTED,
        amount=session.total_cost_incl_vat,
        detail=f"cost {session.total_cost_incl_vat} reached the limit {watchdog_limit(payment):.2f} of the hold",
    )
    payment_id = payment.pk
    transaction.on_commit(lambda: payment_stop_session(payment=AdHocPayment.objects.get(pk=payment_id), reason="cost"))


def payment_stop_session(*, payment: AdHocPayment, reason: str, now: datetime | None = None) -> None:
    """Stop the payment's session: the driver's stop button, or the watchdog. A charger gets a remote stop; an EVSE
    the simulator plays stops at its last report (the vehicle drew nothing since)."""
    if payment.session_id is None:
        return
    session = ChargingSession.objects.select_related("evse").filter(pk=payment.session_id).first()
    if session is None or not session.is_open:
        return
    words = {"cost": "Stopped: the cost reached the payment hold", "driver": "Stopped by the driver"}
    control = get_charger_control()
    if control.serves(session.evse):
        control.remote_stop(session=session)
        return
    simulator = ChargerSimulator(evse=session.evse, connector_id=session.connector_id)
    with transaction.atomic():
        if reason == "driver":
            simulator.remote_stop(session=session, now=now or timezone.now(), reason=words[reason])
        else:
            simulator.stop(session=session, at=session.accounted_until, reason=words.get(reason, reason))


# --- The end: capture or release --------------------------------------------------------------------------------------


def payment_session_ended(*, session: ChargingSession) -> None:
    """A failed session, or one that delivered no energy, releases the hold (after the commit: a provider call)."""
    payment = AdHocPayment.objects.filter(session=session, state=S.HELD).first()
    if payment is None:
        return
    if session.status == SessionStatus.INVALID:
        reason = f"The session failed: {session.stop_reason}"
    elif session.status == SessionStatus.COMPLETED and not session.kwh:
        reason = "No energy was delivered."
    else:
        return
    payment_id = payment.pk
    transaction.on_commit(lambda: payment_release(payment=AdHocPayment.objects.get(pk=payment_id), reason=reason))


def payment_cdr_issued(*, cdr: Cdr) -> None:
    """The CDR of an ad hoc session is out: its receipt is made now, in the CDR's transaction, under the number the
    CDR carries; the capture of min(CDR total, hold) follows the commit."""
    from .receipts import receipt_issue

    if not cdr.invoice_reference_id or cdr.token_type != TokenType.AD_HOC_USER:
        return
    payment = AdHocPayment.objects.select_for_update().filter(session_id=cdr.session_id, state=S.HELD).first()
    if payment is None:
        return
    receipt_issue(payment=payment, cdr=cdr, amount=capture_amount(payment, cdr.total_cost_incl_vat))
    payment_id = payment.pk
    transaction.on_commit(lambda: payment_capture(payment=AdHocPayment.objects.get(pk=payment_id)))


def capture_amount(payment: AdHocPayment, total_cost_incl_vat: Decimal | None) -> Decimal:
    """What we take: the session's cost incl. VAT in the currency's minor unit, never more than the hold."""
    places = Decimal(1).scaleb(-MINOR_UNITS[payment.currency])
    total = (total_cost_incl_vat or Decimal(0)).quantize(places, rounding=ROUND_HALF_UP)
    return min(total, payment.hold_amount)


def payment_capture(*, payment: AdHocPayment) -> AdHocPayment:
    """Take the receipt's amount (min(CDR total, hold)) from the card, and e-mail the receipt. Safe to call again: a
    failed capture keeps the hold and can be retried."""
    from .receipts import receipt_deliver

    receipt = Receipt.objects.filter(payment=payment).first()
    if payment.state != S.HELD or receipt is None:
        return payment
    amount = receipt.total_incl_vat
    try:
        get_gateway(payment.gateway).capture(
            provider_reference=payment.provider_reference,
            amount=amount,
            currency=payment.currency,
            idempotency_key=f"{payment.reference}-capture",
        )
    except GatewayError as error:
        with transaction.atomic():
            payment = _locked(payment.pk)
            payment.failure_reason = str(error)[:255]
            _record(payment, Kind.FAIL, detail=f"capture failed, hold kept: {error}")
        return payment
    with transaction.atomic():
        payment = _locked(payment.pk)
        if payment.state in (S.HELD, S.PENDING):
            payment.captured_amount, payment.captured_at = amount, timezone.now()
            payment.failure_reason = ""
            _record(payment, Kind.CAPTURE, state=S.CAPTURED, amount=amount, detail=f"receipt {receipt.number}")
    if payment.email and receipt.emailed_at is None:
        receipt_deliver(receipt=receipt)
    return payment


def payment_retry_capture(*, payment: AdHocPayment) -> AdHocPayment:
    """Staff ask again for a capture that failed (the hold was kept). One already captured changes nothing; one that
    fails again raises ValidationError with the provider's reason (and stays HELD, to be tried later)."""
    if payment.state in (S.CAPTURED, S.REFUNDED):
        return payment
    if payment.state != S.HELD or not Receipt.objects.filter(payment=payment).exists():
        raise ValidationError(f"Payment {payment} is {payment.get_state_display().lower()}; no capture to retry.")
    payment = payment_capture(payment=payment)
    if payment.state != S.CAPTURED:
        raise ValidationError(payment.failure_reason)
    return payment


def payment_release(*, payment: AdHocPayment, reason: str) -> AdHocPayment:
    """Give the hold back to the card. Safe to call again."""
    if payment.state not in (S.HELD, S.PENDING):
        return payment
    try:
        get_gateway(payment.gateway).cancel(
            provider_reference=payment.provider_reference, idempotency_key=f"{payment.reference}-cancel"
        )
    except GatewayError as error:
        with transaction.atomic():
            payment = _locked(payment.pk)
            _record(payment, Kind.FAIL, detail=f"release failed, hold kept: {error}")
        return payment
    with transaction.atomic():
        payment = _locked(payment.pk)
        if payment.state in (S.HELD, S.PENDING):
            _record(payment, Kind.RELEASE, state=S.RELEASED, detail=reason)
    return payment


# --- After: refunds and the provider's notifications ------------------------------------------------------------------


def payment_refund(*, payment: AdHocPayment, amount: Decimal, by: User, idempotency_key: str) -> AdHocPayment:
    """Give back ``amount`` (all or part of what is left). The same ``idempotency_key`` (one per refund form) never
    refunds twice."""
    if payment.events.filter(idempotency_key=idempotency_key).exists():
        return payment
    if payment.state not in (S.CAPTURED,):
        raise ValidationError(f"Payment {payment} is {payment.get_state_display().lower()}; nothing to refund.")
    if amount <= 0 or amount > payment.refundable:
        raise ValidationError({"amount": f"Refund between 0.01 and {payment.refundable} {payment.currency}."})
    try:
        get_gateway(payment.gateway).refund(
            provider_reference=payment.provider_reference,
            amount=amount,
            currency=payment.currency,
            idempotency_key=f"{payment.reference}-refund-{idempotency_key}",
        )
    except GatewayError as error:
        raise ValidationError(str(error)) from error
    with transaction.atomic():
        payment = _locked(payment.pk)
        payment.refunded_amount += amount
        state = S.REFUNDED if payment.refunded_amount >= (payment.captured_amount or 0) else payment.state
        try:
            with transaction.atomic():
                _record(payment, Kind.REFUND, state=state, amount=amount, idempotency_key=idempotency_key, by=by)
        except IntegrityError:  # the same form sent twice at once: the other request recorded it
            payment.refresh_from_db()
    return payment


_PROVIDER_STATES: dict[ProviderEventKind, tuple[tuple[str, ...], str]] = {
    ProviderEventKind.HELD: ((S.PENDING,), S.HELD),
    ProviderEventKind.CAPTURED: ((S.PENDING, S.HELD), S.CAPTURED),
    ProviderEventKind.RELEASED: ((S.PENDING, S.HELD), S.RELEASED),
    ProviderEventKind.FAILED: ((S.PENDING,), S.FAILED),
}


@transaction.atomic
def payment_provider_event(*, event: ProviderEvent) -> bool:
    """Apply a provider's (verified) notification. A replay, or one for a payment we do not know, changes nothing.
    Returns whether the payment changed."""
    if PaymentEvent.objects.filter(provider_event_id=event.event_id).exists():
        return False
    payment = AdHocPayment.objects.select_for_update().filter(provider_reference=event.provider_reference).first()
    if payment is None:
        return False
    before = (payment.state, payment.captured_amount, payment.refunded_amount)
    state: str | None = None
    if event.kind is ProviderEventKind.REFUNDED and event.amount is not None:
        payment.refunded_amount = max(payment.refunded_amount, event.amount)
        if payment.captured_amount is not None and payment.refunded_amount >= payment.captured_amount:
            state = S.REFUNDED
    elif event.kind in _PROVIDER_STATES:
        allowed, target = _PROVIDER_STATES[event.kind]
        if payment.state in allowed:
            state = target
            if event.kind is ProviderEventKind.CAPTURED:
                payment.captured_amount, payment.captured_at = event.amount, timezone.now()
    _record(
        payment,
        Kind.PROVIDER,
        state=state,
        amount=event.amount,
        detail=str(event.kind),
        provider_event_id=event.event_id,
    )
    return before != (payment.state, payment.captured_amount, payment.refunded_amount)
