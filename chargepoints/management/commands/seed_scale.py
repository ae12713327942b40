import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chargepoints.scale import ScalePlan, now_utc, scale_seed


class Command(BaseCommand):
    help = (
        "Seed a network at a national CPO's size in bulk (stations, EVSEs, sessions over the last year, CDRs, weekly "
        "invoices), for benchmarks and load tests. Nothing is pushed to partners. Needs a database without one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--locations", type=int, default=10_000, help="Locations (about 3 EVSEs each).")
        parser.add_argument("--sessions", type=int, default=200_000, help="Charging sessions (a CDR for each).")
        parser.add_argument("--invoices", type=int, default=2_000, help="Weekly invoices, at most.")
        parser.add_argument("--seed", type=int, default=2026, help="The same seed gives the same data.")

    def handle(self, *args: Any, locations: int, sessions: int, invoices: int, seed: int, **options: Any) -> None:
        if min(locations, sessions, invoices) < 0:
            raise CommandError("--locations, --sessions and --invoices must not be negative")
        plan = ScalePlan(locations=locations, sessions=sessions, invoices=invoices, seed=seed, now=now_utc())
        started = time.perf_counter()
        try:
            lines = scale_seed(plan=plan, progress=self.stderr.write)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Seeded in {time.perf_counter() - started:.0f} s"))
