"""The audit log: append-only, each entry chained to the previous one by a hash
(core/governance/audit.py), and the head (last sequence number and hash) kept beside it.

Appends are serialized in one write transaction: SQLite's ``BEGIN IMMEDIATE`` lets one writer in at
a time; on PostgreSQL a transaction-scoped advisory lock does the same, so two workstations sharing
a catalog never fork the chain. The next entry follows the stored head, not the last row, so a row
deleted from the end stays missing."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.governance.audit import AuditEntry, detail_text, entry_hash, parse_head

HEAD_KEY = "audit/head"
PG_LOCK = 0x75764175   # "uvAu": the advisory lock every appender takes on PostgreSQL


def _entry(r) -> AuditEntry:
    return AuditEntry(int(r.seq), r.at, r.actor, r.role, r.action, r.target, r.outcome, r.detail, r.prev_hash,
                      r.hash)


class AuditLog(Aggregate):
    def append(self, actor: str, role: str, action: str, target: str, outcome: str, detail: dict | None = None,
               conn: Connection | None = None) -> AuditEntry:
        with self._conn(conn, write=True) as c:
            if c.dialect.name == "postgresql":
                c.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK})
            head_seq, head_hash = parse_head(self.catalog.settings.get(HEAD_KEY, None, c))
            if head_seq < 0:     # a damaged head: continue after the last row, verify names the damage
                last = c.execute(select(t.audit_log.c.seq, t.audit_log.c.hash)
                                 .order_by(t.audit_log.c.seq.desc()).limit(1)).first()
                head_seq, head_hash = (int(last.seq), last.hash) if last else (0, "0" * 64)
            seq = head_seq + 1
            at = self.catalog.now()
            body = detail_text(detail)
            digest = entry_hash(head_hash, seq, at, actor, role, action, target, outcome, body)
            c.execute(insert(t.audit_log).values(seq=seq, at=at, actor=actor, role=role, action=action, target=target,
                                                 outcome=outcome, detail=body, prev_hash=head_hash, hash=digest))
            self.catalog.settings.set(HEAD_KEY, f"{seq}:{digest}", c)
            return AuditEntry(seq, at, actor, role, action, target, outcome, body, head_hash, digest)

    def head(self, conn: Connection | None = None) -> str | None:
        return self.catalog.settings.get(HEAD_KEY, None, conn)

    def list(self, *, limit: int | None = None, before: int | None = None, actor: str | None = None,
             action: str | None = None, since: str | None = None, conn: Connection | None = None) -> list[AuditEntry]:
        """Newest first; ``action`` matches an action or an area (``token`` matches ``token.create``)."""
        q = select(t.audit_log).order_by(t.audit_log.c.seq.desc())
        if before is not None:
            q = q.where(t.audit_log.c.seq < before)
        if actor:
            q = q.where(t.audit_log.c.actor == actor)
        if action:
            q = q.where((t.audit_log.c.action == action) | t.audit_log.c.action.startswith(action + "."))
        if since:
            q = q.where(t.audit_log.c.at >= since)
        if limit is not None:
            q = q.limit(limit)
        with self._conn(conn) as c:
            return [_entry(r) for r in c.execute(q).all()]

    def iter_all(self, conn: Connection | None = None, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every entry, oldest first, a batch at a time, in one read transaction."""
        with self._conn(conn) as c:
            after = None
            while True:
                q = select(t.audit_log).order_by(t.audit_log.c.seq).limit(batch)
                if after is not None:
                    q = q.where(t.audit_log.c.seq > after)
                rows = c.execute(q).all()
                if not rows:
                    return
                for r in rows:
                    yield _entry(r)
                after = rows[-1].seq
