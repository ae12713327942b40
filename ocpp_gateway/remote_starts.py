"""Remote starts between our RemoteStartTransaction and the charger's StartTransaction (OCPP 1.6 §5.11, §4.8).

The charger answers the CALL at once and starts later, when the driver plugs in (within its ConnectionTimeOut). The
StartTransaction names only the idTag we sent, so what the eMSP's START_SESSION stood for (its token, its
authorization reference) must wait for it. The connection keeps it in memory (the start may follow the answer at
once) and writes it down here once accepted, for a charger that reconnects, to any gateway process, before it starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from chargepoints.authorization import DriverToken

from .models import PendingRemoteStart

# How long an accepted remote start waits for its StartTransaction: above the chargers' usual ConnectionTimeOut
# (OCPP 1.6 §9.1.7), typically 60–180 s.
REMOTE_START_SECONDS = 180


@dataclass(frozen=True)
class RemoteStart:
    """What a RemoteStartTransaction we sent stands for, claimed by the charger's next StartTransaction with its tag."""

    token: DriverToken
    authorization_reference: str | None

    def as_json(self) -> dict[str, Any]:
        """As it travels over the channel layer and is stored (the PendingRemoteStart fields)."""
        return {"token": asdict(self.token), "authorization_reference": self.authorization_reference}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RemoteStart:
        return cls(DriverToken(**data["token"]), data["authorization_reference"])


@transaction.atomic
def remote_start_expect(*, charger_id: int, id_tag: str, remote: RemoteStart) -> None:
    """The charger accepted the remote start: keep it for a StartTransaction on a later connection."""
    now = timezone.now()
    PendingRemoteStart.objects.filter(charger_id=charger_id, expires_at__lte=now).delete()
    PendingRemoteStart.objects.update_or_create(
        charger_id=charger_id,
        id_tag=id_tag,
        defaults={**remote.as_json(), "expires_at": now + timedelta(seconds=REMOTE_START_SECONDS)},
    )


def remote_start_forget(*, charger_id: int, id_tag: str) -> None:
    """The charger did not accept the CALL (or never answered): no start will follow."""
    PendingRemoteStart.objects.filter(charger_id=charger_id, id_tag=id_tag).delete()


def remote_start_expected(*, charger_id: int, id_tag: str) -> bool:
    return PendingRemoteStart.objects.filter(
        charger_id=charger_id, id_tag=id_tag, expires_at__gt=timezone.now()
    ).exists()


def remote_start_claim(*, charger_id: int, id_tag: str) -> RemoteStart | None:
    """The StartTransaction for it arrived: the remote start is used once, then gone. Call inside a transaction."""
    pending = (
        PendingRemoteStart.objects.select_for_update()
        .filter(charger_id=charger_id, id_tag=id_tag, expires_at__gt=timezone.now())
        .first()
    )
    if pending is None:
        return None
    pending.delete()
    return RemoteStart.from_json({"token": pending.token, "authorization_reference": pending.authorization_reference})
