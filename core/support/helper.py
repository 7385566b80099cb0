"""Helper processes: Python-bound work of a big unit (reading and hashing it, checking an export's
records) runs in a second interpreter on the other core, talking to its parent over a pipe.

``UNITVAULT_HELPERS``: "0" never starts one (the work runs in-process), "1" always does (tests);
unset, a helper starts for units of ``HELPER_MIN_RECORDS`` records or more, where it pays for its
start-up. Frozen builds never start one.
"""

from __future__ import annotations

import contextlib
import os
import sys

HELPER_MIN_RECORDS = 50_000  # below this the work is done in-process
HELPER_ENV = "UNITVAULT_HELPERS"


def process_pays(records: int) -> bool:
    """Whether a helper process is worth starting for work over ``records`` records."""
    choice = os.environ.get(HELPER_ENV)
    if choice == "0" or getattr(sys, "frozen", False):
        return False
    return choice == "1" or records >= HELPER_MIN_RECORDS


def helper_env() -> dict:
    """The environment a helper starts with (no bytecode written from it)."""
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def enlarge_pipe(fd: int, size: int = 1 << 20) -> None:
    """Give a pipe ``size`` bytes of buffer where the system allows it (Linux), else leave it."""
    with contextlib.suppress(Exception):
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), size)


def protocol_out():
    """In a helper: the pipe to its parent, on a descriptor of its own: file descriptor 1 is pointed at
    standard error, so a stray print (of a library, say) cannot break into the stream."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return out


class ReadAhead:
    """A helper's output, drained by a thread into at most ``limit`` bytes of chunks, so the helper
    works ahead while its reader is busy elsewhere (an import preview with the source's workspaces,
    say) instead of waiting on a full pipe, and the reader finds its next data ready. ``read`` is
    what msgpack's Unpacker calls; b"" at the end of the stream."""

    CHUNK = 1 << 20

    def __init__(self, raw, limit: int = 32 << 20):
        import queue
        import threading

        self._fd = raw.fileno()
        enlarge_pipe(self._fd, self.CHUNK)  # fewer wake-ups of this thread
        self._chunks: queue.Queue = queue.Queue(maxsize=max(1, limit // self.CHUNK))
        self._buf = b""
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="unitvault-live-read", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import queue

        while not self._stopped.is_set():
            try:
                data = os.read(self._fd, self.CHUNK)
            except OSError:
                data = b""
            while True:  # a full queue: wait, but give up when stopped
                try:
                    self._chunks.put(data, timeout=0.1)
                    break
                except queue.Full:
                    if self._stopped.is_set():
                        return
            if not data:
                return

    def read(self, n: int = -1) -> bytes:
        if self._buf is None:
            return b""
        if not self._buf:
            self._buf = self._chunks.get()
            if not self._buf:
                self._buf = None
                return b""
        if n < 0 or n >= len(self._buf):
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def stop(self) -> None:
        self._stopped.set()
