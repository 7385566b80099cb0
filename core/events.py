"""Tiny in-process observer lists: "unit changed" events that open views use to reload, and notices
(an operation worth a desktop notification ended).

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


# --- notices: operations worth a desktop notification (core/governance/notify.py publishes them) -------------
_notice_subscribers: list[Callable[[object], None]] = []


def subscribe_notices(fn: Callable[[object], None]) -> Callable[[], None]:
    """Call ``fn(notice)`` (a core.governance.notify.Notice) when a backup, restore, export... ends."""
    with _lock:
        _notice_subscribers.append(fn)

    def unsubscribe() -> None:
        with _lock:
            if fn in _notice_subscribers:
                _notice_subscribers.remove(fn)

    return unsubscribe


def publish_notice(notice) -> None:
    with _lock:
        targets = list(_notice_subscribers)
    for fn in targets:
        try:
            fn(notice)
        except Exception:
            from core.logsetup import get_logger

            get_logger("events").exception("notice subscriber failed")
