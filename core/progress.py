"""Progress sinks and cancel tokens, the two extra arguments of every long core operation.

The engine owns progress and throttles it (about ten updates a second reach the sink); the caller
(CLI progress bar, GUI poller) only reads. A cancel token is checked at every progress step, so a
cancel takes effect at the next step and raises :class:`core.errors.Cancelled`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from core.errors import Cancelled


@dataclass(frozen=True, slots=True)
class ProgressState:
    stage: str
    done: int
    total: int | None
    unit: str = "items"  # "items" or "bytes"


class ProgressSink(Protocol):
    def __call__(self, state: ProgressState) -> None: ...


def null_sink(state: ProgressState) -> None:
    """The do-nothing default."""


class CancelToken:
    """Set from any thread; checked by the worker. Cancelling twice is harmless."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class Reporter:
    """What an operation uses internally: checks the token and throttles the sink.

    ``min_interval`` defaults to 0.1 s; ``stage()`` starts a new stage and always reports.
    """

    def __init__(self, sink: ProgressSink | None = None, cancel: CancelToken | None = None,
                 *, min_interval: float = 0.1):
        self._sink = sink or null_sink
        self._cancel = cancel or CancelToken()
        self._min = min_interval
        self._last = 0.0
        self._state = ProgressState("", 0, None)

    @property
    def cancel_token(self) -> CancelToken:
        return self._cancel

    def check(self) -> None:
        self._cancel.raise_if_cancelled()

    def stage(self, name: str, total: int | None = None, unit: str = "items") -> None:
        self.check()
        self._state = ProgressState(name, 0, total, unit)
        self._last = time.monotonic()
        self._sink(self._state)

    def advance(self, n: int = 1) -> None:
        self.check()
        s = self._state
        self._state = ProgressState(s.stage, s.done + n, s.total, s.unit)
        now = time.monotonic()
        if now - self._last >= self._min:
            self._last = now
            self._sink(self._state)

    def set(self, done: int) -> None:
        self.check()
        s = self._state
        self._state = ProgressState(s.stage, done, s.total, s.unit)
        now = time.monotonic()
        if now - self._last >= self._min:
            self._last = now
            self._sink(self._state)

    def finish(self) -> None:
        s = self._state
        self._sink(ProgressState(s.stage, s.total if s.total is not None else s.done, s.total, s.unit))
