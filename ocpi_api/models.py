"""Partner platforms we exchange OCPI with, and the credentials of each connection (digest §2)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone


class Partner(models.Model):
    """One OCPI connection with another platform (an eMSP, a hub, a navigation provider…).

    ``token_hash`` is the SHA-256 of the token the partner presents to us: token A while the connection is pending and
    we are the server of the handshake, token B when we initiated it, token C afterwards. ``previous_token_hash`` keeps
    the token before a rotation valid until the partner has used the new one, so a lost answer never locks it out.
    ``outbound_token`` is what we present to them; we must send it, so it cannot be hashed.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        REGISTERED = "REGISTERED", "Registered"
        UNREGISTERED = "UNREGISTERED", "Unregistered"

    name = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, blank=True, help_text="Main party of the partner (ISO 3166 alpha-2).")
    party_id = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    versions_url = models.URLField("their versions URL", max_length=255, blank=True)
    version = models.CharField("OCPI version in use", max_length=10, blank=True)
    endpoints = models.JSONField(default=list, blank=True, help_text="Their modules: identifier, role and URL.")
    roles = models.JSONField(default=list, blank=True, help_text="Their CredentialsRoles from the handshake.")
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    previous_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    outbound_token = models.CharField(max_length=64, blank=True, editable=False)
    auth_header_base64 = models.BooleanField(
        "send tokens Base64-encoded",
        default=True,
        help_text="OCPI 2.2.1 encodes the token; many older peers expect it raw. Found out during the handshake.",
    )
    last_success_at = models.DateTimeField("last successful call to them", null=True, blank=True)
    last_seen_at = models.DateTimeField("last request from them", null=True, blank=True)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["name", "id"]

    def __str__(self) -> str:
        party = f"{self.country_code}*{self.party_id}" if self.country_code else f"#{self.pk}"
        return f"{self.name or 'Partner'} ({party})"

    @property
    def is_registered(self) -> bool:
        return self.status == self.Status.REGISTERED

    def endpoint_url(self, identifier: str, role: str | None = None) -> str | None:
        for endpoint in self.endpoints:
            if endpoint.get("identifier") == identifier and (role is None or endpoint.get("role") in (role, None)):
                return str(endpoint["url"])
        return None

    def endpoint_map(self) -> dict[tuple[str, str], str]:
        return {(e.get("identifier", ""), e.get("role") or ""): e.get("url", "") for e in self.endpoints}

    def role_labels(self) -> list[str]:
        return [f"{r.get('role')} {r.get('country_code')}*{r.get('party_id')}" for r in self.roles]

    def record_success(self) -> None:
        self.last_success_at = timezone.now()
        self.last_error = ""

    def mark_success(self, **extra: Any) -> None:
        self.record_success()
        for key, value in extra.items():
            setattr(self, key, value)
        self.save(update_fields=["last_success_at", "last_error", "updated", *extra])
