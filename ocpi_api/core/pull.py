"""Reading a partner's paginated list (OCPI 2.2.1 transport_and_format.asciidoc, Pagination) as a client: the other side
of ``pagination``.

The server decides the page size (``X-Limit`` caps the ``limit`` we ask for), so a short page never means the end:
only a missing ``Link: <…>; rel="next"`` does. The reader stops by itself, and says why, when the list cannot be
trusted to be complete: a ``Link`` back to a page already read, a ``Link`` to another server (it would get our
token), the page limit, an ``X-Total-Count`` that drops while we read (an object left the window and the offsets
behind it shifted, so one may have been passed over) or fewer objects than announced.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from requests.utils import parse_header_links

from .client import OcpiClient, OcpiClientError
from .headers import Routing


@dataclass(frozen=True)
class ListPage:
    number: int
    items: list[Any]


def next_link(headers: Mapping[str, str], base_url: str) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, resolved against the page it came with."""
    for link in parse_header_links(headers.get("Link", "")):
        if link.get("rel") == "next" and link.get("url"):
            return urljoin(base_url, link["url"])
    return None


def _count(headers: Mapping[str, str], name: str) -> int | None:
    raw = str(headers.get(name, "")).strip()
    return int(raw) if raw.isdigit() else None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _page_key(url: str) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    # The same page whatever the order of the query parameters or a trailing slash.
    parts = urlsplit(url)
    return (*_origin(url), parts.path.rstrip("/"), tuple(sorted(parse_qsl(parts.query))))


class ListReader:
    """GET ``url`` with ``params``, then follow ``Link`` page by page. ``incomplete`` says why the pages read are
    not the whole list, or is empty when they are. Call errors (``OcpiClientError``) propagate from ``pages()``."""

    def __init__(
        self,
        client: OcpiClient,
        url: str,
        *,
        params: Mapping[str, str],
        routing: Routing | None,
        max_pages: int,
    ) -> None:
        self.client = client
        self.url = url
        self.params = params
        self.routing = routing
        self.max_pages = max_pages
        self.incomplete = ""

    def pages(self) -> Iterator[ListPage]:
        # The first call carries our filters; every Link must carry them itself (OCPI 2.2.1
        # transport_and_format.asciidoc, Paginated Response).
        url: str | None = requests.Request("GET", self.url, params=dict(self.params)).prepare().url
        read: set[tuple[str, str, str, tuple[tuple[str, str], ...]]] = set()
        number = received = 0
        first_total: int | None = None
        total: int | None = None
        while url is not None:
            if number == self.max_pages:
                self.incomplete = f"Stopped after {self.max_pages} pages (the page limit); the list goes on."
                return
            reply = self.client.get(url, routing=self.routing)
            number += 1
            read.add(_page_key(url))
            if not isinstance(reply.data, list):
                raise OcpiClientError(f"Page {number} ({url}) has no list of objects in data.", answered=True)
            total = _count(reply.headers, "X-Total-Count")  # objects matching the filters, across all pages
            first_total = total if first_total is None else first_total
            if total is not None and first_total is not None and total < first_total and not self.incomplete:
                self.incomplete = (
                    f"The list changed while we read it (X-Total-Count went from {first_total} to {total})."
                )
            received += len(reply.data)
            yield ListPage(number=number, items=reply.data)
            url = next_link(reply.headers, url)
            if url is not None and _page_key(url) in read:
                self.incomplete = f"Their Link header leads back to a page already read ({url}); stopped."
                return
            if url is not None and _origin(url) != _origin(self.url):
                self.incomplete = f"Their Link header points to another server ({url}); not followed."
                return
        if total is not None and received < total and not self.incomplete:
            self.incomplete = f"They announced {total} objects (X-Total-Count) but sent {received}."
