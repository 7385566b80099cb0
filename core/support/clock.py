"""One clock for the whole engine, injectable so that schedules, expiries and tests can control time.

Operations take a ``clock`` (``ctx.clock`` in use cases); the default is the system clock. Times are
timezone-aware UTC datetimes; ``iso()`` gives the one text form stored everywhere
(``2026-12-01T14:58:36.123456Z``).
"""

from __future__ import annotations

import datetime as _dt
import threading
from typing import Protocol

UTC = _dt.UTC


def to_iso(moment: _dt.datetime, timespec: str = "microseconds") -> str:
    """The stored form: UTC, microseconds (or ``timespec``), a trailing Z."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def from_iso(text: str) -> _dt.datetime:
    moment = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Clock(Protocol):
    def now(self) -> _dt.datetime: ...


class SystemClock:
    def now(self) -> _dt.datetime:
        return _dt.datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told (tests, simulations). Thread-safe."""

    def __init__(self, start: _dt.datetime | str = "2026-01-01T00:00:00Z"):
        self._now = from_iso(start) if isinstance(start, str) else start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> _dt.datetime:
        with self._lock:
            return self._now

    def set(self, moment: _dt.datetime | str) -> None:
        with self._lock:
            self._now = from_iso(moment) if isinstance(moment, str) else moment.astimezone(UTC)

    def advance(self, seconds: float = 0, **delta) -> None:
        with self._lock:
            self._now += _dt.timedelta(seconds=seconds, **delta)


SYSTEM_CLOCK: Clock = SystemClock()


def now_iso(clock: Clock | None = None, timespec: str = "microseconds") -> str:
    return to_iso((clock or SYSTEM_CLOCK).now(), timespec)


def timestamp(clock: Clock | None = None) -> float:
    return (clock or SYSTEM_CLOCK).now().timestamp()
