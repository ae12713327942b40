"""Importers of station data sets into the catalogue, one small parser per format behind a registry.

Parsers for the data sets ship here. Formats that need another app register themselves from that app, so that this
domain app never imports it: ``ocpi_api`` registers the "ocpi" format when it loads.
"""

from __future__ import annotations

from .base import Converted, ImportFileError, LocationParser, RawRecord, RecordError
from .bnetza import BnetzaParser
from .nobil import NobilParser
from .repairs import Rejection, Repair, RepairLog

__all__ = [
    "Converted",
    "ImportFileError",
    "LocationParser",
    "RawRecord",
    "RecordError",
    "Rejection",
    "Repair",
    "RepairLog",
    "format_names",
    "get_parser",
    "register_format",
]

_FORMATS: dict[str, LocationParser] = {}


def register_format(name: str, parser: LocationParser) -> None:
    if name in _FORMATS and type(_FORMATS[name]) is not type(parser):
        raise ValueError(f"Import format '{name}' is already registered by {type(_FORMATS[name]).__name__}.")
    _FORMATS[name] = parser


def get_parser(name: str) -> LocationParser:
    try:
        return _FORMATS[name]
    except KeyError:
        raise ValueError(f"Unknown import format '{name}'; known: {', '.join(format_names())}.") from None


def format_names() -> list[str]:
    return sorted(_FORMATS)


register_format("nobil", NobilParser())
register_format("bnetza", BnetzaParser())
