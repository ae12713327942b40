"""``manage.py ocpi_price --tariff TARIFF.json --cdr CDR.json [--time-zone Europe/Stockholm] [--explain]``

Prices an OCPI 2.2.1 CDR with an OCPI 2.2.1 Tariff and prints the CDR with every cost field computed. The quantities
come from the charging periods (ENERGY in kWh, TIME, PARKING_TIME and RESERVATION_TIME in hours); their start times
place them against the tariff's time restrictions, on the wall clock of ``--time-zone`` (default UTC). Cost fields
already in the CDR are ignored.

Exit status: 0 priced; 1 invalid input (the message names the field); 3 the tariff does not apply to the session
(its start_date_time/end_date_time window does not hold the session's start), and no CDR is printed.
"""

from __future__ import annotations

import json
import zoneinfo
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rest_framework.exceptions import ValidationError

from ocpi_api.modules.tariffs.serializers import (
    cdr_priced,
    flatten_errors,
    pricing_session_from_cdr,
    tariff_input,
)
from tariffs import pricing
from tariffs.services import pricing_tariff

NOT_APPLIED = 3


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tariff", required=True, type=Path, help="OCPI 2.2.1 Tariff object (JSON file).")
        parser.add_argument("--cdr", required=True, type=Path, help="OCPI 2.2.1 CDR object (JSON file).")
        parser.add_argument(
            "--time-zone", default="UTC", help="IANA time zone of the Location, e.g. Europe/Stockholm (default UTC)."
        )
        parser.add_argument("--explain", action="store_true", help="Also write the price line by line to stderr.")

    def handle(self, *args: Any, tariff: Path, cdr: Path, time_zone: str, explain: bool, **options: Any) -> None:
        try:
            zone = zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise CommandError(
                f"--time-zone: '{time_zone}' is not an IANA time zone (e.g. Europe/Stockholm)."
            ) from error
        tariff_data = _validated("tariff", lambda: tariff_input(_read_json("--tariff", tariff)))
        cdr_json = _read_json("--cdr", cdr)
        session = _validated("cdr", lambda: pricing_session_from_cdr(cdr_json))
        if cdr_json["currency"] != tariff_data["currency"]:
            raise CommandError(
                f"cdr: currency: the CDR is in {cdr_json['currency']} but tariff {tariff_data['id']} prices in "
                f"{tariff_data['currency']}."
            )
        try:
            priced = pricing.price_session(tariff=pricing_tariff(data=tariff_data), session=session, time_zone=zone)
        except pricing.TariffNotApplicable as error:
            raise CommandError(f"Tariff not applied, no CDR written: {error}.", returncode=NOT_APPLIED) from error
        except pricing.PricingInputError as error:
            source = "tariff" if error.field in {"currency", "elements", "min_price", "max_price"} else "cdr"
            source = "tariff" if error.field.startswith("elements[") else source
            raise CommandError(f"{source}: {error}") from error
        if explain:
            for line in priced.explanation():
                self.stderr.write(line)
        self.stdout.write(dumps(cdr_priced(cdr_json, tariff=tariff_data, priced=priced)))


def _read_json(option: str, path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{option}: cannot read {path}: {error.strerror}.") from error
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise CommandError(f"{option}: {path} is not valid JSON: {error}.") from error


def _validated(what: str, read: Any) -> Any:
    try:
        return read()
    except ValidationError as error:
        raise CommandError("\n".join(f"{what}: {line}" for line in flatten_errors(error.detail))) from error


def dumps(value: Any, indent: str = "") -> str:
    """JSON with Decimals written digit for digit: what the input said (15.342) and what we computed (4.40) come out
    as the same numbers, never through a binary float."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = (f"{inner}{json.dumps(str(k))}: {dumps(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(f"{inner}{dumps(v, inner)}" for v in value) + f"\n{indent}]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value, ensure_ascii=False)
