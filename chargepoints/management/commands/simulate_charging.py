"""``manage.py simulate_charging --evse SE*CPO*E1 --token-uid 0123 --minutes 45 --kw 22``: one simulated visit,
played by the registered visit player (the OCPP gateway: a charger that connects to ``PORTAL_BASE_URL``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from chargepoints.enums import TokenType
from chargepoints.models import EVSE
from chargepoints.simulator import SimulationPlan, play_visit


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as error:
        raise ValueError(text) from error


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else timezone.make_aware(moment, timezone.get_default_timezone())


class Command(BaseCommand):
    help = (
        "Play a charger through one driver's visit: an OCPP 1.6J charger connects to the portal's gateway "
        "(PORTAL_BASE_URL), authorizes the token, charges along a realistic curve, optionally pauses and parks, then "
        "stops (or fails). Runs on a simulated clock that ends now, unless --start is given. An EVSE no charger serves "
        "gets a simulated charger (SIM-<uid>); one a real charger serves is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--evse", required=True, help="EVSE ID (SE*CPO*E1) or EVSE uid.")
        parser.add_argument("--token-uid", required=True)
        parser.add_argument(
            "--token-type", default=TokenType.RFID, choices=TokenType.values, help="A charger presents RFID tokens."
        )
        parser.add_argument(
            "--connector", default=None, help="Connector whose power limits the car; default: the first."
        )
        parser.add_argument("--minutes", type=int, default=45, help="Minutes the vehicle charges.")
        parser.add_argument("--kw", type=_decimal, default=Decimal(22), help="Power the vehicle asks for, kW.")
        parser.add_argument("--suspended-minutes", type=int, default=0, help="A pause by the vehicle halfway.")
        parser.add_argument("--parking-minutes", type=int, default=0, help="Time plugged in after charging.")
        parser.add_argument("--interval", type=int, default=5, help="Minutes between meter values.")
        parser.add_argument("--start", type=_moment, default=None, help="ISO 8601 start; default: so it ends now.")
        outcome = parser.add_mutually_exclusive_group()
        outcome.add_argument("--fail", action="store_true", help="The charger faults halfway and stops.")
        outcome.add_argument("--abort", action="store_true", help="The charger aborts right after the start.")
        outcome.add_argument(
            "--keep-charging", action="store_true", help="The driver is still charging: the session stays open."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        evse = (
            EVSE.objects.filter(Q(evse_id=options["evse"]) | Q(uid=options["evse"])).select_related("location").first()
        )
        if evse is None:
            raise CommandError(f"No EVSE with EVSE ID or uid '{options['evse']}'.")
        for name in ("minutes", "suspended_minutes", "parking_minutes"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        if options["minutes"] < 1 or options["kw"] <= 0 or options["interval"] < 1:
            raise CommandError("--minutes, --kw and --interval must be positive.")
        visit = timedelta(minutes=options["minutes"] + options["suspended_minutes"] + options["parking_minutes"])
        plan = SimulationPlan(
            token_uid=options["token_uid"],
            token_type=options["token_type"],
            connector_id=options["connector"],
            start=options["start"] or timezone.now().replace(microsecond=0) - visit,
            minutes=options["minutes"],
            kw=options["kw"],
            suspended_minutes=options["suspended_minutes"],
            parking_minutes=options["parking_minutes"],
            interval_minutes=options["interval"],
            fail=options["fail"],
            abort=options["abort"],
            keep_charging=options["keep_charging"],
        )
        try:
            outcome = play_visit(evse, plan)
        except (ValueError, ValidationError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("; ".join(messages)) from error
        for line in outcome.log:
            self.stdout.write(line)
        if outcome.session is None:
            raise CommandError(f"Token refused: {outcome.refused}")
        session = outcome.session
        self.stdout.write(
            self.style.SUCCESS(f"Session {session.ocpi_id}: {session.get_status_display()}, {session.kwh:.3f} kWh")
        )
