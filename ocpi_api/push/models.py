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

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="outbox_items")
    module = models.CharField(max_length=32, choices=MODULE_CHOICES, help_text="OCPI module identifier (ModuleID).")
    object_key = models.CharField(
        max_length=255, help_text="The unit of ordering and history, e.g. locations/SE/CPO/LOC1 for a whole location."
    )
    method = models.CharField(max_length=6, choices=Method.choices)
    path = models.CharField(max_length=255, blank=True, help_text="Appended to the partner's Receiver endpoint.")
    url = models.URLField(max_length=512, blank=True, help_text="Absolute target instead (e.g. a response_url).")
    body = models.JSONField(null=True, blank=True)
    # The body's last_updated: a row older than what the partner already got for the object is never sent.
    last_updated = models.DateTimeField(null=True, blank=True)
    # False for POSTs and for rows queued with coalesce=False: sent as queued, never folded (ocpi_api.push.coalesce).
    coalesce = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="Lease of the worker sending it now.")
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When a delivery task was last queued.")
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    ocpi_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_message = models.TextField(blank=True, help_text="The partner's status_message, or why the call failed.")
    response_headers = models.JSONField(default=dict, blank=True)
    response_data = models.JSONField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-id"]
        verbose_name = "delivery"
        verbose_name_plural = "deliveries"
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

    item = models.ForeignKey(OutboxItem, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    ocpi_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["-id"]

    def __str__(self) -> str:
        return f"{self.item_id} at {self.started_at:%Y-%m-%d %H:%M:%S}: {self.outcome}"


class CatalogueResend(models.Model):
    """Staff asked to send every location and tariff to one partner again; a Celery task works through it."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Done")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="catalogue_resends")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Objects to send (locations and tariffs).")
    done = models.PositiveIntegerField(default=0, help_text="Objects put in the outbox so far.")
    requested_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-id"]

    def __str__(self) -> str:
        return f"Catalogue to {self.partner} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
