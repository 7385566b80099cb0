"""``test_destination``: write, read back, verify and delete a probe object; measure the speed."""

from __future__ import annotations

import os
import secrets
import time

from core.destinations.base import ProbeResult
from core.errors import DestinationError

PROBE_PREFIX = "probes/"


def test_destination(dest, *, size: int = 4 * 1024 * 1024, reporter=None, clock=time.perf_counter) -> ProbeResult:
    """Probe ``dest``: round-trip latency (best of three small requests), then write and read back
    ``size`` random bytes, compare them, and delete the probe. Raises the destination's own errors,
    or DestinationError if what comes back differs or the probe cannot be removed."""
    key = f"{PROBE_PREFIX}probe-{secrets.token_hex(8)}"
    data = os.urandom(size)
    if reporter is not None:
        reporter.stage("probing", 4)
    latency = None
    for _ in range(3):
        t0 = clock()
        dest.exists(key)
        elapsed = clock() - t0
        latency = elapsed if latency is None else min(latency, elapsed)
    _step(reporter)
    try:
        t0 = clock()
        dest.put(key, data)
        write_s = clock() - t0
        _step(reporter)
        t0 = clock()
        back = dest.get(key)
        read_s = clock() - t0
        _step(reporter)
        if back != data:
            raise DestinationError(f"Destination {dest.name!r} returned different bytes than were written.",
                                   hint="The storage is unreliable; do not use it for backups.")
    finally:
        dest.delete(key)
    if dest.exists(key):
        raise DestinationError(f"Destination {dest.name!r} did not delete the probe object {key!r}.")
    _step(reporter)
    mib = size / (1024 * 1024)
    return ProbeResult(latency_s=latency or 0.0, write_mib_s=mib / max(write_s, 1e-9),
                       read_mib_s=mib / max(read_s, 1e-9), size=size)


test_destination.__test__ = False  # not a pytest test, whatever module imports it


def _step(reporter) -> None:
    if reporter is not None:
        reporter.advance(1)
