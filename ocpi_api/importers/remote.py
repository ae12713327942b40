"""Pulling the Locations of the old back office from its live OCPI endpoint, page by page by ``Link``.

The URL may be its versions URL (OCPI 2.2.1 version_information_endpoint.asciidoc §6.1), a version details URL
(§6.2) or the Locations endpoint itself (mod_locations.asciidoc §8.2.1.1). From a versions URL the newest version
we read is chosen (2.2.1, then 2.2, then 2.1.1), and its ``locations`` endpoint (the SENDER one in 2.2.x). The token
is tried Base64-encoded (2.2.x) and raw (2.1.1 and many 2.2 peers) on the first call. The pages go through the
project's OCPI client, so every call meets the same URL and timeout rules as our other calls to partners.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from chargepoints.importers import ImportFileError
from ocpi_api.core.client import OcpiClient, OcpiClientError
from ocpi_api.core.pull import ListReader

MAX_PAGES = 100_000
_PREFERRED = ("2.2.1", "2.2", "2.1.1")


@dataclass
class RemoteFeed:
    locations_url: str
    version: str | None
    incomplete: str = ""  # why the pages read are not the whole list; empty when they are


def _endpoint(reply_data: Any) -> str | None:
    endpoints = reply_data.get("endpoints") if isinstance(reply_data, dict) else None
    for endpoint in endpoints or []:
        if not isinstance(endpoint, dict) or endpoint.get("identifier") != "locations":
            continue
        if endpoint.get("role", "SENDER") == "SENDER" and isinstance(endpoint.get("url"), str):
            return str(endpoint["url"])
    return None


def _choose_version(versions: list[Any], wanted: str | None) -> tuple[str, str]:
    offered = {
        v.get("version"): v.get("url") for v in versions if isinstance(v, dict) and isinstance(v.get("url"), str)
    }
    for version in (wanted,) if wanted else _PREFERRED:
        if version in offered:
            return str(version), str(offered[version])
    raise ImportFileError(f"the versions endpoint offers {', '.join(map(str, offered)) or 'nothing'}, none we read")


def locate(client: OcpiClient, url: str, wanted: str | None) -> RemoteFeed:
    """Find the Locations endpoint from ``url`` (which may be it)."""
    reply = client.request("GET", url, try_other_header=True)
    data = reply.data
    version = wanted
    if isinstance(data, list) and data and all(isinstance(v, dict) and "version" in v and "url" in v for v in data):
        version, details_url = _choose_version(data, wanted)
        data = client.get(details_url).data
    if isinstance(data, dict) and "endpoints" in data:
        version = version or (str(data["version"]) if data.get("version") else None)
        locations_url = _endpoint(data)
        if locations_url is None:
            raise ImportFileError("the version details name no Locations endpoint we can read from")
        return RemoteFeed(locations_url, version)
    return RemoteFeed(url, version)


def pull_pages(
    *, url: str, token: str, version: str | None, on_page: Callable[[int], None] = lambda count: None
) -> tuple[RemoteFeed, Iterator[list[Any]]]:
    """The feed found from ``url`` and an iterator over its pages of Locations. Raises ``ImportFileError``."""
    client = OcpiClient(token=token)
    try:
        feed = locate(client, url, version)
    except OcpiClientError as error:
        raise ImportFileError(f"cannot read {url}: {error}") from error
    reader = ListReader(client, feed.locations_url, params={}, routing=None, max_pages=MAX_PAGES)

    def pages() -> Iterator[list[Any]]:
        try:
            for page in reader.pages():
                on_page(len(page.items))
                yield page.items
        except OcpiClientError as error:
            raise ImportFileError(f"cannot read {feed.locations_url}: {error}") from error
        feed.incomplete = reader.incomplete

    return feed, pages()
