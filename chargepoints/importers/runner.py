"""Runs a parser over a file and writes every record through ``location_upsert``, one savepoint per record."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ..services import location_upsert
from .base import LocationParser, RawRecord, RecordError

# Records per transaction: large enough that SQLite does not sync after every location, small enough that a long
# import does not hold the write lock for minutes.
BATCH_SIZE = 500


@dataclass(frozen=True)
class SkippedRecord:
    position: int  # 1-based position of the record in the file
    label: str
    reason: str

    def __str__(self) -> str:
        return f"record {self.position} {self.label}: {self.reason}"


@dataclass
class ImportReport:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[SkippedRecord] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.total} records: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped"
        )


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


def import_records(
    *,
    parser: LocationParser,
    records: list[RawRecord],
    progress: Callable[[Iterable[RawRecord]], Iterable[RawRecord]] = lambda records: records,
) -> ImportReport:
    """Convert and upsert each record. A bad record is reported with its position and never stops the others."""
    report = ImportReport(total=len(records))
    for batch in _batches(progress(records), BATCH_SIZE):
        with transaction.atomic():
            for record in batch:
                try:
                    # location_upsert is atomic itself: inside this transaction that is a savepoint, so a record
                    # that fails half-way leaves nothing behind.
                    result = location_upsert(data=parser.convert(record))
                except (ValidationError, RecordError, IntegrityError) as error:
                    report.skipped.append(SkippedRecord(record.index + 1, record.label, describe_error(error)))
                    continue
                if result.created:
                    report.created += 1
                elif result.changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
    return report
