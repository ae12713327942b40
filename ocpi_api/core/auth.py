"""Token authentication of partners (OCPI 2.2.1 transport_and_format.asciidoc, Authorization header): hashed tokens, raw
or Base64 header, token A limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ocpi_api.models import Partner

from .tokens import header_candidates, token_hash

if TYPE_CHECKING:
    from rest_framework.views import APIView

# Modules a partner may use before its registration is complete (with token A, or token B while we register).
CONFIGURATION_MODULES = frozenset({"versions", "credentials"})
_SEEN_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class OcpiCaller:
    partner: Partner
    token: str
    base64_header: bool
    # The partner used its new token while the one before the rotation is still valid: see rotation_confirm.
    confirms_rotation: bool = False


def rotation_confirm(caller: OcpiCaller) -> None:
    """The partner used its new token: the one before the rotation has done its job and stops working.

    Called after the request's transaction has ended (``OcpiView.dispatch``), in a transaction of its own, so that
    a request that fails (its rollback) cannot keep the old token alive. Only while the token presented is still the
    current one: a credentials update in the same request has replaced both already.
    """
    if caller.confirms_rotation:
        Partner.objects.filter(pk=caller.partner.pk, token_hash=token_hash(caller.token)).update(
            previous_token_hash=None
        )


class OcpiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[None, OcpiCaller] | None:
        header = request.headers.get("Authorization", "")
        if not header.strip():
            return None
        candidates = header_candidates(header)
        if not candidates:
            raise AuthenticationFailed("The Authorization header must be 'Token <token>'.")
        hashes = {token_hash(candidate): candidate for candidate in candidates}
        partner = Partner.objects.filter(Q(token_hash__in=hashes) | Q(previous_token_hash__in=hashes)).first()
        if partner is None:
            raise AuthenticationFailed("Unknown token.")
        confirms_rotation = False
        if partner.token_hash in hashes:
            token = hashes[partner.token_hash]
            confirms_rotation, partner.previous_token_hash = bool(partner.previous_token_hash), None
        else:
            token = hashes[str(partner.previous_token_hash)]
        self._seen(partner)
        base64_header = token != candidates[0]
        return None, OcpiCaller(partner, token, base64_header, confirms_rotation=confirms_rotation)

    def authenticate_header(self, request: Request) -> str:
        return "Token"

    @staticmethod
    def _seen(partner: Partner) -> None:
        now = timezone.now()
        if partner.last_seen_at is None or now - partner.last_seen_at > _SEEN_RESOLUTION:
            Partner.objects.filter(pk=partner.pk).update(last_seen_at=now)
            partner.last_seen_at = now


class OcpiModulePermission(BasePermission):
    """Any known token may use versions and credentials; functional modules need a completed registration."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        caller = request.auth
        if not isinstance(caller, OcpiCaller):
            return False
        module: Any = getattr(view, "ocpi_module", "")
        if module not in CONFIGURATION_MODULES and not caller.partner.is_registered:
            raise AuthenticationFailed(
                "This token is only valid for the versions and credentials modules until the registration is complete."
            )
        return True
