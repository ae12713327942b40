"""The one HTTP client for every call we make to a partner.

Same conventions as what we serve (token header, request ids, routing headers on functional modules), timeouts on
every call, envelope parsing that tolerates common partner quirks, and one log line per exchange with tokens masked.
Every call goes through the outgoing-URL guard (``egress``): a URL it refuses is never connected to, and redirects
are never followed.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

import requests
import urllib3
from django.conf import settings

from .egress import OutgoingUrlRefused, VettedPools, vetted_session
from .headers import CORRELATION_ID, REQUEST_ID, Routing
from .status import OcpiStatus
from .tokens import header_value, mask

logger = logging.getLogger(__name__)
# URLs requests itself will not send (no host, no scheme): refused like the guard's, as retrying changes nothing.
_UNUSABLE_URL = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema)


class OcpiClientError(Exception):
    """A call that did not succeed. ``answered`` tells a clear rejection apart from a call whose fate is unknown;
    ``refused`` means we did not call at all, because the outgoing-URL rules forbid the URL."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        status_code: int | None = None,
        answered: bool = False,
        refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status_code = status_code
        self.answered = answered
        self.refused = refused


@dataclass(frozen=True)
class OcpiReply:
    http_status: int
    status_code: int
    status_message: str
    data: Any
    headers: Mapping[str, str] = field(default_factory=dict)


def mask_tokens(value: Any) -> Any:
    """A copy of a JSON body with every ``token`` value masked, for the logs (credentials bodies carry tokens)."""
    if isinstance(value, dict):
        return {k: mask(v) if k == "token" and isinstance(v, str) else mask_tokens(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_tokens(item) for item in value]
    return value


def join_url(base: str, *parts: str) -> str:
    """Join with exactly one slash between parts, whatever the partner's trailing-slash habit (OCPI 2.2.1 is
    inconsistent about it)."""
    url = base.rstrip("/")
    for part in parts:
        url += "/" + str(part).strip("/")
    return url


def _status_code(raw: Any) -> int | None:
    # Partners send 1000, "1000" or 1000.0.
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and float(raw).is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


class OcpiClient:
    def __init__(
        self,
        *,
        token: str,
        base64_header: bool = True,
        timeout: tuple[float, float] | None = None,
        session: requests.Session | None = None,
        pools: VettedPools | None = None,
    ) -> None:
        """Calls go through ``session`` (a requests session, vetted), or through ``pools`` when given: the same
        guard and the same answers, for less CPU per call (the push worker's)."""
        self.token = token
        self.base64_header = base64_header
        self.timeout = timeout or tuple(settings.OCPI_CLIENT_TIMEOUT)
        self.pools = pools
        self.session = vetted_session(session) if pools is None else None

    def get(self, url: str, **kwargs: Any) -> OcpiReply:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, body: Any, **kwargs: Any) -> OcpiReply:
        return self.request("POST", url, body=body, **kwargs)

    def put(self, url: str, body: Any, **kwargs: Any) -> OcpiReply:
        return self.request("PUT", url, body=body, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> OcpiReply:
        return self.request("DELETE", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        routing: Routing | None = None,
        correlation_id: str | None = None,
        try_other_header: bool = False,
    ) -> OcpiReply:
        """Make one call. With ``try_other_header`` a 401 is retried once with the other token form (raw/Base64),
        the trial and error the 2.2.1 spec itself suggests; ``self.base64_header`` then holds the form that worked."""
        try:
            return self._send(method, url, body, params, routing, correlation_id)
        except OcpiClientError as error:
            if not (try_other_header and error.http_status == 401):
                raise
        self.base64_header = not self.base64_header
        try:
            return self._send(method, url, body, params, routing, correlation_id)
        except OcpiClientError:
            self.base64_header = not self.base64_header
            raise

    def _send(
        self,
        method: str,
        url: str,
        body: Any,
        params: Mapping[str, str] | None,
        routing: Routing | None,
        correlation_id: str | None,
    ) -> OcpiReply:
        request_id = str(uuid.uuid4())
        headers = {
            "Authorization": header_value(self.token, base64_encoded=self.base64_header),
            "Accept": "application/json",
            REQUEST_ID: request_id,
            CORRELATION_ID: correlation_id or str(uuid.uuid4()),
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        if routing is not None:
            headers.update(routing.as_headers())
        started = time.monotonic()
        log_context = f"{method} {url} (request {request_id}, token {mask(self.token)})"
        debug = logger.isEnabledFor(logging.DEBUG)  # the bodies are masked only to be logged
        if body is not None and debug:
            logger.debug("OCPI request body for %s: %s", log_context, mask_tokens(body))
        try:
            response = self._call(method, url, body, params, headers)
        except (OutgoingUrlRefused, *_UNUSABLE_URL) as error:
            logger.warning("OCPI %s refused, not sent: %s", log_context, error)
            raise OcpiClientError(f"Refused to call {error}", refused=True) from error
        except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
            logger.warning("OCPI %s failed after %.0f ms: %s", log_context, _ms(started), error)
            raise OcpiClientError(f"Could not reach {url}: {error.__class__.__name__}") from error
        if response.is_redirect:
            # Never followed: the Location could be anywhere, and it would get our token.
            location = response.headers.get("Location")
            logger.warning("OCPI %s -> HTTP %s to %s, not followed", log_context, response.status_code, location)
            raise OcpiClientError(
                f"{url} answered HTTP {response.status_code}, a redirect to {location!r}; redirects are not followed",
                http_status=response.status_code,
                answered=True,
                refused=True,
            )
        reply = self._parse(response, url)
        logger.info(
            "OCPI %s -> HTTP %s, OCPI %s in %.0f ms", log_context, response.status_code, reply.status_code, _ms(started)
        )
        if debug:
            logger.debug("OCPI response body for %s: %s", log_context, mask_tokens(reply.data))
        if not 1000 <= reply.status_code < 2000 or response.status_code >= 400:
            raise OcpiClientError(
                f"{url} answered HTTP {response.status_code}, OCPI {reply.status_code}: {reply.status_message}"[:500],
                http_status=response.status_code,
                status_code=reply.status_code,
                answered=True,
            )
        return reply

    def _call(
        self, method: str, url: str, body: Any, params: Mapping[str, str] | None, headers: dict[str, str]
    ) -> Answer:
        if self.pools is None:
            assert self.session is not None
            return self.session.request(
                method, url, json=body, params=params, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        # Encoded as requests encodes ``json=``.
        encoded = None if body is None else json.dumps(body, allow_nan=False).encode()
        timeout = (float(self.timeout[0]), float(self.timeout[1]))
        return PooledAnswer(self.pools.urlopen(method, url, body=encoded, headers=headers, timeout=timeout))

    @staticmethod
    def _parse(response: Answer, url: str) -> OcpiReply:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.status_code >= 400:
                # An HTTP error without an envelope (a proxy's page, a framework's default 401) is still an answer.
                return OcpiReply(response.status_code, int(OcpiStatus.CLIENT_ERROR), _excerpt(response), None)
            if isinstance(body, list):
                # A bare list without the envelope: a quirk seen on version lists; take it as the data.
                return OcpiReply(response.status_code, int(OcpiStatus.SUCCESS), "", body, response.headers)
            logger.warning("OCPI %s answered HTTP %s with no JSON object", url, response.status_code)
            raise OcpiClientError(
                f"{url} answered HTTP {response.status_code} with something that is not an OCPI response.",
                http_status=response.status_code,
                answered=True,
            )
        status_code = _status_code(body.get("status_code"))
        if status_code is None:
            # No usable status_code: judge by the HTTP status, as lenient clients do.
            ok = response.status_code < 400
            status_code = int(OcpiStatus.SUCCESS if ok else OcpiStatus.CLIENT_ERROR)
            data = body.get("data", body if ok else None)
        else:
            data = body.get("data")
        message = str(body.get("status_message") or "")
        if not message and (response.status_code >= 400 or not 1000 <= status_code < 2000):
            message = _excerpt(response)  # a refusal without a status_message: show staff what the partner sent
        return OcpiReply(response.status_code, status_code, message, data, response.headers)


_EXCERPT = 200


class Answer(Protocol):
    """What the client reads of an HTTP answer: a ``requests.Response`` or a ``PooledAnswer``."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def text(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def is_redirect(self) -> bool: ...
    def json(self) -> Any: ...


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class PooledAnswer:
    """A urllib3 answer (read whole) as the client reads a ``requests.Response``."""

    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers
        self.reason = response.reason
        self._content = response.data

    @property
    def text(self) -> str:
        return self._content.decode("utf-8", errors="replace")

    @property
    def is_redirect(self) -> bool:
        return "location" in self.headers and self.status_code in _REDIRECTS

    def json(self) -> Any:
        return json.loads(self._content)  # a ValueError when it is not JSON, as requests raises


def _excerpt(response: Answer) -> str:
    """The start of a partner's answer on one line, for messages staff read; the HTTP reason when it is empty."""
    text = " ".join(response.text.split())
    if not text:
        return f"(empty body) {response.reason or ''}".strip()
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
