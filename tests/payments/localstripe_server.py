"""localstripe (a stateful Stripe-compatible server) on 127.0.0.1 only, for the Stripe adapter's tests.

localstripe's own ``start()`` listens on every interface; this runs its aiohttp app on loopback instead, from scratch
(no state file). It models manual-capture PaymentIntents (``requires_capture``, capture with ``amount_to_capture``,
cancel) and refunds on a PaymentIntent, which is what the adapter uses.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

SCRIPT = (
    "import sys; from aiohttp import web; from localstripe.server import app; "
    "web.run_app(app, host='127.0.0.1', port=int(sys.argv[1]), print=None)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def localstripe() -> Iterator[str]:
    """Start localstripe; yield its base URL; stop it."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"localstripe did not start: {output}") from error
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
