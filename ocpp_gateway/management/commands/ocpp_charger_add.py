from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ocpp_gateway.services import charger_add


def charger_url(charge_point_id: str) -> str:
    """The URL a charger is configured with: the portal's base URL with ws(s) and /ocpp/{id}."""
    base = str(getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")
    scheme, _, rest = base.partition("://")
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ocpp/{charge_point_id}"


class Command(BaseCommand):
    help = "Register an OCPP 1.6J charger; prints its URL and password (shown once, stored hashed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("charge_point_id")
        parser.add_argument(
            "--evse", action="append", required=True, help="EVSE id or uid, in connectorId order 1, 2, …"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            charger, password = charger_add(charge_point_id=options["charge_point_id"], evse_refs=options["evse"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(f"URL:      {charger_url(charger.charge_point_id)}  (subprotocol ocpp1.6)")
        self.stdout.write(f"User:     {charger.charge_point_id}")
        self.stdout.write(f"Password: {password}  (shown once; HTTP Basic, OCPP security profile 1)")
