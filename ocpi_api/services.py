"""Partner connections: the credentials handshake in both directions, token rotation and unregistration (OCPI 2.2.1
credentials.asciidoc).

The server side runs inside the partner's request. The initiator side (``partner_register``, ``partner_rotate_token``,
``partner_unregister``) must run outside a transaction: the partner calls us back with the new token while we wait
for its answer, so that token has to be committed before we call.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.request import Request

from .core.client import OcpiClient, OcpiClientError
from .core.egress import OutgoingUrlRefused, vet_url
from .core.headers import Party, Routing
from .core.links import absolute_url
from .core.status import ModuleID, OcpiStatus, Role
from .core.tokens import token_generate, token_hash
from .core.v211 import is_211
from .core.v211.credentials import credentials_from_211, credentials_to_211
from .grants import party_clean, party_grant, ungranted_roles
from .models import Partner
from .modules.credentials.serializers import Credentials211Serializer, CredentialsSerializer
from .modules.versions.serializers import VersionDetailsSerializer, VersionSerializer

logger = logging.getLogger(__name__)
REQUIRED_MODULES = (ModuleID.CREDENTIALS,)


class HandshakeError(Exception):
    """The partner's side of a handshake failed; ``status_code`` is the OCPI code to answer with (3001–3003)."""

    def __init__(self, status_code: OcpiStatus, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


@dataclass(frozen=True)
class Discovery:
    version: str
    endpoints: list[dict[str, Any]]


def our_versions_url(request: Request | None = None) -> str:
    return absolute_url(request, reverse("ocpi:versions"))


def our_credentials(*, token: str, request: Request | None = None) -> dict[str, Any]:
    business: dict[str, Any] = {"name": settings.CPO_BUSINESS_NAME}
    if settings.CPO_WEBSITE:
        business["website"] = settings.CPO_WEBSITE
    role = {
        "role": Role.CPO.value,
        "business_details": business,
        "party_id": settings.CPO_PARTY_ID,
        "country_code": settings.CPO_COUNTRY_CODE,
    }
    return {"token": token, "url": our_versions_url(request), "roles": [role]}


def credentials_body(*, token: str, version: str, request: Request | None = None) -> dict[str, Any]:
    """Our credentials in the partner's version: 2.1.1 has no roles, only our party at the top level."""
    ours = our_credentials(token=token, request=request)
    return credentials_to_211(ours) if is_211(version) else ours


def _their_credentials(data: Any, version: str) -> dict[str, Any]:
    """A partner's credentials answer, read in its version and given in 2.2.1 form (roles)."""
    if is_211(version):
        return credentials_from_211(_parse(Credentials211Serializer, data, "credentials"))
    return dict(_parse(CredentialsSerializer, data, "credentials"))


def _client(partner: Partner, token: str | None = None) -> OcpiClient:
    return OcpiClient(token=token or partner.outbound_token, base64_header=partner.auth_header_base64)


def partner_client(*, partner: Partner) -> OcpiClient:
    """The client for calls to a registered partner, with its token and header form."""
    return _client(partner)


def partner_routing(*, partner: Partner) -> Routing:
    """Routing headers for our calls to the partner's functional modules: from our CPO party to its main party. None
    for a 2.1.1 partner: 2.1.1 has no routing headers (they came with hubs in 2.2)."""
    if is_211(partner.version):
        return Routing(from_party=None, to_party=None)
    return Routing(from_party=Party.ours(), to_party=Party(partner.country_code, partner.party_id))


def _parse(serializer_class: type, data: Any, what: str, *, many: bool = False) -> Any:
    serializer = serializer_class(data=data, many=many)
    if not serializer.is_valid():
        raise HandshakeError(OcpiStatus.CLIENT_API_UNUSABLE, f"Their {what} is not valid OCPI: {serializer.errors}")
    return serializer.validated_data


def partner_discover(*, client: OcpiClient, versions_url: str, version: str | None = None) -> Discovery:
    """Read a partner's versions and the details of ``version`` (or of the highest version we share).

    Raises ``HandshakeError`` with 3001 when their API cannot be used, 3002 when no version fits and 3003 when a
    required module is missing.
    """
    from .versions import SUPPORTED  # versions imports the module views, which import this module

    try:
        reply = client.get(versions_url, try_other_header=True)
        versions = _parse(VersionSerializer, reply.data, "version list", many=True)
        offered = {v["version"]: v["url"] for v in versions}
        if version is None:
            shared = [v for v in SUPPORTED if v in offered]
            if not shared:
                raise HandshakeError(
                    OcpiStatus.UNSUPPORTED_VERSION, f"No common OCPI version: they offer {sorted(offered)}."
                )
            version = shared[0]
        elif version not in offered:
            raise HandshakeError(OcpiStatus.UNSUPPORTED_VERSION, f"They do not offer OCPI {version}.")
        details = _parse(VersionDetailsSerializer, client.get(offered[version]).data, "version details")
    except OcpiClientError as error:
        raise HandshakeError(OcpiStatus.CLIENT_API_UNUSABLE, f"Cannot use their API: {error}") from error
    endpoints = [{"identifier": e["identifier"], "role": e.get("role"), "url": e["url"]} for e in details["endpoints"]]
    _vet_endpoints(endpoints)
    missing = [m for m in REQUIRED_MODULES if not any(e["identifier"] == m for e in endpoints)]
    if missing:
        raise HandshakeError(OcpiStatus.NO_MATCHING_ENDPOINTS, f"Their OCPI {version} has no {', '.join(missing)}.")
    return Discovery(version=version, endpoints=endpoints)


def _check_roles(partner: Partner, credentials: dict[str, Any], status_code: OcpiStatus) -> None:
    """Every role must be a party staff granted the partner; otherwise the handshake stops before anything changes."""
    refused = ungranted_roles(partner=partner, roles=credentials["roles"])
    if refused:
        raise HandshakeError(
            status_code,
            f"roles: {', '.join(refused)} not granted to this connection; the CPO's staff grant parties, "
            "a handshake cannot claim them.",
        )


def _vet_endpoints(endpoints: list[dict[str, Any]]) -> None:
    """Refuse a partner whose endpoints we would not call (ocpi_api.core.egress), before we store any of them."""
    for endpoint in endpoints:
        try:
            vet_url(endpoint["url"])
        except (OutgoingUrlRefused, requests.ConnectionError) as error:
            raise HandshakeError(
                OcpiStatus.CLIENT_API_UNUSABLE, f"Their {endpoint['identifier']} endpoint is refused: {error}"
            ) from error


def _adopt(partner: Partner, credentials: dict[str, Any], discovery: Discovery | None) -> None:
    """Take over the partner's credentials; its roles have passed ``_check_roles``."""
    partner.versions_url = credentials["url"]
    partner.roles = [
        {**role, "party_id": role["party_id"].upper(), "country_code": role["country_code"].upper()}
        for role in credentials["roles"]
    ]
    parties = [(r["country_code"], r["party_id"]) for r in partner.roles]
    if (partner.country_code, partner.party_id) not in parties:
        partner.country_code, partner.party_id = parties[0]
    if not partner.name:
        partner.name = credentials["roles"][0]["business_details"]["name"]
    if discovery is not None:
        partner.version = discovery.version
        partner.endpoints = discovery.endpoints


# --- Server side: a partner calls our credentials endpoint ---------------------------------------------------------


def _handshake_client(partner: Partner, token: str, version: str) -> OcpiClient:
    """2.1.1 sends tokens raw (Base64 came with 2.2: OCPI 2.2.1 changelog.asciidoc, "Changes between OCPI 2.1.1 and
    2.2"); 2.2.1 as we last found the partner wants them."""
    return OcpiClient(token=token, base64_header=False if is_211(version) else partner.auth_header_base64)


def credentials_register(
    *, partner: Partner, credentials: dict[str, Any], version: str, request: Request | None = None
) -> dict[str, Any]:
    """POST: the partner sends token B; we read their API with it, then issue token C (token A dies)."""
    _check_roles(partner, credentials, OcpiStatus.INVALID_PARAMETERS)
    client = _handshake_client(partner, credentials["token"], version)
    discovery = partner_discover(client=client, versions_url=credentials["url"], version=version)
    token_c = token_generate()
    _adopt(partner, credentials, discovery)
    partner.outbound_token = credentials["token"]
    partner.auth_header_base64 = client.base64_header
    partner.token_hash, partner.previous_token_hash = token_hash(token_c), None
    partner.status = Partner.Status.REGISTERED
    partner.record_success()
    partner.save()
    logger.info("OCPI partner %s registered with us (OCPI %s)", partner, version)
    return our_credentials(token=token_c, request=request)


def credentials_update(
    *, partner: Partner, credentials: dict[str, Any], version: str, presented_token: str, request: Request | None = None
) -> dict[str, Any]:
    """PUT: new token for us, new endpoints or a new version. The token they used stays valid until they use the new
    one, so an answer lost on the way never locks them out."""
    _check_roles(partner, credentials, OcpiStatus.INVALID_PARAMETERS)
    client = _handshake_client(partner, credentials["token"], version)
    discovery = partner_discover(client=client, versions_url=credentials["url"], version=version)
    token_c = token_generate()
    _adopt(partner, credentials, discovery)
    partner.outbound_token = credentials["token"]
    partner.auth_header_base64 = client.base64_header
    partner.previous_token_hash, partner.token_hash = token_hash(presented_token), token_hash(token_c)
    partner.record_success()
    partner.save()
    logger.info("OCPI partner %s updated its credentials (OCPI %s)", partner, version)
    return our_credentials(token=token_c, request=request)


def credentials_delete(*, partner: Partner) -> None:
    """DELETE: the partner unregisters; its token stops working at once."""
    _forget(partner)
    logger.info("OCPI partner %s unregistered itself", partner)


def _forget(partner: Partner) -> None:
    partner.status = Partner.Status.UNREGISTERED
    partner.token_hash = partner.previous_token_hash = None
    partner.outbound_token = ""
    partner.save()


# --- Our side: token A for a new partner, and calls we initiate ----------------------------------------------------


@transaction.atomic
def partner_issue_token_a(
    *, country_code: str, party_id: str, name: str = "", granted_by: str = "token A"
) -> tuple[Partner, str]:
    """A token A for a partner that will register with us, and the grant of its party (refused while another
    partner holds it). Only the hash is kept: show the token once."""
    country_code, party_id = party_clean(country_code, party_id)
    same_party = Partner.objects.filter(country_code=country_code, party_id=party_id)
    registered = same_party.filter(status=Partner.Status.REGISTERED).first()
    if registered is not None:
        raise ValidationError(
            _("%(partner)s is registered; unregister it before issuing a new token A.") % {"partner": registered}
        )
    partner = same_party.order_by("-id").first() or Partner(country_code=country_code, party_id=party_id)
    token_a = token_generate()
    partner.name = name or partner.name
    partner.status = Partner.Status.PENDING
    partner.token_hash, partner.previous_token_hash = token_hash(token_a), None
    partner.save()
    party_grant(
        partner=partner,
        country_code=country_code,
        party_id=party_id,
        reason="The party its token A was issued for.",
        granted_by=granted_by,
    )
    return partner, token_a


def partner_register(
    *, versions_url: str, token_a: str, name: str = "", country_code: str = "", party_id: str = "", granted_by: str = ""
) -> Partner:
    """We register with a partner that gave us its versions URL and a token A: highest common version, token B to
    them, their token C back. Raises ``HandshakeError``; a failed attempt leaves nothing of ours valid.

    ``country_code`` and ``party_id`` name the party agreed with the partner: it is granted before we call, and their
    answer may name no other role than the parties granted (3001 otherwise). Without them, only a partner known from
    before (same versions URL) with its grants can register."""
    if Partner.objects.filter(versions_url=versions_url, status=Partner.Status.REGISTERED).exists():
        raise HandshakeError(OcpiStatus.CLIENT_ERROR, f"Already registered with {versions_url}.")
    client = OcpiClient(token=token_a)
    discovery = partner_discover(client=client, versions_url=versions_url)
    if is_211(discovery.version):
        client.base64_header = False  # 2.1.1: the token as it is (see _handshake_client)
    partner = Partner.objects.filter(versions_url=versions_url).order_by("-id").first() or Partner(name=name)
    partner.name = name or partner.name
    token_b = token_generate()
    with transaction.atomic():
        partner.versions_url = versions_url
        partner.version, partner.endpoints = discovery.version, discovery.endpoints
        partner.outbound_token, partner.auth_header_base64 = token_a, client.base64_header
        partner.token_hash, partner.previous_token_hash = token_hash(token_b), None
        partner.status = Partner.Status.PENDING
        if country_code or party_id:
            partner.country_code, partner.party_id = party_clean(country_code, party_id)
        partner.save()
        if country_code or party_id:
            try:
                party_grant(
                    partner=partner,
                    country_code=partner.country_code,
                    party_id=partner.party_id,
                    reason="The party agreed when staff registered with the partner.",
                    granted_by=granted_by or "registration",
                )
            except ValidationError as error:
                raise HandshakeError(OcpiStatus.CLIENT_ERROR, "; ".join(error.messages)) from error
    credentials_url = str(partner.endpoint_url(ModuleID.CREDENTIALS))
    try:
        reply = client.post(credentials_url, credentials_body(token=token_b, version=discovery.version))
        theirs = _their_credentials(reply.data, discovery.version)
        _check_roles(partner, theirs, OcpiStatus.CLIENT_API_UNUSABLE)
    except (OcpiClientError, HandshakeError) as error:
        partner.token_hash = None
        partner.last_error = f"Registration failed: {error}"
        partner.save(update_fields=["token_hash", "last_error", "updated"])
        raise HandshakeError(OcpiStatus.CLIENT_API_UNUSABLE, partner.last_error) from error
    _adopt(partner, theirs, None)
    partner.outbound_token = theirs["token"]
    partner.status = Partner.Status.REGISTERED
    partner.record_success()
    partner.save()
    logger.info("Registered with OCPI partner %s (OCPI %s)", partner, partner.version)
    return partner


def partner_rotate_token(*, partner: Partner) -> Partner:
    """PUT new credentials to the partner: a new token for them to use on us, theirs for us in return.

    Our old token stays valid until the partner has used the new one. If they reject the update we roll back; if the
    call's fate is unknown (timeout), both tokens stay valid so that neither outcome locks them out.
    """
    credentials_url = partner.endpoint_url(ModuleID.CREDENTIALS)
    if not partner.is_registered or not credentials_url:
        raise HandshakeError(OcpiStatus.CLIENT_ERROR, f"{partner} is not registered.")
    old_current, old_previous = partner.token_hash, partner.previous_token_hash
    new_token = token_generate()
    partner.token_hash, partner.previous_token_hash = token_hash(new_token), old_current
    partner.save(update_fields=["token_hash", "previous_token_hash", "updated"])
    client = _client(partner)
    try:
        reply = client.put(credentials_url, credentials_body(token=new_token, version=partner.version))
        theirs = _their_credentials(reply.data, partner.version)
    except (OcpiClientError, HandshakeError) as error:
        if isinstance(error, OcpiClientError) and not error.answered:
            partner.token_hash, partner.previous_token_hash = old_current, token_hash(new_token)
        else:
            partner.token_hash, partner.previous_token_hash = old_current, old_previous
        partner.last_error = f"Token rotation failed: {error}"
        partner.save(update_fields=["token_hash", "previous_token_hash", "last_error", "updated"])
        raise HandshakeError(OcpiStatus.CLIENT_API_UNUSABLE, partner.last_error) from error
    partner.outbound_token = theirs["token"]
    try:
        _check_roles(partner, theirs, OcpiStatus.CLIENT_API_UNUSABLE)
    except HandshakeError as error:
        # Both sides hold the new tokens now, so those stay; their roles and parties stay as granted.
        partner.last_error = f"Tokens rotated, but their answer was refused: {error.message}"
        partner.save(update_fields=["outbound_token", "last_error", "updated"])
        raise
    _adopt(partner, theirs, None)
    partner.record_success()
    partner.save()
    logger.info("Rotated tokens with OCPI partner %s", partner)
    return partner


def partner_unregister(*, partner: Partner) -> str:
    """DELETE our registration at the partner, then forget its tokens here whatever it answered."""
    credentials_url = partner.endpoint_url(ModuleID.CREDENTIALS)
    outcome = "They were not called: no credentials endpoint or no token."
    if partner.is_registered and credentials_url and partner.outbound_token:
        try:
            _client(partner).delete(credentials_url)
            outcome = "They confirmed the unregistration."
        except OcpiClientError as error:
            outcome = f"Their answer: {error}"
    _forget(partner)
    logger.info("Unregistered OCPI partner %s. %s", partner, outcome)
    return outcome


def partner_test_connection(*, partner: Partner) -> Discovery:
    """Read the partner's versions and endpoints with our token, and store what we found."""
    if not partner.versions_url or not partner.outbound_token:
        raise HandshakeError(OcpiStatus.CLIENT_ERROR, f"{partner} has no versions URL or token for us yet.")
    client = _client(partner)
    try:
        discovery = partner_discover(client=client, versions_url=partner.versions_url, version=partner.version or None)
    except HandshakeError as error:
        partner.last_error = f"Connection test failed: {error.message}"
        partner.save(update_fields=["last_error", "updated"])
        raise
    partner.mark_success(
        version=discovery.version, endpoints=discovery.endpoints, auth_header_base64=client.base64_header
    )
    return discovery
