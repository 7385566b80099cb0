"""Wrappers that add behaviour to ANY destination: retries with backoff, and a bandwidth limit.

Both take a :class:`~core.destinations.base.Destination` and are one themselves, so they stack:
``RetryingDestination(BandwidthLimitedDestination(adapter, rate))``. Clocks and sleeps are injectable,
so tests check the waiting without waiting.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator

from core.destinations.base import ObjectInfo
from core.errors import TransientDestinationError
from core.logsetup import get_logger

log = get_logger("destinations.retry")


class RetryingDestination:
    """Retry an operation that raised :class:`TransientDestinationError`, with exponential backoff and
    jitter; every other error passes through at once.

    Attempt ``n`` (0-based) waits ``min(max_delay, base_delay * 2**n)`` scaled by a random factor in
    [0.5, 1.0]. It gives up after ``retries`` retries or when the next wait would pass ``max_elapsed``
    seconds since the first attempt, raising one TransientDestinationError that says how many attempts
    were made. A listing that fails midway resumes after the last key it yielded (keys come in order).
    """

    def __init__(self, inner, *, retries: int = 5, base_delay: float = 0.5, max_delay: float = 30.0,
                 max_elapsed: float = 300.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
                 on_retry: Callable[[int, float, TransientDestinationError], None] | None = None):
        self.inner = inner
        self.retries = max(0, int(retries))
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_elapsed = max_elapsed
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._on_retry = on_retry

    @property
    def name(self) -> str:
        return self.inner.name

    def delay(self, attempt: int) -> float:
        cap = min(self.max_delay, self.base_delay * (2 ** attempt))
        return cap * (0.5 + 0.5 * self._rng.random())

    def _wait_or_give_up(self, exc: TransientDestinationError, attempt: int, start: float) -> None:
        """Sleep before retry number ``attempt + 1``, or raise the final error."""
        delay = self.delay(attempt)
        if attempt >= self.retries or (self._clock() - start) + delay > self.max_elapsed:
            attempts = attempt + 1
            if attempts == 1:
                raise exc
            raise TransientDestinationError(
                f"{exc.message.rstrip('.')}; gave up after {attempts} attempts.",
                hint=exc.hint or "Check that the destination is reachable, then run the operation again.",
                details=exc.details) from None
        log.info("destination %s: %s; retry %d in %.1f s", self.name, exc.message, attempt + 1, delay)
        if self._on_retry is not None:
            self._on_retry(attempt + 1, delay, exc)
        self._sleep(delay)

    def _call(self, fn, *args):
        attempt, start = 0, self._clock()
        while True:
            try:
                return fn(*args)
            except TransientDestinationError as exc:
                self._wait_or_give_up(exc, attempt, start)
                attempt += 1

    def put(self, key: str, data: bytes) -> None:
        return self._call(self.inner.put, key, data)

    def get(self, key: str) -> bytes:
        return self._call(self.inner.get, key)

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        return self._call(self.inner.get_range, key, offset, length)

    def stat(self, key: str) -> ObjectInfo:
        return self._call(self.inner.stat, key)

    def exists(self, key: str) -> bool:
        return self._call(self.inner.exists, key)

    def delete(self, key: str) -> None:
        return self._call(self.inner.delete, key)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self._resumed(self.inner.list, prefix, lambda key: key)

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self._resumed(self.inner.list_info, prefix, lambda info: info.key)

    def _resumed(self, listing, prefix: str, key_of) -> Iterator:
        """A listing that survives transient failures: it starts again and skips what it already
        gave (keys come in ascending order)."""
        attempt, start = 0, self._clock()
        last: str | None = None
        while True:
            try:
                for item in listing(prefix):
                    key = key_of(item)
                    if last is not None and key <= last:
                        continue
                    last = key
                    attempt = 0
                    yield item
                return
            except TransientDestinationError as exc:
                self._wait_or_give_up(exc, attempt, start)
                attempt += 1

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"RetryingDestination({self.inner!r}, retries={self.retries})"


class TokenBucket:
    """A thread-safe token bucket of ``rate`` bytes/s holding at most ``burst`` bytes (default: one
    second's worth). ``take(n)`` may drive the balance negative and then sleeps until it is paid back,
    so objects larger than the bucket pass whole and the average rate stays at most ``rate``."""

    def __init__(self, rate: int, burst: int | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()
        self._lock = threading.Lock()

    def take(self, n: int) -> float:
        """Account for ``n`` bytes; return the seconds slept."""
        if n <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= n
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


class BandwidthLimitedDestination:
    """Keep the average transfer rate (uploads plus downloads) at or under ``rate`` bytes/s.

    An upload waits for its bytes before it starts; a download pays after it arrives. Listing, stat
    and delete are not counted.
    """

    def __init__(self, inner, rate: int, *, burst: int | None = None, bucket: TokenBucket | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.inner = inner
        self.bucket = bucket or TokenBucket(rate, burst, clock=clock, sleep=sleep)

    @property
    def name(self) -> str:
        return self.inner.name

    def put(self, key: str, data: bytes) -> None:
        self.bucket.take(len(data))
        self.inner.put(key, data)

    def get(self, key: str) -> bytes:
        data = self.inner.get(key)
        self.bucket.take(len(data))
        return data

    def get_range(self, key: str, offset: int, length: int) -> bytes:
        data = self.inner.get_range(key, offset, length)
        self.bucket.take(len(data))
        return data

    def stat(self, key: str) -> ObjectInfo:
        return self.inner.stat(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self.inner.list(prefix)

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self.inner.list_info(prefix)

    def close(self) -> None:
        self.inner.close()

    def __repr__(self) -> str:
        return f"BandwidthLimitedDestination({self.inner!r}, rate={self.bucket.rate:.0f})"
