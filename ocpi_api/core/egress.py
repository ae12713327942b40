"""Where our calls to partners may go: the one guard under every request of the OCPI client.

Partners hand us URLs (their versions URL, their endpoints, a command's ``response_url``), so a URL is untrusted
until vetted. Before a connection is made the host is resolved, and every address it resolves to must be public:
loopback, private, link-local, multicast, unspecified and reserved addresses, IPv4 and IPv6, also an IPv4 address
inside an IPv6 one (IPv4-mapped, 6to4, Teredo, NAT64), are refused unless ``OCPI_OUTGOING_ALLOWED_NETWORKS`` lists
them. The connection then goes to the address we vetted, while the Host header, TLS SNI and the certificate check
keep the URL's name, so a DNS answer that changes between the check and the connect (rebinding) cannot move the
call. With ``OCPI_OUTGOING_REQUIRE_HTTPS`` (on in production) only https URLs are called. Calls never go through
an environment proxy (it would resolve the name itself) and redirects are never followed (the client's business).
"""

from __future__ import annotations

import functools
import socket
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3 import BaseHTTPResponse, Timeout
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

IpAddress = IPv4Address | IPv6Address
IpNetwork = IPv4Network | IPv6Network
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = IPv6Network("64:ff9b::/96")


class OutgoingUrlRefused(Exception):
    """A URL we do not call; the message says which and why."""


@dataclass(frozen=True)
class Target:
    """A vetted URL: where to connect (``address``) and the name the partner's server answers to (``host``)."""

    scheme: str
    host: str
    port: int
    address: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


@functools.lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[IpNetwork, ...]:
    return tuple(ip_network(network, strict=False) for network in configured)


def allowed_networks() -> tuple[IpNetwork, ...]:
    return _networks(tuple(settings.OCPI_OUTGOING_ALLOWED_NETWORKS))


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _allowed(address: IpAddress, networks: Iterable[IpNetwork]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def address_problem(address: IpAddress) -> str | None:
    """Why we do not call this address, or None when we may (public, or on the allowlist)."""
    networks = allowed_networks()
    embedded = _embedded_ipv4(address) if isinstance(address, IPv6Address) else None
    if _allowed(address, networks) or (embedded is not None and _allowed(embedded, networks)):
        return None
    if embedded is not None:
        inner = address_problem(embedded)
        if inner is not None:
            return f"{inner} (inside the IPv6 address {address})"
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    )
    for kind, applies in checks:
        if applies:
            return f"{address} is {kind}"
    return None


def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        return [ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise requests.ConnectionError(f"Cannot resolve {host}: {error}") from error
    addresses: list[IpAddress] = []
    for info in infos:
        address = ip_address(str(info[4][0]))
        if address not in addresses:
            addresses.append(address)
    return addresses


def url_problem(url: str) -> str | None:
    """What is wrong with a URL before any name is resolved (scheme, https rule, host, port), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"{url} is no valid URL ({error})"
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return f"{url}: only http and https URLs are called"
    if scheme != "https" and settings.OCPI_OUTGOING_REQUIRE_HTTPS:
        return f"{url}: only https URLs are called (OCPI_OUTGOING_REQUIRE_HTTPS)"
    if parts.username is not None or parts.password is not None:
        return f"{url}: URLs with credentials in them are not called"
    if not parts.hostname or port == 0:
        return f"{url} has no host or port to call"
    return None


def url_host(url: str) -> str:
    """A URL's host name, lower case and without a trailing dot ('' without one), to compare hosts."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def vet_url(url: str) -> Target:
    """Resolve and check a URL. Raises ``OutgoingUrlRefused`` (our rules say no) or ``requests.ConnectionError``
    (the name does not resolve). Every address the name resolves to must pass, so that no answer of a round-robin
    name is hostile; we connect to the first."""
    problem = url_problem(url)
    if problem is not None:
        raise OutgoingUrlRefused(problem)
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), str(parts.hostname).rstrip(".")
    port = parts.port or _DEFAULT_PORTS[scheme]
    addresses = _resolve(host, port)
    if not addresses:
        raise requests.ConnectionError(f"{host} resolves to no address")
    for address in addresses:
        problem = address_problem(address)
        if problem is not None:
            named = "" if str(address) == host else f"{host} resolves to "
            raise OutgoingUrlRefused(f"{url}: {named}{problem}; not on OCPI_OUTGOING_ALLOWED_NETWORKS")
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]))


class VettedAdapter(HTTPAdapter):
    """A requests transport that vets each request's URL and connects to the address it vetted."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: tuple[str, str] | str | None = None,
    ) -> HTTPConnectionPool:
        target = vet_url(str(request.url))
        verify = True if verify is None else verify
        host_params, key_attributes = self.build_connection_pool_key_attributes(request, verify, cert)
        host_params["host"] = target.address
        pool_kwargs: dict[str, Any] = dict(key_attributes)
        if target.scheme == "https":
            # SNI and the certificate's name check use the URL's host, not the address we connect to.
            pool_kwargs["server_hostname"] = target.host
            pool_kwargs["assert_hostname"] = target.host
        request.headers["Host"] = target.host_header
        pool: HTTPConnectionPool = self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)
        return pool


def vetted_session(session: requests.Session | None = None) -> requests.Session:
    """``session`` (or a new one) with the vetting transport for http and https, and no proxies from the
    environment."""
    session = session or requests.Session()
    if not all(isinstance(adapter, VettedAdapter) for adapter in session.adapters.values()):
        session.adapters.clear()  # no prefix may keep a transport of its own
        adapter = VettedAdapter()
        for prefix in ("https://", "http://", ""):  # "": other schemes reach the guard too, which refuses them
            session.mount(prefix, adapter)
    session.trust_env = False
    return session


class VettedPools:
    """Kept-alive urllib3 connection pools behind the same guard, for callers that make many calls to one partner
    (the push worker): the same vetting as ``VettedAdapter`` (the URL resolved and checked on every call, the
    connection made to the vetted address, Host, SNI and the certificate check on the URL's name; no proxy, no
    redirect followed) without the requests machinery around each call, which cost the worker more CPU than the
    call itself. Thread-safe; a pool per vetted (scheme, address, port, name). ``ca_certs``: the certificates https
    servers are checked against (by default the bundle requests uses)."""

    def __init__(self, ca_certs: str = DEFAULT_CA_BUNDLE_PATH) -> None:
        self._pools: dict[tuple[str, str, int, str], HTTPConnectionPool] = {}
        self._lock = threading.Lock()
        self._ca_certs = ca_certs

    def urlopen(
        self, method: str, url: str, *, body: bytes | None, headers: dict[str, str], timeout: tuple[float, float]
    ) -> BaseHTTPResponse:
        """One call, its answer read whole. Raises ``OutgoingUrlRefused``, ``requests.ConnectionError`` (the name
        does not resolve) or a ``urllib3.exceptions.HTTPError`` (no answer)."""
        target = vet_url(url)
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return self._pool(target).urlopen(
            method,
            path,
            body=body,
            headers={**headers, "Host": target.host_header},
            timeout=Timeout(connect=timeout[0], read=timeout[1]),
            retries=False,
            redirect=False,
            assert_same_host=False,
        )

    def _pool(self, target: Target) -> HTTPConnectionPool:
        key = (target.scheme, target.address, target.port, target.host)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                if target.scheme == "https":
                    pool = HTTPSConnectionPool(
                        target.address,
                        target.port,
                        server_hostname=target.host,
                        assert_hostname=target.host,
                        cert_reqs="CERT_REQUIRED",
                        ca_certs=self._ca_certs,
                    )
                else:
                    pool = HTTPConnectionPool(target.address, target.port)
                self._pools[key] = pool
            return pool
