"""Secrets held in this process's memory for the queue items that need them at run time.

Queue items never store a secret (core/jobs/requests.py strips them). An item that needs one (an
owner-held account's restore or download needs the owner's passphrase; a unit download needs a
password for its bundle) is queued by a process that holds the secret here, under that process's
``holder`` id; only a worker pool in that same process claims it (core/catalog/queue.py), and the
pool keeps the item's lease alive while it waits. When the process stops, the secrets go with it and
the item fails with a clear reason; it can be retried by a process that is given the secret again.

So unattended runners (``unitvault queue run`` from a timer, another workstation on a shared catalog)
never see these items, and the desktop app, which asks for the passphrase in a dialog, runs them in
its own pool. A forked child starts with no secrets and a holder id of its own.
"""

from __future__ import annotations

import os
import secrets as _random
import socket
import threading

from core.logsetup import register_secret


def _new_holder() -> str:
    host = (socket.gethostname() or "host")[:32]
    return f"{host}:{os.getpid()}:{_random.token_hex(4)}"


class SecretHold:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[int, dict[str, str]] = {}
        self.holder = _new_holder()

    def put(self, item_id: int, values: dict[str, str]) -> None:
        for value in values.values():
            register_secret(value)       # whatever happens, it never reaches a log
        with self._lock:
            self._items[int(item_id)] = dict(values)

    def get(self, item_id: int) -> dict[str, str] | None:
        with self._lock:
            found = self._items.get(int(item_id))
            return dict(found) if found is not None else None

    def drop(self, item_id: int) -> None:
        with self._lock:
            self._items.pop(int(item_id), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _forget_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._items = {}
        self.holder = _new_holder()


HOLD = SecretHold()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=HOLD._forget_after_fork)
