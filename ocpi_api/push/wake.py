"""Waking the delivery workers once a change commits, without a broker message per change.

``wake`` runs after the commit of every transaction that queued rows. With a broker, it queues one
``push_drain_task`` unless one is already queued and has not started yet: a flag in Redis (``SET NX``) says so, and
the task clears it as it starts, so a row committed after that start queues the next task, and one committed before
it is seen by the task. A busy drain wakes a second one the same way, which an idle worker process takes. Without
Redis (or when it does not answer) a task is queued every time; a task that was lost anyway is replaced by the
sweeper. With Celery running eagerly (no broker), the partners' rows are delivered at once in this process.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

import redis
from celery import current_app
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

_FLAG = "ocpi-push:drain-queued"
# A flag whose task was lost with its broker frees itself after this many seconds (the sweeper covers the gap).
_FLAG_TTL = 60


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis | None:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)


def _flag_client() -> redis.Redis | None:
    return _redis(str(current_app.conf.broker_url))


def wake(partner_ids: Sequence[int]) -> None:
    """Have the due rows of these partners delivered (by a worker, or here when Celery runs eagerly)."""
    if current_app.conf.task_always_eager:
        from .drain import push_drain

        push_drain(partner_ids=partner_ids)
        return
    client = _flag_client()
    if client is not None:
        try:
            if not client.set(_FLAG, "1", nx=True, ex=_FLAG_TTL):
                return  # a drain is queued and has not started: it will find these rows
        except redis.RedisError as error:
            logger.warning("OCPI push wake flag unavailable (%s); queueing a drain anyway", error)
    queue_drain()


def queue_drain() -> None:
    from .tasks import push_drain_task

    try:
        push_drain_task.delay()
    except OperationalError as error:  # the rows are committed: the sweeper finds them
        logger.warning("OCPI push could not queue a delivery task (%s); the sweeper will", error)


def drain_started() -> None:
    """Called by a drain as it starts: changes committed from now on queue the next one."""
    client = _flag_client()
    if client is not None:
        try:
            client.delete(_FLAG)
        except redis.RedisError as error:
            logger.warning("OCPI push wake flag unavailable (%s)", error)
