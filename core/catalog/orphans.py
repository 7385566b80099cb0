"""Orphan accounts: backups at a destination whose account is not (or no longer) in the catalog.
An orphan with no backups left is removed from the catalog after 14 days."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate


@dataclass(frozen=True)
class Orphan:
    account_id: str
    username: str
    first_seen: str
    empty_since: str | None

    def as_dict(self) -> dict:
        return {"account_id": self.account_id, "username": self.username, "first_seen": self.first_seen,
                "empty_since": self.empty_since}


def _orphan(r) -> Orphan:
    return Orphan(r.account_id, r.username, r.first_seen, r.empty_since)


class Orphans(Aggregate):
    def list(self, conn: Connection | None = None) -> list[Orphan]:
        with self._conn(conn) as c:
            return [_orphan(r) for r in c.execute(select(t.orphans).order_by(t.orphans.c.username,
                                                                               t.orphans.c.account_id))]

    def find(self, account_id: str, conn: Connection | None = None) -> Orphan | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.orphans).where(t.orphans.c.account_id == account_id)).first()
        return _orphan(r) if r else None

    def upsert(self, account_id: str, username: str, *, has_backups: bool, conn: Connection | None = None) -> None:
        now = self.catalog.now()
        with self._conn(conn, write=True) as c:
            row = self.find(account_id, c)
            if row is None:
                c.execute(insert(t.orphans).values(account_id=account_id, username=username or "", first_seen=now,
                                                   empty_since=None if has_backups else now))
                return
            values: dict = {}
            if username and username != row.username:
                values["username"] = username
            if has_backups and row.empty_since is not None:
                values["empty_since"] = None
            elif not has_backups and row.empty_since is None:
                values["empty_since"] = now
            if values:
                c.execute(update(t.orphans).where(t.orphans.c.account_id == account_id).values(**values))

    def remove(self, account_id: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.orphans).where(t.orphans.c.account_id == account_id))
