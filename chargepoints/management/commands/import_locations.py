"""``python manage.py import_locations FILE --format ocpi|nobil|bnetza``: load stations from a file, idempotently."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from chargepoints.importers import ImportFileError, format_names, get_parser
from chargepoints.importers.runner import import_records


class Command(BaseCommand):
    help = "Import charging locations from a file. Re-importing updates in place; bad records are reported and skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=format_names(), help="Format of the file.")
        parser.add_argument("--no-progress", action="store_true", help="Do not show a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        parser = get_parser(options["format"])
        try:
            records = parser.split(path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
        except ImportFileError as error:
            raise CommandError(f"{path} is not a valid '{options['format']}' file: {error}") from error

        show_progress = not options["no_progress"] and options["verbosity"] > 0 and sys.stderr.isatty()
        report = import_records(
            parser=parser,
            records=records,
            progress=lambda items: tqdm(
                items, total=len(records), desc=path.name, unit="loc", file=sys.stderr, disable=not show_progress
            ),
        )
        if options["verbosity"] == 0:
            return
        self.stdout.write(f"{path.name} ({options['format']}): {report.summary()}")
        for skipped in report.skipped:
            self.stdout.write(self.style.WARNING(f"  skipped {skipped}"))
