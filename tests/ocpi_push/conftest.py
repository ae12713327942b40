from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from ocpi_api.core.tokens import token_generate
from ocpi_api.models import Partner
from ocpi_api.push.delivery import push_sweep
from ocpi_api.push.models import OutboxItem
from tests.factories import make_partner

from .receiver import Receiver
from .receiver_process import RemoteReceiver


def receiving_partner(
    receiver: Receiver | RemoteReceiver | None,
    *modules: str,
    name: str = "eMSP",
    party_id: str = "EMS",
    status: str = Partner.Status.REGISTERED,
) -> Partner:
    """A partner we push to: its Receiver endpoints for ``modules`` (default locations and tariffs) on ``receiver``."""
    partner, _token = make_partner(
        status,
        name=name,
        party_id=party_id,
        outbound_token=token_generate(),
        endpoints=receiver.endpoints(*(modules or ("locations", "tariffs"))) if receiver else [],
    )
    return partner


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def fast_push(settings) -> None:
    """Timeouts and backoff in tens of milliseconds, and a sweeper without grace, so tests take no time."""
    settings.OCPI_PUSH_TIMEOUT = (0.5, 0.5)
    settings.OCPI_PUSH_LEASE_MARGIN = 0.5
    settings.OCPI_PUSH_RETRY_BASE = 0.01
    settings.OCPI_PUSH_RETRY_CAP = 0.05
    settings.OCPI_PUSH_SWEEP_GRACE = 0


@pytest.fixture
def settle() -> Callable[..., None]:
    """Run the sweeper, as beat would, until nothing is pending (eager Celery delivers in this process)."""

    def run(timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while OutboxItem.objects.filter(status=OutboxItem.Status.PENDING).exists():
            assert time.monotonic() < deadline, list(OutboxItem.objects.filter(status="PENDING").values())
            push_sweep()
            time.sleep(0.02)

    return run
