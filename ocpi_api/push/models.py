"""The transactional outbox of calls to partners, their attempts, and full-catalogue resends.

One ``OutboxItem`` is one call we owe one partner (a PUT, PATCH, POST or DELETE). It is written in the transaction of
the change it carries and delivered after commit. Rows of one (partner, object_key) go out strictly in id order, one
at a time; ``claimed_until`` is the lease of the worker that is sending a row right now.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ocpi_api.core.status import ModuleID
from ocpi_api.models import Partner

MODULE_CHOICES = [(module.value, module.value) for module in ModuleID]


class OutboxItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")  # waiting for its turn, its first attempt or a retry
        DELIVERED = "DELIVERED", _("Delivered")
        FAILED = "FAILED", _("Rejected")  # the partner answered HTTP 4xx or OCPI 2xxx: retrying cannot help
        DEAD = "DEAD", _("Gave up")  # transient failures for longer than OCPI_PUSH_MAX_AGE
        SUPERSEDED = "SUPERSEDED", _("Superseded")  # a later change of the same object made it pointless

    class Method(models.TextChoices):
        PUT = "PUT"
        PATCH = "PATCH"
        POST = "POST"
        DELETE = "DELETE"

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="outbox_items", verbose_name=_("partner")
    )
    module = models.CharField(
        max_length=32,
        choices=MODULE_CHOICES,
        help_text=_("OCPI module identifier (ModuleID)."),
        verbose_name=_("module"),
    )
    object_key = models.CharField(
        max_length=255,
        help_text=_("The unit of ordering and history, e.g. locations/SE/CPO/LOC1 for a whole location."),
        verbose_name=_("object key"),
    )
    method = models.CharField(max_length=6, choices=Method.choices, verbose_name=_("method"))
    path = models.CharField(
        max_length=255, blank=True, help_text=_("Appended to the partner's Receiver endpoint."), verbose_name=_("path")
    )
    url = models.URLField(
        max_length=512, blank=True, help_text=_("Absolute target instead (e.g. a response_url)."), verbose_name=_("URL")
    )
    body = models.JSONField(null=True, blank=True, verbose_name=_("body"))
    # The body's last_updated: a row older than what the partner already got for the object is never sent.
    last_updated = models.DateTimeField(null=True, blank=True, verbose_name=_("last updated"))
    # False for POSTs and for rows queued with coalesce=False: sent as queued, never folded (ocpi_api.push.coalesce).
    coalesce = models.BooleanField(default=True, verbose_name=_("coalesce"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text=_("Lease of the worker sending it now."), verbose_name=_("claimed until")
    )
    claim_token = models.CharField(max_length=32, blank=True, editable=False, verbose_name=_("claim token"))
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a delivery task was last queued."), verbose_name=_("enqueued at")
    )
    created = models.DateTimeField(default=timezone.now, verbose_name=_("created"))
    updated = models.DateTimeField(auto_now=True, verbose_name=_("updated"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    http_status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("http status"))
    ocpi_status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("OCPI status"))
    response_message = models.TextField(
        blank=True,
        help_text=_("The partner's status_message, or why the call failed."),
        verbose_name=_("response message"),
    )
    response_headers = models.JSONField(default=dict, blank=True, verbose_name=_("response headers"))
    response_data = models.JSONField(null=True, blank=True, verbose_name=_("response data"))

    class Meta:
        ordering: ClassVar = ["-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes: ClassVar = [
            models.Index(fields=["partner", "object_key", "id"], name="push_item_queue"),
            # The hot lookups touch only a queue's waiting rows, or its delivered rows of one path: without these
            # partial indexes they would walk the object's whole delivery history.
            models.Index(
                fields=["partner", "object_key", "id"],
                condition=models.Q(status="PENDING"),
                name="push_item_waiting",
            ),
            models.Index(
                fields=["partner", "object_key", "path", "last_updated"],
                condition=models.Q(status="DELIVERED"),
                name="push_item_delivered",
            ),
            models.Index(fields=["status", "next_attempt_at"], name="push_item_due"),
            models.Index(fields=["partner", "status", "id"], name="push_item_partner_status"),
            # The Deliveries page's latest deliveries: without it, every delivery the partner ever had is sorted.
            models.Index(fields=["partner", "status", "-finished_at", "-id"], name="push_item_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.object_key} → {self.partner_id} ({self.status})"

    def response_header(self, name: str) -> str | None:
        """A header of the partner's answer, whatever its case (a CDR POST's "Location")."""
        wanted = name.lower()
        return next((str(v) for k, v in self.response_headers.items() if k.lower() == wanted), None)


class DeliveryAttempt(models.Model):
    """One HTTP exchange for an outbox row, kept for the staff pages (Saleor keeps the same per webhook try)."""

    class Outcome(models.TextChoices):
        DELIVERED = "DELIVERED", _("Delivered")
        RETRY = "RETRY", _("Will retry")
        FAILED = "FAILED", _("Rejected")
        DEAD = "DEAD", _("Gave up")

    item = models.ForeignKey(OutboxItem, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("item"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    duration_ms = models.PositiveIntegerField(verbose_name=_("duration ms"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    http_status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("http status"))
    ocpi_status = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("OCPI status"))
    message = models.TextField(blank=True, verbose_name=_("message"))

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering: ClassVar = ["-id"]

    def __str__(self) -> str:
        return f"{self.item_id} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.outcome}"


class CatalogueResend(models.Model):
    """Staff asked to send every location and tariff to one partner again; a Celery task works through it."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Done")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="catalogue_resends", verbose_name=_("partner")
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    total = models.PositiveIntegerField(
        default=0, help_text=_("Objects to send (locations and tariffs)."), verbose_name=_("total")
    )
    done = models.PositiveIntegerField(
        default=0, help_text=_("Objects put in the outbox so far."), verbose_name=_("done")
    )
    requested_by = models.CharField(max_length=150, blank=True, verbose_name=_("requested by"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("catalogue resend")
        verbose_name_plural = _("catalogue resends")
        ordering: ClassVar = ["-id"]

    def __str__(self) -> str:
        return f"Catalogue to {self.partner} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
