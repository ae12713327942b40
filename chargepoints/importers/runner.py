"""Runs a parser over a file and writes every record through ``location_upsert``, one savepoint per record."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..services import location_upsert
from .base import Converted, LocationParser, RawRecord, RecordError
from .repairs import Repair

# Records per transaction: large enough that SQLite does not sync after every location, small enough that a long
# import does not hold the write lock for minutes.
BATCH_SIZE = 500


@dataclass(frozen=True)
class SkippedRecord:
    """A record that was rejected as a whole, or (with ``part``) a part of it that was left out."""

    position: int  # 1-based position of the record in the file
    label: str
    reason: str
    part: str = ""  # the field path of the part left out, e.g. "evses[2].connectors"

    def __str__(self) -> str:
        return f"record {self.position} {self.label}: {self.reason}"


@dataclass(frozen=True)
class RepairedValue:
    position: int
    label: str
    repair: Repair


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: int = 0  # records with at least one repair
    skipped: list[SkippedRecord] = field(default_factory=list)  # rejected records
    parts_left_out: list[SkippedRecord] = field(default_factory=list)  # rejected EVSEs or connectors
    repairs: list[RepairedValue] = field(default_factory=list)
    repairs_by_rule: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return len(self.skipped)

    def summary(self) -> str:
        text = (
            f"{self.total} records: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.repaired} repaired, {self.rejected} rejected"
        )
        if self.parts_left_out:
            text += f" ({len(self.parts_left_out)} EVSEs or connectors left out)"
        return text

    def rule_lines(self) -> list[str]:
        return [f"{rule}: {count}" for rule, count in sorted(self.repairs_by_rule.items())]

    def write_csv(self, stream: IO[str]) -> None:
        """Every repair and rejection, one a line, for the operator's own clean-up."""
        writer = csv.writer(stream)
        writer.writerow(["position", "record", "kind", "rule", "field", "before", "after", "derived", "reason"])
        rows: list[tuple[int, list[Any]]] = []
        for item in self.repairs:
            r = item.repair
            cells = ["repair", r.rule, r.field, _cell(r.before), _cell(r.after), "yes" if r.derived else "", ""]
            rows.append((item.position, [item.position, item.label, *cells]))
        for skipped in self.skipped:
            rows.append(
                (skipped.position, [skipped.position, skipped.label, "rejected", "", "", "", "", "", skipped.reason])
            )
        for part in self.parts_left_out:
            rows.append(
                (part.position, [part.position, part.label, "left out", "", part.part, "", "", "", part.reason])
            )
        for _, row in sorted(rows, key=lambda item: item[0]):
            writer.writerow(row)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def describe_error(error: ValidationError | RecordError | IntegrityError) -> str:
    """One line naming the field(s), e.g. ``evses[0].connectors[1].max_voltage: Ensure this value is …``."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def _batches(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _duplicate_keys(records: list[RawRecord]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for record in records:
        if record.key is not None:
            positions.setdefault(record.key, []).append(record.index + 1)
    return {key: found for key, found in positions.items() if len(found) > 1}


def _note(report: ImportReport, record: RawRecord, converted: Converted) -> None:
    position = record.index + 1
    if converted.repairs:
        report.repaired += 1
        report.repairs += [RepairedValue(position, record.label, repair) for repair in converted.repairs]
        report.repairs_by_rule.update(repair.rule for repair in converted.repairs)
    for rejection in converted.rejections:
        report.parts_left_out.append(SkippedRecord(position, record.label, rejection.reason, rejection.field))


def import_records(
    *,
    parser: LocationParser,
    records: list[RawRecord],
    progress: Callable[[Iterable[RawRecord]], Iterable[RawRecord]] = lambda records: records,
    now: datetime | None = None,
) -> ImportReport:
    """Convert and upsert each record. A bad record is reported with its position and never stops the others."""
    now = now or timezone.now()
    report = ImportReport(total=len(records))
    duplicates = _duplicate_keys(records)
    for batch in _batches(progress(records), BATCH_SIZE):
        with transaction.atomic():
            for record in batch:
                if record.key in duplicates:
                    places = ", ".join(map(str, duplicates[record.key]))
                    reason = f"id: {record.key} appears more than once in the feed (records {places})"
                    report.skipped.append(SkippedRecord(record.index + 1, record.label, reason))
                    continue
                try:
                    converted = parser.convert_repaired(record, now=now)
                    # location_upsert is atomic itself: inside this transaction that is a savepoint, so a record
                    # that fails half-way leaves nothing behind.
                    result = location_upsert(data=converted.data)
                except (ValidationError, RecordError, IntegrityError) as error:
                    report.skipped.append(SkippedRecord(record.index + 1, record.label, describe_error(error)))
                    continue
                _note(report, record, converted)
                if result.created:
                    report.created += 1
                elif result.changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
    return report
