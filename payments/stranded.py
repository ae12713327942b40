"""Holds nothing will ever capture, given back by a periodic sweep through ``services.payment_release``.

A payment nothing happened to for ``PAYMENTS_STRANDED_HOLD_MINUTES`` strands in one of three ways:

- **held, no session.** The card confirmed the hold in the driver's browser (Stripe.js) and the browser went away
  before it told us: the provider's webhook makes the payment HELD, but only the page's confirmation starts the
  session. Or a charger accepted our RemoteStartTransaction and the driver never plugged in: the remote start lapses
  (the charger's ConnectionTimeOut, OCPP 1.6 §9.1.7) and no session will ever take the payment's token.
- **pending at the provider.** The browser confirmed the card and neither its confirmation nor the webhook reached
  us (or the driver left the page before typing a card): the provider may hold money we do not know about.
  Cancelling the PaymentIntent releases any hold and stops a late confirmation from placing one.
- **ended with nothing to capture.** The session failed or delivered no energy, and the release that followed failed
  at the provider (the payment records it and stays HELD): tried again here.

A session still open is never swept: a charger gone silent mid-session keeps its hold until staff stop the session
(the finance list warns of holds about to lapse). Each release is the service's: idempotent at the provider (one
idempotency key per payment) and recorded as a RELEASE event with the reason, which the finance list shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from chargepoints.sessions.enums import SessionStatus

from .models import AdHocPayment, PaymentState
from .services import payment_release


def _stranded(now: datetime) -> dict[str, QuerySet[AdHocPayment]]:
    """Each way of stranding and its payments, by the reason their release records."""
    minutes = settings.PAYMENTS_STRANDED_HOLD_MINUTES
    cutoff = now - timedelta(minutes=minutes)
    quiet = AdHocPayment.objects.filter(last_updated__lte=cutoff)
    held, pending = quiet.filter(state=PaymentState.HELD), quiet.filter(state=PaymentState.PENDING)
    nothing_delivered = Q(session__status=SessionStatus.INVALID) | Q(
        session__status=SessionStatus.COMPLETED, session__kwh=0
    )
    no_session = (
        f"No session started within {minutes} minutes of the hold "
        "(the driver's page closed before the start, or the charger never started)."
    )
    not_confirmed = f"The hold was not confirmed within {minutes} minutes; the request at the provider is cancelled."
    retried = "The session ended with nothing to capture; the release is tried again."
    return {
        no_session: held.filter(session__isnull=True),
        not_confirmed: pending.exclude(provider_reference=""),
        retried: held.filter(nothing_delivered, session__end_date_time__lte=cutoff),
    }


def payments_release_stranded(*, now: datetime | None = None) -> int:
    """Release every stranded hold (above); returns how many were released. Safe to run at any time, and again: a
    release that fails at the provider is recorded, keeps the hold, and is tried on a later run."""
    now = now or timezone.now()
    released = 0
    for reason, payments in _stranded(now).items():
        for payment_id in list(payments.values_list("pk", flat=True)):
            # Read again just before the provider call: a late confirmation or session may have moved it meanwhile.
            payment = payments.filter(pk=payment_id).first()
            if payment is not None and payment_release(payment=payment, reason=reason).state == PaymentState.RELEASED:
                released += 1
    return released
