"""The "ocpi" import format: OCPI 2.2.1 Locations, read with the Locations module's codec.

It is registered from here because the station domain must not import ``ocpi_api``; ``OcpiApiConfig.ready`` loads
this module.
"""

from __future__ import annotations

import json
from typing import Any

from chargepoints.importers import ImportFileError, LocationParser, RawRecord, register_format
from chargepoints.services import LocationInput

from .modules.locations.serializers import location_input_from_ocpi


class OcpiLocationsParser(LocationParser):
    """A list of Locations, a single Location, or either inside an OCPI response envelope."""

    def split(self, raw: bytes) -> list[RawRecord]:
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ImportFileError(f"not JSON: {error}") from error
        prefix = ""
        if isinstance(document, dict) and "status_code" in document and "data" in document:
            prefix, document = "data", document["data"]
            if document is None:
                raise ImportFileError("the OCPI response has no data")
        if isinstance(document, dict):
            return [RawRecord(index=0, label=_label(prefix or "location", document), payload=document)]
        if isinstance(document, list):
            return [
                RawRecord(index=i, label=_label(f"{prefix}[{i}]", item), payload=item)
                for i, item in enumerate(document)
            ]
        raise ImportFileError("expected a Location, a list of Locations or an OCPI response holding them")

    def convert(self, record: RawRecord) -> LocationInput:
        return location_input_from_ocpi(record.payload)


def _label(position: str, location: Any) -> str:
    location_id = location.get("id") if isinstance(location, dict) else None
    return f"{position} (id {location_id})" if location_id is not None else position


register_format("ocpi", OcpiLocationsParser())
