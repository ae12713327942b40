"""Where the in-memory channel layer lives: the event loop of the process's gateway.

With the in-memory layer (the embedded default) commands from other threads of the same process (a view, an eager
Celery task) must run their channel-layer exchange on the gateway's own loop. With channels-redis any loop will do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

T = TypeVar("T")
_gateway_loop: asyncio.AbstractEventLoop | None = None


def remember_gateway_loop() -> None:
    global _gateway_loop
    _gateway_loop = asyncio.get_running_loop()


def run_exchange(exchange: Callable[[], Awaitable[T]], *, timeout: float) -> T:
    """Run a channel-layer exchange from synchronous code and wait for it."""
    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        loop = _gateway_loop
        if loop is None or loop.is_closed():
            raise TimeoutError("No gateway runs in this process.")

        async def wrapped() -> T:
            return await exchange()

        return asyncio.run_coroutine_threadsafe(wrapped(), loop).result(timeout + 5)
    return async_to_sync(exchange)()
