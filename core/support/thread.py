"""Work on a thread while the caller goes on: for calls that run without the GIL (Argon2id, say)."""

from __future__ import annotations

import threading


class Background:
    """``fn()`` on a daemon thread; ``result()`` waits and returns it, or raises what it raised."""

    def __init__(self, fn, name: str = "unitvault-background"):
        self._fn = fn
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # re-raised by result()
            self._error = exc

    def done(self) -> bool:
        return not self._thread.is_alive()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
