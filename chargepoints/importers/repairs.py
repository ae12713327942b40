"""What a lenient importer did to a record: the repairs it made and the parts it had to leave out.

A repair is one named rule applied at one field path, with the value before and the value after. ``derived`` marks
values the source did not give at all and that were worked out from others (a voltage from a power rating, a time
zone from a country): staff confirm or correct those on the data-quality page. A rejection names the field that
could not be made valid without guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Repair:
    rule: str  # e.g. "coordinates.precision"
    field: str  # path inside the record, e.g. "evses[0].connectors[1].max_voltage"
    before: Any  # None when the source had no value
    after: Any
    derived: bool = False


@dataclass(frozen=True)
class Rejection:
    field: str
    reason: str


@dataclass
class RepairLog:
    """Collects the repairs of one record while the rules run over it."""

    repairs: list[Repair] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)

    def fix(self, rule: str, path: str, before: Any, after: Any, *, derived: bool = False) -> Any:
        """Record a repair and return the value after it, so that a rule can write ``obj[k] = log.fix(…)``."""
        self.repairs.append(Repair(rule, path, before, after, derived))
        return after

    def reject(self, path: str, reason: str) -> None:
        """A part of the record (an EVSE) is left out; the rest of it still imports."""
        self.rejections.append(Rejection(path, reason))
