"""The "ocpi" import format: OCPI Locations (2.2.1, 2.2 or 2.1.1) as real back offices publish them.

Reading is lenient, explicit and reported: the document may be a bare list, a single Location, an OCPI response
envelope, ``{"data": …}`` without ``status_code``, one Location per line, with or without a UTF-8 BOM. Each Location
is converted from 2.1.1 when it is one (``version``, or detected per Location), then passed through the repair rules
(``repairs``, ``repairs_equipment``), then read by the strict 2.2.1 codec. Every change is reported with its rule.

It is registered from here because the station domain must not import ``ocpi_api``; ``OcpiApiConfig.ready`` loads
this module.
"""

from __future__ import annotations

import copy
import json
import marshal
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings

from chargepoints.importers import (
    Converted,
    ImportFileError,
    LocationParser,
    RawRecord,
    RecordError,
    RepairLog,
    register_format,
)
from chargepoints.services import LocationInput
from ocpi_api.core.v211.locations import location_from_211, looks_like_211

from ..modules.locations.serializers import location_input_from_ocpi
from . import repairs_equipment  # noqa: F401  (registers the EVSE, connector, image and hours rules)
from .remote import pull_pages
from .repairs import repair_location

VERSIONS = ("2.1.1", "2.2", "2.2.1")
_BOM = b"\xef\xbb\xbf"


def read_document(raw: bytes) -> tuple[str, list[Any]]:
    """The Locations of a document in any of the shapes above, with the label prefix of their positions."""
    text = raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    try:
        document = json.loads(text)
    except UnicodeDecodeError as error:
        raise ImportFileError(f"not JSON: {error}") from error
    except json.JSONDecodeError as error:
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            return "line", [json.loads(line) for line in lines] if len(lines) > 1 else _raise(error)
        except json.JSONDecodeError:
            raise ImportFileError(f"not JSON: {error}") from error
    prefix = ""
    if isinstance(document, dict) and "data" in document and not {"id", "coordinates"} & document.keys():
        prefix, document = "data", document["data"]
        if document is None:
            raise ImportFileError("the OCPI response has no data")
    if isinstance(document, dict):
        return prefix or "location", [document]
    if isinstance(document, list):
        return prefix, document
    raise ImportFileError("expected a Location, a list of Locations or an OCPI response holding them")


def _raise(error: Exception) -> Any:
    raise error


def _json_copy(value: Any) -> Any:
    """A copy of parsed JSON for the repairs to change, leaving the record as read. ``marshal`` copies dicts, lists,
    strings and numbers several times faster than ``deepcopy``; anything else it refuses, and deepcopy copies."""
    try:
        return marshal.loads(marshal.dumps(value))  # noqa: S302  (our own bytes, made the line before)
    except ValueError:
        return copy.deepcopy(value)


def _label(position: str, location: Any) -> str:
    location_id = location.get("id") if isinstance(location, dict) else None
    return f"{position} (id {location_id})" if location_id is not None else position


class OcpiLocationsParser(LocationParser):
    """OCPI Locations, repaired. ``version`` None detects 2.1.1 per Location; 2.1.1 Locations have no party of
    their own and are published under ``country_code``/``party_id`` (our own party unless given)."""

    def __init__(self, version: str | None = None, country_code: str = "", party_id: str = "") -> None:
        self.version = version
        self.country_code = country_code
        self.party_id = party_id

    def configured(self, **options: Any) -> OcpiLocationsParser:
        version = options.get("version")
        if version is not None and version not in VERSIONS:
            raise ValueError(f"Unknown OCPI version '{version}'; known: {', '.join(VERSIONS)}.")
        return OcpiLocationsParser(
            version=version,
            country_code=options.get("country_code") or "",
            party_id=options.get("party_id") or "",
        )

    def fingerprint_options(self) -> str:
        return f"{self.version}/{self._party()}"

    def _party(self) -> tuple[str, str]:
        return (
            self.country_code or str(settings.CPO_COUNTRY_CODE),
            self.party_id or str(settings.CPO_PARTY_ID),
        )

    def split(self, raw: bytes) -> list[RawRecord]:
        prefix, locations = read_document(raw)
        records = []
        for i, location in enumerate(locations):
            position = f"{prefix}[{i}]" if prefix != "location" else prefix
            records.append(
                RawRecord(index=i, label=_label(position, location), payload=location, key=self._key(location))
            )
        return records

    def _key(self, location: Any) -> str | None:
        if not isinstance(location, dict) or location.get("id") in (None, ""):
            return None
        country_code, party_id = self._party()
        if not self._is_211(location):
            country_code = str(location.get("country_code", country_code)).strip().upper()
            party_id = str(location.get("party_id", party_id)).strip().upper()
        return f"{country_code}/{party_id}/{str(location['id']).strip()}"

    def _is_211(self, location: Any) -> bool:
        return self.version == "2.1.1" or (self.version is None and looks_like_211(location))

    def fetch(
        self, *, url: str, token: str, on_page: Callable[[int], None]
    ) -> tuple[LocationParser, list[RawRecord], str]:
        feed, pages = pull_pages(url=url, token=token, version=self.version, on_page=on_page)
        payloads = [
            (f"page {number} [{i}]", item) for number, items in enumerate(pages, 1) for i, item in enumerate(items)
        ]
        parser = self
        if self.version is None and feed.version == "2.1.1":
            parser = OcpiLocationsParser("2.1.1", self.country_code, self.party_id)
        records = [
            RawRecord(index=i, label=_label(position, item), payload=item, key=parser._key(item))
            for i, (position, item) in enumerate(payloads)
        ]
        return parser, records, feed.incomplete

    def convert(self, record: RawRecord) -> LocationInput:
        return location_input_from_ocpi(record.payload)

    def convert_repaired(self, record: RawRecord, *, now: datetime) -> Converted:
        location = record.payload
        if not isinstance(location, dict):
            raise RecordError("", f"a Location is a JSON object, not {type(location).__name__}")
        log = RepairLog()
        if self._is_211(location):
            country_code, party_id = self._party()
            location, changes = location_from_211(location, country_code=country_code, party_id=party_id)
            for path, before, after in changes:
                log.fix("ocpi211.names", path, before, after, derived=path in ("country_code", "party_id", "publish"))
        else:
            location = _json_copy(location)
        repair_location(location, log=log, now=now)
        return Converted(location_input_from_ocpi(location), log.repairs, log.rejections)


register_format("ocpi", OcpiLocationsParser())
