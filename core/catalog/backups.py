"""The backup index: one row per backup stored at a destination (the manifest lives there)."""

from __future__ import annotations

import json

from sqlalchemy import delete, func, insert, literal, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.catalog.records import BackupEntry, dumps
from core.errors import NotFoundError

_SEP = ","                                 # joins a series' ids and times: neither holds one


class BackupIndex(Aggregate):
    @staticmethod
    def _entry(r) -> BackupEntry:
        return BackupEntry(r.id, r.account_id, r.destination, r.created_at, r.kind, tuple(json.loads(r.items)),
                           int(r.size), int(r.new_data), bool(r.encrypted), r.encryption, r.status,
                           int(r.file_count), json.loads(r.info), r.job, bool(r.locked), r.locked_until,
                           r.lock_reason, r.expires_at)

    def add(self, entry: BackupEntry, conn: Connection | None = None) -> bool:
        """Index a backup; returns False when it was already indexed (left unchanged)."""
        b = t.backups
        with self._conn(conn, write=True) as c:
            if c.execute(select(b.c.id).where(b.c.id == entry.id)).first():
                return False
            c.execute(insert(b).values(
                id=entry.id, account_id=entry.account_id, destination=entry.destination,
                created_at=entry.created_at, kind=entry.kind, items=dumps(list(entry.items)), size=entry.size,
                new_data=entry.new_data, encrypted=entry.encrypted, encryption=entry.encryption,
                status=entry.status, file_count=entry.file_count, info=dumps(entry.info), job=entry.job,
                locked=entry.locked, locked_until=entry.locked_until, lock_reason=entry.lock_reason,
                expires_at=entry.expires_at))
            return True

    def list(self, account_id: str | None = None, destination: str | None = None,
             conn: Connection | None = None) -> list[BackupEntry]:
        """Oldest first."""
        b = t.backups
        q = select(b).order_by(b.c.created_at, b.c.id)
        if account_id is not None:
            q = q.where(b.c.account_id == account_id)
        if destination is not None:
            q = q.where(b.c.destination == destination)
        with self._conn(conn) as c:
            return [self._entry(r) for r in c.execute(q)]

    def latest_by_account(self, conn: Connection | None = None) -> dict[str, tuple[int, str, int]]:
        """account id -> (backups, the latest one's time, its size): two queries for every account."""
        b = t.backups
        with self._conn(conn) as c:
            counts = {r[0]: (int(r[1]), r[2]) for r in c.execute(
                select(b.c.account_id, func.count(), func.max(b.c.created_at)).group_by(b.c.account_id))}
            latest = b.alias("latest")
            newest = (select(func.max(latest.c.created_at)).where(latest.c.account_id == b.c.account_id)
                      .scalar_subquery())
            sizes: dict[str, int] = {}
            for r in c.execute(select(b.c.account_id, b.c.size).where(b.c.created_at == newest)
                               .order_by(b.c.id)):
                sizes[r[0]] = int(r[1] or 0)
        return {a: (n, last, sizes.get(a, 0)) for a, (n, last) in counts.items()}

    def retention_series(self, destination: str | None = None, *, job: str | None = None, users: bool = True,
                         conn: Connection | None = None) -> tuple[list[tuple], dict]:
        """What retention decides by, in the shape ``core.jobs.retention.decide_series`` takes: one
        series per (job, account, destination) with its backups' ids and times newest first, and the
        rare facts (expiry, lock) only for the backups that have one. ``users``: False leaves out users'
        own destinations; ``job``: that job's backups only.

        A year of daily backups of a thousand accounts is 365,000 backups; the database aggregates each
        series into two strings (group_concat, string_agg) read from the covering index
        ``ix_backups_retention`` in its order (no sort), so Python splits 1,000 pairs of strings
        instead of making 365,000 rows; the locked and expiring backups come from a partial index of
        their own. A series whose split does not give its count back is read row by row."""
        from core.support.bulk import gc_paused

        b = t.backups
        key = (b.c.job, b.c.account_id, b.c.destination)
        order = (b.c.destination, b.c.job, b.c.account_id)           # the index's
        with self._conn(conn) as c, gc_paused():
            dialect = c.dialect.name
            if dialect == "sqlite":           # group_concat takes the rows in the index's order
                q = self._retention_filter(select(*key, func.count(), func.group_concat(b.c.id, _SEP),
                                                  func.group_concat(b.c.created_at, _SEP)), destination, job, users)
                q = q.group_by(*order)
            elif dialect == "postgresql":
                # string_agg(... ORDER BY ...) sorts every series again (PostgreSQL 15 sorts all 365,000
                # rows on disk); rows from the index in its order, aggregated as they come, do not
                # (PostgreSQL's documented way; the order is checked in Python all the same)
                rows = self._retention_filter(select(*key, b.c.id, b.c.created_at), destination, job, users)
                r = rows.order_by(*order, b.c.created_at.desc(), b.c.id.desc()).subquery().c
                q = select(r.job, r.account_id, r.destination, func.count(), func.string_agg(r.id, literal(_SEP)),
                           func.string_agg(r.created_at, literal(_SEP))).group_by(r.destination, r.job, r.account_id)
            else:
                q = None
            marks: dict[tuple, dict] = {}
            held = self._retention_filter(select(*key, b.c.id, b.c.expires_at, b.c.locked, b.c.locked_until)
                                          .where(t.HELD), destination, job, users)      # its own small index
            for j, account, dest, bid, expires, locked, until in c.execute(held):
                marks.setdefault((j or None, account, dest), {})[bid] = (expires, bool(locked), until)
            if q is None:
                return self._series_by_rows(c, destination, job, users), marks
            series = []
            for j, account, dest, n, joined_ids, joined_times in c.execute(q):
                split_ids, split_times = joined_ids.split(_SEP), joined_times.split(_SEP)
                if not len(split_ids) == len(split_times) == n:         # a separator inside a value
                    rows = self._series_by_rows(c, destination, job, users, only=(j, account, dest))
                    split_ids, split_times = rows[0][3], rows[0][4]
                series.append((j, account, dest, split_ids, split_times))
            return series, marks

    @staticmethod
    def _retention_filter(q, destination: str | None, job: str | None, users: bool):
        from core.catalog.user_backups import USER_DESTINATION_PREFIX

        b = t.backups
        if destination is not None:
            q = q.where(b.c.destination == destination)
        if job is not None:
            q = q.where(b.c.job == job)
        if not users:
            q = q.where(~b.c.destination.startswith(USER_DESTINATION_PREFIX, autoescape=True))
        return q

    def _series_by_rows(self, c: Connection, destination: str | None, job: str | None, users: bool,
                        only: tuple | None = None) -> list[tuple]:
        """The same series from one row per backup (any other database, or a value holding the separator)."""
        b = t.backups
        q = self._retention_filter(select(b.c.job, b.c.account_id, b.c.destination, b.c.id, b.c.created_at),
                                   destination, job, users)
        if only is not None:
            q = q.where(b.c.job.is_(None) if only[0] is None else b.c.job == only[0],
                        b.c.account_id == only[1], b.c.destination == only[2])
        series: dict[tuple, tuple[list, list]] = {}
        for j, account, dest, bid, created in c.execute(q.order_by(b.c.created_at.desc(), b.c.id.desc())):
            ids, times = series.setdefault((j, account, dest), ([], []))
            ids.append(bid)
            times.append(created)
        return [(*k, ids, times) for k, (ids, times) in series.items()]

    def find(self, backup_id: str, conn: Connection | None = None) -> BackupEntry | None:
        with self._conn(conn) as c:
            r = c.execute(select(t.backups).where(t.backups.c.id == backup_id)).first()
        return self._entry(r) if r else None

    def get(self, backup_id: str, conn: Connection | None = None) -> BackupEntry:
        entry = self.find(backup_id, conn)
        if entry is None:
            raise NotFoundError(f"No backup with id {backup_id!r}.", kind="backup_not_found",
                                data={"id": backup_id})
        return entry

    def set_lock(self, backup_id: str, locked: bool, *, until: str | None = None, reason: str | None = None,
                 conn: Connection | None = None) -> BackupEntry:
        with self._conn(conn, write=True) as c:
            self.get(backup_id, c)
            c.execute(update(t.backups).where(t.backups.c.id == backup_id).values(
                locked=locked, locked_until=until if locked else None, lock_reason=reason if locked else None))
            return self.get(backup_id, c)

    def set_account(self, backup_id: str, account_id: str, info: dict, conn: Connection | None = None) -> None:
        """File the backup under another account (reassignment)."""
        with self._conn(conn, write=True) as c:
            c.execute(update(t.backups).where(t.backups.c.id == backup_id).values(account_id=account_id,
                                                                                  info=dumps(info)))

    def account_ids(self, conn: Connection | None = None) -> dict[str, int]:
        """account id -> number of indexed backups."""
        from sqlalchemy import func

        with self._conn(conn) as c:
            return {r[0]: int(r[1]) for r in c.execute(
                select(t.backups.c.account_id, func.count()).group_by(t.backups.c.account_id))}

    def set_status(self, backup_id: str, status: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(update(t.backups).where(t.backups.c.id == backup_id).values(status=status))

    def remove(self, backup_id: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.backups).where(t.backups.c.id == backup_id))

    def forget_destination(self, destination: str, conn: Connection | None = None) -> int:
        """Drop every backup indexed at ``destination`` (the destination itself is untouched)."""
        with self._conn(conn, write=True) as c:
            return c.execute(delete(t.backups).where(t.backups.c.destination == destination)).rowcount
