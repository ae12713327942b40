"""Push receivers (``receiver.Receiver``) in a process of their own, driven from the test process over a pipe.

A partner's servers are not in the process that makes our changes: there, their threads would take the interpreter
lock from the code being measured (Python hands it over only every few milliseconds to a thread that waits for it
after I/O). The push benchmark keeps them apart this way. ``RemoteReceiver`` offers what the benchmark reads of a
``Receiver``: its URLs, its switch, its calls and the EVSEs it holds.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any

from .receiver import Call, Receiver


def _serve(count: int, pipe: Connection) -> None:
    """The child: start the receivers, answer the parent's requests until told to stop."""
    receivers = [Receiver().start() for _ in range(count)]
    pipe.send([receiver.base_url for receiver in receivers])
    while True:
        request, index, args = pipe.recv()
        if request == "stop":
            break
        receiver = receivers[index]
        with receiver.lock:
            if request == "mode":
                receiver.mode = args[0]
                answer: Any = None
            elif request == "calls":
                answer = list(receiver.calls)
            elif request == "clear":
                receiver.calls.clear()
                answer = None
            else:  # "evse"
                answer = receiver.evse(*args)
        pipe.send(answer)
    for receiver in receivers:
        receiver.stop()
    pipe.send(None)


class ReceiverProcess:
    def __init__(self, count: int) -> None:
        # Forked: the child runs only the receivers (multiprocessing ends it with os._exit, so it never closes the
        # parent's database or broker connections it inherited).
        context = multiprocessing.get_context("fork")
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(count, child), daemon=True)
        self._lock = threading.Lock()
        self.receivers: list[RemoteReceiver] = []

    def start(self) -> list[RemoteReceiver]:
        self._process.start()
        self.receivers = [RemoteReceiver(self, n, url) for n, url in enumerate(self._pipe.recv())]
        return self.receivers

    def ask(self, request: str, index: int = 0, *args: Any) -> Any:
        with self._lock:
            self._pipe.send((request, index, args))
            return self._pipe.recv()

    def stop(self) -> None:
        self.ask("stop")
        self._process.join(timeout=5)


class RemoteReceiver:
    def __init__(self, process: ReceiverProcess, index: int, base_url: str) -> None:
        self._process, self._index, self.base_url = process, index, base_url

    def endpoints(self, *modules: str) -> list[dict[str, str]]:
        return [{"identifier": m, "role": "RECEIVER", "url": f"{self.base_url}/{m}"} for m in modules]

    def set_mode(self, mode: str) -> None:
        """``Receiver.mode``: "up", "down", …"""
        self._process.ask("mode", self._index, mode)

    @property
    def calls(self) -> list[Call]:
        """The calls so far (a copy)."""
        calls: list[Call] = self._process.ask("calls", self._index)
        return calls

    def clear_calls(self) -> None:
        self._process.ask("clear", self._index)

    def evse(self, location_path: str, uid: str) -> dict[str, Any] | None:
        evse: dict[str, Any] | None = self._process.ask("evse", self._index, location_path, uid)
        return evse
