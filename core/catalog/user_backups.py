"""User-configured backups: per account, what its user chose (destination, schedule, items and
resource limits). The destination's credentials and the backup key are not here: they are in the
user's vault, sealed with a key derived from the user's password (core/governance/vault.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.catalog.records import dumps

USER_DESTINATION_PREFIX = "user."


def user_destination_name(username: str) -> str:
    """The name of a user's own destination in the catalog (admins cannot add names with this prefix)."""
    return f"{USER_DESTINATION_PREFIX}{username}"


def is_user_destination(name: str | None) -> bool:
    return bool(name) and name.startswith(USER_DESTINATION_PREFIX)


@dataclass(frozen=True)
class UserBackupConfig:
    account_id: str
    user_id: str
    destination: str | None
    items: tuple[str, ...]
    schedule: str | None           # None: on demand only
    timezone: str
    bandwidth: int | None          # bytes per second
    workers: int | None
    cpu_priority: int | None       # niceness 0..19
    last_run: str | None
    created_at: str
    updated_at: str

    def as_dict(self) -> dict:
        return {"destination": self.destination, "items": list(self.items), "schedule": self.schedule,
                "timezone": self.timezone, "bandwidth": self.bandwidth, "workers": self.workers,
                "cpu_priority": self.cpu_priority, "last_run": self.last_run}


def _config(r) -> UserBackupConfig:
    return UserBackupConfig(r.account_id, r.user_id, r.destination, tuple(json.loads(r.items)), r.schedule,
                            r.timezone, r.bandwidth, r.workers, r.cpu_priority, r.last_run, r.created_at, r.updated_at)


class UserBackups(Aggregate):
    def get(self, account_id: str, conn: Connection | None = None) -> UserBackupConfig | None:
        with self._conn(conn) as c:
            row = c.execute(select(t.user_backups).where(t.user_backups.c.account_id == account_id)).first()
        return _config(row) if row else None

    def list(self, conn: Connection | None = None) -> list[UserBackupConfig]:
        with self._conn(conn) as c:
            return [_config(r) for r in c.execute(select(t.user_backups).order_by(t.user_backups.c.account_id))]

    def put(self, account_id: str, user_id: str, *, destination: str | None, items: tuple[str, ...],
            schedule: str | None, timezone: str, bandwidth: int | None, workers: int | None,
            cpu_priority: int | None, conn: Connection | None = None) -> UserBackupConfig:
        values = dict(user_id=user_id, destination=destination, items=dumps(list(items)), schedule=schedule,
                      timezone=timezone, bandwidth=bandwidth, workers=workers, cpu_priority=cpu_priority)
        with self._conn(conn, write=True) as c:
            now = self.catalog.now()
            if self.get(account_id, c) is None:
                c.execute(insert(t.user_backups).values(account_id=account_id, created_at=now, updated_at=now,
                                                        **values))
            else:
                c.execute(update(t.user_backups).where(t.user_backups.c.account_id == account_id)
                          .values(updated_at=now, **values))
            return self.get(account_id, c)

    def set_last_run(self, account_id: str, when: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(update(t.user_backups).where(t.user_backups.c.account_id == account_id).values(last_run=when))

    def remove(self, account_id: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.user_backups).where(t.user_backups.c.account_id == account_id))
