"""A tiny in-process observer list: "unit changed" events that open views use to reload.

Core code calls :func:`publish` after a change has been committed; the desktop subscribes and
re-posts the event to the GUI thread (subscribers may be called from a worker thread). A failing
subscriber is logged and never breaks the operation that published.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_lock = threading.Lock()
_subscribers: list[Callable[[str], None]] = []


def subscribe(fn: Callable[[str], None]) -> Callable[[], None]:
    """Call ``fn(unit_name)`` after each committed change to a unit; returns an unsubscribe function."""
    with _lock:
        _subscribers.append(fn)

    def unsubscribe() -> None:
        with _lock:
            if fn in _subscribers:
                _subscribers.remove(fn)

    return unsubscribe


def publish(unit_name: str) -> None:
    with _lock:
        targets = list(_subscribers)
    for fn in targets:
        try:
            fn(unit_name)
        except Exception:  # a view's bug must not turn a committed import into an error
            from core.logsetup import get_logger

            get_logger("events").exception("unit-changed subscriber failed")
