"""Building blocks of the importers: the parser interface and the conversions that several data sets share."""

from __future__ import annotations

import html
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from ..enums import ConnectorFormat, PowerType
from ..services import ConnectorInput, LocationInput, RegularHoursInput
from .connector_types import OCM_CONNECTION_TYPES
from .repairs import Rejection, Repair


class ImportFileError(Exception):
    """The file as a whole cannot be read in this format; nothing is imported."""


class RecordError(Exception):
    """One record cannot be turned into a location. ``field`` is its path inside the record, when known."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class RawRecord:
    """One record of a data set, as split from the file and not yet interpreted."""

    index: int  # 0-based position in the file
    label: str  # how a person finds the record in the file, e.g. "chargingStations[4] (id 1000005)"
    payload: Any
    # What identifies the location inside the feed, when the parser knows it before converting: two records with
    # the same key are both rejected (which one is right would be a guess).
    key: str | None = None


@dataclass
class Converted:
    """A record as the domain's input, with what a lenient parser repaired and the parts (EVSEs) it left out."""

    data: LocationInput
    repairs: list[Repair] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class LocationParser(ABC):
    """Turns one data format into ``LocationInput`` records for ``location_upsert``.

    Splitting and converting are separate so that a record that cannot be converted is reported on its own, and the
    records that can are still imported.
    """

    @abstractmethod
    def split(self, raw: bytes) -> list[RawRecord]:
        """Cut the file into records. Raises ``ImportFileError`` when the file is not in this format at all."""

    @abstractmethod
    def convert(self, record: RawRecord) -> LocationInput:
        """Map one record. Raises ``RecordError`` or Django's ``ValidationError`` naming the field."""

    def convert_repaired(self, record: RawRecord, *, now: datetime) -> Converted:
        """Map one record, repairing what can be repaired; ``now`` is the import time. Strict parsers repair nothing."""
        return Converted(self.convert(record))

    def configured(self, **options: Any) -> LocationParser:
        """This parser with format options from the command line (such as ``version``); none by default."""
        return self

    def fetch(
        self, *, url: str, token: str, on_page: Callable[[int], None]
    ) -> tuple[LocationParser, list[RawRecord], str]:
        """Pull the records from a live endpoint: the parser for them (the version may be found on the way), the
        records, and why they are not the whole list (empty when they are). Raises ``ImportFileError``."""
        raise ImportFileError("this format cannot be pulled from a URL")

    def fingerprint_options(self) -> str:
        """The options that change what a record converts to, for the unchanged-record hash."""
        return ""


# --- Conversions shared by the data-set importers ---------------------------------------------------------------

_COORDINATE_RE = re.compile(r"^-?\d{1,3}(\.\d+)?$")


def coordinate(value: Any, *, field: str, limit: int) -> str:
    """An OCPI coordinate string (5 to 7 decimals) from a source number or string, range-checked."""
    text = str(value).strip() if isinstance(value, int | float | str) and not isinstance(value, bool) else ""
    if not _COORDINATE_RE.match(text):
        raise RecordError(field, f"'{value}' is not a decimal coordinate")
    try:
        number = Decimal(text)
    except InvalidOperation as error:
        raise RecordError(field, f"'{value}' is not a decimal coordinate") from error
    if not -limit <= number <= limit:
        raise RecordError(field, f"{value} is outside -{limit}..{limit}")
    decimals = max(5, min(7, -int(number.as_tuple().exponent)))
    return f"{number:.{decimals}f}"


def clean_text(value: Any, *, max_length: int) -> str:
    """Source text as an OCPI string: HTML entities decoded, whitespace runs (line breaks too) made single spaces."""
    text = " ".join(html.unescape(str(value or "")).split())
    return text[:max_length].rstrip()


def own_party() -> tuple[str, str]:
    """Real data is published under our own OCPI party."""
    return str(settings.CPO_COUNTRY_CODE), str(settings.CPO_PARTY_ID)


def emi3_evse_id(number: str) -> str:
    """An eMI3 EVSE ID under our own party, e.g. ``SE*CPO*E1000310801``."""
    country_code, party_id = own_party()
    return f"{country_code}*{party_id}*E{number}"


def split_overnight(weekday: int, begin: str, end: str) -> list[RegularHoursInput]:
    """OCPI periods end later than they begin on the same day: 05:00–01:00 becomes 05:00–23:59 plus 00:00–01:00."""
    end = "23:59" if end in ("24:00", "00:00") else end
    if end > begin:
        return [{"weekday": weekday, "period_begin": begin, "period_end": end}]
    periods: list[RegularHoursInput] = [{"weekday": weekday, "period_begin": begin, "period_end": "23:59"}]
    if end != "00:00":
        periods.append({"weekday": weekday % 7 + 1, "period_begin": "00:00", "period_end": end})
    return periods


# Nominal electrical values for sources that give only a power rating. OCPI requires voltage and amperage; these
# are the common European values (230 V line to neutral; 500 V DC up to 50 kW, 920 V DC above).
AC_VOLTAGE = 230
_AC_MAX_AMPERAGE = {ConnectorFormat.SOCKET: 32, ConnectorFormat.CABLE: 63}
_SCHUKO_MAX_AMPERAGE = 16


def electrical_from_power(*, power_w: int, dc: bool, standard: str, connector_format: str) -> ConnectorInput:
    """Power type, voltage, amperage and (when lower than those suggest) max_electric_power for a power rating.

    AC amperage is capped at what the connector can physically carry: the register lists the charge point's power
    on every connector, so a Schuko socket at a 22 kW point is really a 3.7 kW socket. Up to 7.36 kW (230 V, 32 A)
    AC is taken as single-phase.
    """
    max_amperage: int | None = None
    if dc:
        voltage = 500 if power_w <= 50_000 else 920
        phases = 1
        power_type = PowerType.DC.value
    else:
        voltage = AC_VOLTAGE
        schuko = standard == "DOMESTIC_F"
        max_amperage = _SCHUKO_MAX_AMPERAGE if schuko else _AC_MAX_AMPERAGE[ConnectorFormat(connector_format)]
        single_phase = schuko or power_w <= AC_VOLTAGE * 32
        phases = 1 if single_phase else 3
        power_type = (PowerType.AC_1_PHASE if single_phase else PowerType.AC_3_PHASE).value
    amperage = max(1, math.ceil(power_w / (voltage * phases)))
    if max_amperage is not None:
        amperage = min(amperage, max_amperage)
    result: ConnectorInput = {"power_type": power_type, "max_voltage": voltage, "max_amperage": amperage}
    if voltage * amperage * phases > power_w:
        result["max_electric_power"] = power_w
    return result


def ocm_standard(ocm_id: int, *, field: str, label: str) -> tuple[str, str | None]:
    """OCPI connector standard and, if the type implies one, its format, for an Open Charge Map type id."""
    ocm = OCM_CONNECTION_TYPES[ocm_id]
    if ocm.standard is None:
        raise RecordError(field, f"connector '{label}' ({ocm.title}) has no OCPI connector type")
    return ocm.standard.value, ocm.format.value if ocm.format else None
