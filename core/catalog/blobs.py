"""A cache of the repositories' pack indexes: which packs were read, and where each blob lives.
The destination's listing is the truth; this only saves reading every index on every run."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate

_BATCH = 500


class BlobCache(Aggregate):
    def known_packs(self, destination: str, account_id: str, conn: Connection | None = None) -> set[str]:
        kp = t.known_packs
        with self._conn(conn) as c:
            return {r.pack_id for r in c.execute(
                select(kp.c.pack_id).where(kp.c.destination == destination, kp.c.account_id == account_id))}

    def known_blobs(self, destination: str, account_id: str,
                    conn: Connection | None = None) -> dict[str, tuple[str, int, int, int]]:
        """blob id -> (pack id, offset, length, raw size)."""
        kb = t.known_blobs
        with self._conn(conn) as c:
            return {r.blob_id: (r.pack_id, int(r.offset), int(r.length), int(r.raw_size)) for r in c.execute(
                select(kb).where(kb.c.destination == destination, kb.c.account_id == account_id))}

    def add_pack(self, destination: str, account_id: str, pack_id: str,
                 blobs: dict[str, tuple[int, int, int]], conn: Connection | None = None) -> None:
        """Record one pack and its blobs (blob id -> (offset, length, raw size)); idempotent."""
        kp, kb = t.known_packs, t.known_blobs
        with self._conn(conn, write=True) as c:
            if c.execute(select(kp.c.pack_id).where(kp.c.destination == destination, kp.c.account_id == account_id,
                                                    kp.c.pack_id == pack_id)).first():
                return
            c.execute(insert(kp).values(destination=destination, account_id=account_id, pack_id=pack_id))
            ids = list(blobs)
            have: set[str] = set()
            for i in range(0, len(ids), _BATCH):
                have.update(r.blob_id for r in c.execute(select(kb.c.blob_id).where(
                    kb.c.destination == destination, kb.c.account_id == account_id,
                    kb.c.blob_id.in_(ids[i:i + _BATCH]))))
            rows = [{"destination": destination, "account_id": account_id, "blob_id": b, "pack_id": pack_id,
                     "offset": o, "length": n, "raw_size": r} for b, (o, n, r) in blobs.items() if b not in have]
            if rows:
                c.execute(insert(kb), rows)

    def forget_packs(self, destination: str, account_id: str, pack_ids: Iterable[str] | None = None,
                     conn: Connection | None = None) -> None:
        """Drop packs (all of the account's when ``pack_ids`` is None) and the blobs located in them."""
        kp, kb = t.known_packs, t.known_blobs
        with self._conn(conn, write=True) as c:
            qp = delete(kp).where(kp.c.destination == destination, kp.c.account_id == account_id)
            qb = delete(kb).where(kb.c.destination == destination, kb.c.account_id == account_id)
            if pack_ids is None:
                c.execute(qp)
                c.execute(qb)
                return
            ids = list(pack_ids)
            for i in range(0, len(ids), _BATCH):
                c.execute(qp.where(kp.c.pack_id.in_(ids[i:i + _BATCH])))
                c.execute(qb.where(kb.c.pack_id.in_(ids[i:i + _BATCH])))

    def forget_destination(self, destination: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            c.execute(delete(t.known_blobs).where(t.known_blobs.c.destination == destination))
            c.execute(delete(t.known_packs).where(t.known_packs.c.destination == destination))
