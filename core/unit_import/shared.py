"""Safety snapshots in team mode: kept in the unit store, so any workstation on it can undo them.

On a single workstation (a SQLite unit store) snapshots are files under the home's snapshots/ and
this module is not used. When the unit store is on a server (PostgreSQL), the import still writes
its snapshot as a pending file first (core/unit_import/safety.py: the same bundle, the same crash
handling), then, **in the import's own transaction**, copies it into ``safety_snapshots`` and
``safety_snapshot_chunks`` (``publish``): the snapshot exists for every workstation exactly when the
import committed. The local files are then removed; a workstation that opens a snapshot fetches it
into ``snapshots/cache/`` first (``local_copy``), where the bundle's own authentication checks it.

The key the snapshots are sealed with is the store's too (``store_keys``, served to
``safety_snapshot_key`` by :class:`TeamSecrets`): it guards only records the same database holds in
the clear, and a key kept on one workstation would make the others unable to undo.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from core.fsutil import atomic_write_bytes
from core.unit import tables as t

CHUNK = 1024 * 1024
SHARED_SECRETS = frozenset({"snapshot-key"})   # secrets that belong to the store, not to a workstation


def is_shared(home) -> bool:
    """Whether this home's unit store is on a server (team mode keeps snapshots there)."""
    from core.home import is_server_url

    return is_server_url(home.db_url)


@contextlib.contextmanager
def _store(home, store=None):
    if store is not None:
        yield store
        return
    from core.unit.store import UnitStore

    own = UnitStore.open(home.db_url)
    try:
        yield own
    finally:
        own.close()


# --- writing ------------------------------------------------------------------------------------------
def publish(conn, info, path: Path | None = None) -> None:
    """In the import's transaction: the snapshot's row and its bundle, read from ``path``."""
    path = Path(path or info.path)
    conn.execute(insert(t.safety_snapshots).values(
        id=info.id, unit_id=info.unit_id, unit_name=info.unit_name, created=info.created,
        sections=json.dumps(list(info.sections)), size=int(info.size), reason=info.reason, kind=info.kind,
        undone=bool(info.undone), digest=info.digest, workstation=socket.gethostname()[:255]))
    with open(path, "rb") as f:
        seq = 0
        while block := f.read(CHUNK):
            conn.execute(insert(t.safety_snapshot_chunks).values(snapshot_id=info.id, seq=seq, data=block))
            seq += 1


def import_local_snapshots(home, store) -> int:
    """``db move-to``: this home's snapshots (and their key) into an empty shared unit store."""
    from core.unit_import import safety

    local = safety.list_safety_snapshots(home, _local=True)
    if not local:
        return 0
    from core.secrets import open_secret_store

    key = open_secret_store(home.root, home.secrets_dir).get(safety.KEY_NAME)
    if key is None:
        return 0
    with store.write() as conn:
        conn.execute(insert(t.store_keys).values(name=safety.KEY_NAME, value=key))
        for info in local:
            publish(conn, info)
    return len(local)


# --- reading ------------------------------------------------------------------------------------------
def list_snapshots(home, unit_name: str | None = None, store=None) -> list:
    """Snapshots in the shared store, newest first (optionally of one unit)."""
    from core.unit_import.safety import SafetySnapshot

    s = t.safety_snapshots.c
    q = select(t.safety_snapshots)
    if unit_name is not None:
        q = q.where(s.unit_name == unit_name)
    with _store(home, store) as st, st.read() as conn:
        rows = conn.execute(q).all()
    out = [SafetySnapshot(r.id, r.unit_name, r.unit_id, r.created, tuple(json.loads(r.sections)), int(r.size),
                          r.reason, r.kind, bool(r.undone), r.digest, _cache(home) / f"{r.id}.uvault")
           for r in rows]
    out.sort(key=lambda i: (i.created, i.id), reverse=True)
    return out


def _cache(home) -> Path:
    return Path(home.snapshots_dir) / "cache"


def local_copy(home, info, store=None) -> Path:
    """The snapshot's bundle as a local file (fetched into snapshots/cache/ once)."""
    path = _cache(home) / f"{info.id}.uvault"
    if path.exists():
        return path
    c = t.safety_snapshot_chunks.c
    with _store(home, store) as st, st.read() as conn:
        data = b"".join(r[0] for r in conn.execute(select(c.data).where(c.snapshot_id == info.id).order_by(c.seq)))
    if not data:
        from core.errors import NotFoundError

        raise NotFoundError(f"Snapshot {info.id} is no longer in the shared store.")
    path.parent.mkdir(mode=0o700, exist_ok=True)
    atomic_write_bytes(path, data)
    return path


# --- changing -----------------------------------------------------------------------------------------
def mark_undone(home, snapshot_id: str, store=None) -> None:
    with _store(home, store) as st, st.write() as conn:
        conn.execute(update(t.safety_snapshots).where(t.safety_snapshots.c.id == snapshot_id).values(undone=True))


def prune(home, unit_id: str, keep: int, store=None) -> list[str]:
    """Forget the unit's snapshots beyond the newest ``keep``; drop cached copies of forgotten ones."""
    s = t.safety_snapshots.c
    with _store(home, store) as st, st.write() as conn:
        ids = [r[0] for r in conn.execute(select(s.id).where(s.unit_id == unit_id)
                                          .order_by(s.created.desc(), s.id.desc()))]
        gone = ids[keep:]
        if gone:
            conn.execute(delete(t.safety_snapshot_chunks).where(t.safety_snapshot_chunks.c.snapshot_id.in_(gone)))
            conn.execute(delete(t.safety_snapshots).where(s.id.in_(gone)))
    for sid in gone:
        with contextlib.suppress(FileNotFoundError):
            (_cache(home) / f"{sid}.uvault").unlink()
    return gone


# --- the store's own keys --------------------------------------------------------------------------------
class TeamSecrets:
    """A workstation's secret store, except for the names in SHARED_SECRETS, which the unit store
    holds for every workstation on it. Same interface as core.secrets.SecretStore."""

    def __init__(self, local, db_url: str):
        self.local = local
        self.db_url = db_url
        self._engine = None

    def _eng(self):
        if self._engine is None:
            from core.db import make_engine

            self._engine = make_engine(self.db_url)
        return self._engine

    def get(self, name: str) -> bytes | None:
        if name not in SHARED_SECRETS:
            return self.local.get(name)
        k = t.store_keys.c
        with self._eng().connect() as conn:
            value = conn.execute(select(k.value).where(k.name == name)).scalar()
        return bytes(value) if value is not None else None

    def set(self, name: str, value: bytes) -> None:
        if name not in SHARED_SECRETS:
            return self.local.set(name, value)
        # The first workstation's key wins: a second one racing to create it keeps the stored key.
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        with self._eng().begin() as conn:
            conn.execute(pg_insert(t.store_keys).values(name=name, value=bytes(value))
                         .on_conflict_do_nothing(index_elements=["name"]))

    def delete(self, name: str) -> None:
        if name not in SHARED_SECRETS:
            return self.local.delete(name)
        with self._eng().begin() as conn:
            conn.execute(delete(t.store_keys).where(t.store_keys.c.name == name))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __getattr__(self, attr):  # anything else a local store offers (e.g. its kind)
        return getattr(self.local, attr)


def clear_cache(home) -> None:
    d = _cache(home)
    if d.is_dir():
        for p in d.iterdir():
            with contextlib.suppress(OSError):
                os.unlink(p)
