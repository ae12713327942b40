"""``python manage.py import_locations FILE --format ocpi|nobil|bnetza``: load stations from a file, idempotently.

``import_locations --format ocpi --from-url URL --token TOKEN`` pulls them from the old system's live endpoint.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from chargepoints.importers import ImportFileError, format_names, get_parser
from chargepoints.importers.runner import ImportReport, import_records


class Command(BaseCommand):
    help = (
        "Import charging locations from a file. Re-importing updates in place; common faults are repaired and "
        "reported, records that cannot be repaired are reported and skipped."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Our --version (of the OCPI feed) replaces Django's --version (of Django).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?", help="The file (or use --from-url).")
        parser.add_argument("--from-url", help="Pull from a live endpoint: its OCPI versions or Locations URL.")
        parser.add_argument("--token", help="The token the old system gave us for --from-url.")
        parser.add_argument("--format", required=True, choices=format_names(), help="Format of the file.")
        parser.add_argument("--version", dest="ocpi_version", help="OCPI version of the feed (default: detected).")
        parser.add_argument("--country-code", help="Party of 2.1.1 Locations, which name none (default: ours).")
        parser.add_argument("--party-id", help="Party of 2.1.1 Locations, which name none (default: ours).")
        parser.add_argument("--report", type=Path, help="Write every repair and rejection to this CSV file.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path | None = options["file"]
        if (path is None) == (options["from_url"] is None):
            raise CommandError("Give either a FILE or --from-url.")
        if options["from_url"] and not options["token"]:
            raise CommandError("--from-url needs the --token of the old system.")
        show_progress = not options["no_progress"] and options["verbosity"] > 0 and sys.stderr.isatty()
        try:
            parser = get_parser(options["format"]).configured(
                version=options["ocpi_version"], country_code=options["country_code"], party_id=options["party_id"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        incomplete = ""
        if path is None:
            name = options["from_url"]
            with tqdm(desc="pulling", unit="loc", file=sys.stderr, disable=not show_progress) as bar:
                try:
                    parser, records, incomplete = parser.fetch(url=name, token=options["token"], on_page=bar.update)
                except ImportFileError as error:
                    raise CommandError(f"Cannot import from {name}: {error}") from error
        else:
            name = path.name
            try:
                records = parser.split(path.read_bytes())
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
            except ImportFileError as error:
                raise CommandError(f"{path} is not a valid '{options['format']}' file: {error}") from error

        report = import_records(
            parser=parser,
            records=records,
            progress=lambda items: tqdm(
                items, total=len(records), desc=name, unit="loc", file=sys.stderr, disable=not show_progress
            ),
        )
        self.write_report(report, f"{name} ({options['format']})", options)
        if incomplete:
            self.stdout.write(self.style.WARNING(f"  the pull was incomplete: {incomplete}"))

    def write_report(self, report: ImportReport, title: str, options: dict[str, Any]) -> None:
        if options["report"] is not None:
            try:
                with Path(options["report"]).open("w", newline="", encoding="utf-8") as stream:
                    report.write_csv(stream)
            except OSError as error:
                raise CommandError(f"Cannot write {options['report']}: {error.strerror or error}") from error
        if options["verbosity"] == 0:
            return
        self.stdout.write(f"{title}: {report.summary()}")
        for line in report.rule_lines():
            self.stdout.write(f"  repaired {line}")
        for skipped in report.skipped:
            self.stdout.write(self.style.WARNING(f"  skipped {skipped}"))
        for part in report.parts_left_out:
            self.stdout.write(self.style.WARNING(f"  left out {part.part} of {part}"))
