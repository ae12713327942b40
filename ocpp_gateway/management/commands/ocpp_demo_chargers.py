import asyncio
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chargepoints.enums import Capability, EvseStatus
from chargepoints.models import EVSE
from ocpp_gateway.demo_charger import run_demo_charger
from ocpp_gateway.models import Charger
from ocpp_gateway.services import charger_add, charger_set_password


class Command(BaseCommand):
    help = "Register demo chargers on the first remote-startable roaming EVSEs and play them over OCPP 1.6J."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="Port the portal listens on.")
        parser.add_argument("--count", type=int, default=2)

    def handle(self, *args: Any, port: int, count: int, **options: Any) -> None:
        chargers: list[tuple[str, str, int]] = []
        for number in range(1, count + 1):
            charge_point_id = f"DEMO-CP-{number}"
            charger = Charger.objects.filter(charge_point_id=charge_point_id).first()
            if charger is None:
                candidates = EVSE.objects.filter(
                    location__roaming_enabled=True, ocpp_connector__isnull=True, status=EvseStatus.AVAILABLE
                ).order_by("id")[:500]
                evse = next((e for e in candidates if Capability.REMOTE_START_STOP_CAPABLE in e.capabilities), None)
                if evse is None:
                    break
                charger, password = charger_add(charge_point_id=charge_point_id, evse_refs=[evse.uid])
            else:
                password = charger_set_password(charger=charger)  # shown nowhere: this process is the charger
            chargers.append((charge_point_id, password, charger.connectors.count()))
            self.stdout.write(
                f"Demo charger {charge_point_id} serves {', '.join(str(c.evse) for c in charger.connectors.all())}"
            )

        async def play() -> None:
            url = f"ws://127.0.0.1:{port}"
            await asyncio.gather(*(run_demo_charger(url, *charger) for charger in chargers))

        if chargers:
            asyncio.run(play())
