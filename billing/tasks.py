"""Celery tasks of billing: thin wrappers over the invoice services. They take ids and are safe to run again."""

from __future__ import annotations

import logging
import smtplib
from typing import cast

from celery import Task, shared_task
from celery.exceptions import Retry
from django.conf import settings
from django.contrib.auth.models import User

from .models import InvoiceRun
from .schedule import RUN_TASK_NAME
from .services.invoice_delivery import invoice_record_send_failure, invoice_send, invoice_store_pdf
from .services.invoice_runs import invoice_run, invoice_run_failed

logger = logging.getLogger(__name__)

# What a mail server or the network can throw at a send; anything else is a bug and is not retried.
SEND_ERRORS = (smtplib.SMTPException, OSError)


def _user(user_id: int | None) -> User | None:
    return User.objects.filter(pk=user_id).first() if user_id is not None else None


@shared_task(name=RUN_TASK_NAME)
def invoice_run_task(user_id: int | None = None, trigger: str = InvoiceRun.Trigger.SCHEDULE) -> int:
    """The scheduled (or "run now") invoice run. Returns the run's id; a failed run is recorded, then re-raised."""
    by = _user(user_id)
    try:
        return invoice_run(trigger=trigger, by=by).pk
    except Exception as error:
        invoice_run_failed(trigger=trigger, by=by, error=f"{type(error).__name__}: {error}")
        raise


@shared_task(name="billing.invoice_render_pdf", autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def invoice_render_pdf(invoice_id: int) -> str:
    """Render and store an issued invoice's PDF (once: a stored PDF is kept)."""
    return cast(str, invoice_store_pdf(invoice_id=invoice_id).pdf.name)  # a stored file has a name


@shared_task(bind=True, name="billing.invoice_send", acks_late=True)
def invoice_send_task(self: Task, invoice_id: int, user_id: int | None = None, again: bool = False) -> str | Retry:
    """E-mail an invoice; on a mail error, record it and retry with backoff, and give up (recorded) at the limit."""
    by = _user(user_id)
    try:
        invoice_send(invoice_id=invoice_id, by=by, again=again)
    except SEND_ERRORS as error:
        attempt = self.request.retries
        final = attempt >= settings.BILLING_SEND_MAX_RETRIES
        invoice_record_send_failure(invoice_id=invoice_id, by=by, error=f"{type(error).__name__}: {error}", final=final)
        if final:
            logger.warning("Invoice %s: sending failed for good: %s", invoice_id, error)
            return "failed"
        # Retrying resends the whole message; a half-delivered one cannot be told apart from an unsent one.
        countdown, limit = 60 * 2**attempt, settings.BILLING_SEND_MAX_RETRIES
        if self.request.is_eager:
            # Eager runs (demo, tests) re-apply a returned Retry in-process; a raised one would only propagate.
            return self.retry(exc=error, countdown=countdown, max_retries=limit, throw=False)
        raise self.retry(exc=error, countdown=countdown, max_retries=limit) from error
    return "sent"
