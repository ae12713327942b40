"""Runs a parser over a file and writes its records in batches, one transaction per batch; reports what it did."""

from __future__ import annotations

import csv
import gc
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import EVSE, Location
from ..services import LocationInput, location_upsert
from ..signals import locations_imported, locations_written
from .base import Converted, LocationParser, RawRecord, RecordError
from .repairs import Repair
from .writer import NewLocation, location_repairs_replace, locations_create_bulk, prepare_new_locations

# Records per transaction: large enough that SQLite does not sync after every location, small enough that a long
# import does not hold the write lock for minutes.
BATCH_SIZE = 500
# Part of every record's hash: bump it when a change to the repairs or the conversion should make a re-import of
# an unchanged file write its records again.
IMPORT_HASH_VERSION = "1"


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


def _fingerprint(payload: Any, salt: str) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{salt}\n{canonical}".encode()).hexdigest()


def _identity(data: LocationInput) -> tuple[str, str, str]:
    if data.get("source") and data.get("source_ref"):
        return ("source", data["source"], data["source_ref"])
    return (
        data.get("country_code") or str(settings.CPO_COUNTRY_CODE),
        data.get("party_id") or str(settings.CPO_PARTY_ID),
        data.get("ocpi_id", ""),
    )


def _existing(items: list[_Item]) -> set[tuple[str, str, str]]:
    """Which of the batch's locations are already stored: two queries, whatever the batch size."""
    identities = [_identity(item.converted.data) for item in items]
    ocpi_ids = [identity[2] for identity in identities if identity[0] != "source"]
    source_refs = [identity[2] for identity in identities if identity[0] == "source"]
    found = set(Location.objects.filter(ocpi_id__in=ocpi_ids).values_list("country_code", "party_id", "ocpi_id"))
    if source_refs:
        rows = (
            Location.objects.filter(source_ref__in=source_refs).exclude(source="").values_list("source", "source_ref")
        )
        found |= {("source", source, ref) for source, ref in rows}
    return found


def _evse_uids(item: _Item) -> list[str]:
    return [evse["uid"] for evse in item.converted.data.get("evses", []) if evse.get("uid")]


@dataclass
class _Item:
    record: RawRecord
    converted: Converted
    import_hash: str


class _Batch:
    """One batch of records: read, then written in one transaction."""

    def __init__(self, report: ImportReport, now: datetime) -> None:
        self.report = report
        self.now = now
        self.announce: list[int] = []

    def reject(self, record: RawRecord, reason: str) -> None:
        self.report.skipped.append(SkippedRecord(record.index + 1, record.label, reason))

    def write(self, items: list[_Item]) -> None:
        existing = _existing(items)
        taken = set(
            EVSE.objects.filter(uid__in=[u for i in items for u in _evse_uids(i)]).values_list("uid", flat=True)
        )
        fresh, others, uids = [], [], set(taken)
        for item in items:
            item_uids, identity = _evse_uids(item), _identity(item.converted.data)
            if identity in existing or uids.intersection(item_uids):
                others.append(item)  # location_upsert updates it, or names the clash
            else:
                fresh.append(item)
                uids.update(item_uids)
                existing.add(identity)
        with transaction.atomic():
            self._create(fresh, others)
            for item in others:
                self._upsert(item)
            if self.announce:
                locations_written.send(sender=Location, location_ids=self.announce)

    def _create(self, fresh: list[_Item], others: list[_Item]) -> None:
        news = [NewLocation(i.converted.data, i.import_hash, i.converted.repairs) for i in fresh]
        item_of = {id(new): item for new, item in zip(news, fresh, strict=True)}
        ready, failed = prepare_new_locations(news, self.now)
        for new, error in failed:
            self.reject(item_of[id(new)].record, describe_error(error))
        try:
            with transaction.atomic():
                created = locations_create_bulk(ready, self.now)
        except IntegrityError:  # a clash the checks above did not foresee: each one on its own, named
            others.extend(item_of[id(new)] for new, _ in ready)
            return
        for (new, _), location in zip(ready, created, strict=True):
            _note(self.report, item_of[id(new)].record, item_of[id(new)].converted)
            self.report.created += 1
            self.announce.append(location.pk)

    def _upsert(self, item: _Item) -> None:
        try:
            # location_upsert is atomic itself: inside this transaction that is a savepoint, so a record that
            # fails half-way leaves nothing behind.
            result = location_upsert(data=item.converted.data, announce=False)
        except (ValidationError, IntegrityError) as error:
            self.reject(item.record, describe_error(error))
            return
        Location.objects.filter(pk=result.location.pk).update(import_hash=item.import_hash)
        _note(self.report, item.record, item.converted)
        if result.changed or result.created:
            location_repairs_replace(result.location, item.converted.repairs, self.now)
            self.announce.append(result.location.pk)
        if result.created:
            self.report.created += 1
        elif result.changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1


@contextmanager
def _collector_spared() -> Iterator[Callable[[], None]]:
    """Keep the cyclic garbage collector off the objects that live through the whole import.

    The parsed feed and the report (every repair of every record) stay alive to the end, and each full collection
    walked all of them again: a third of a 10,000-location import. What is alive after a batch is frozen (left out
    of collections) until the import ends. Skipped when something else froze objects already, as a server that
    forks workers may have: unfreezing would undo that.
    """
    if gc.get_freeze_count():
        yield lambda: None
        return
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def import_records(
    *,
    parser: LocationParser,
    records: list[RawRecord],
    progress: Callable[[Iterable[RawRecord]], Iterable[RawRecord]] = lambda records: records,
    now: datetime | None = None,
) -> ImportReport:
    """Convert and write each record; a bad record is reported with its position and never stops the others.

    Per batch: records whose hash matches what the last import stored are "unchanged" without being read again;
    the others are repaired and validated, new locations are inserted in bulk and known ones updated through
    ``location_upsert``, all in one transaction. No per-location signal is sent: after the last batch, one
    ``locations_imported`` names every location that was created or changed.
    """
    now = now or timezone.now()
    salt = f"{IMPORT_HASH_VERSION}/{type(parser).__module__}.{type(parser).__name__}/{parser.fingerprint_options()}"
    report = ImportReport(total=len(records))
    duplicates = _duplicate_keys(records)
    announce: list[int] = []
    with _collector_spared() as settle:
        for records_batch in _batches(progress(records), BATCH_SIZE):
            _import_batch(
                records_batch,
                parser=parser,
                now=now,
                salt=salt,
                report=report,
                duplicates=duplicates,
                announce=announce,
            )
            settle()
    if announce:
        with transaction.atomic():
            locations_imported.send(sender=Location, location_ids=announce)
    return report


def _import_batch(
    records_batch: list[RawRecord],
    *,
    parser: LocationParser,
    now: datetime,
    salt: str,
    report: ImportReport,
    duplicates: dict[str, list[int]],
    announce: list[int],
) -> None:
    """Read one batch (records whose hash is known are unchanged) and write it in one transaction."""
    batch = _Batch(report, now)
    hashes = {record.index: _fingerprint(record.payload, salt) for record in records_batch}
    known = set(Location.objects.filter(import_hash__in=hashes.values()).values_list("import_hash", flat=True))
    items = []
    for record in records_batch:
        if record.key in duplicates:
            places = ", ".join(map(str, duplicates[record.key]))
            batch.reject(record, f"id: {record.key} appears more than once in the feed (records {places})")
        elif hashes[record.index] in known:
            report.unchanged += 1
        else:
            try:
                items.append(_Item(record, parser.convert_repaired(record, now=now), hashes[record.index]))
            except (ValidationError, RecordError) as error:
                batch.reject(record, describe_error(error))
    batch.write(items)
    announce += batch.announce
