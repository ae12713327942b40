from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules

from chargepoints.demo import SEEDERS


class Command(BaseCommand):
    help = "Seed idempotent demo data (users, real stations, tariffs, partners …) and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port the portal will listen on, for the URLs.")

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        autodiscover_modules("demo")
        base_url = f"http://127.0.0.1:{port}"
        lines: list[str] = []
        for seeder in sorted(SEEDERS, key=lambda s: s.order):
            self.stderr.write(f"Seeding {seeder.name} …")
            lines.extend(seeder.run(base_url))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Portal: {base_url}/   (public map: {base_url}/map/)"))
        for line in lines:
            self.stdout.write(line)
