"""The unit store: read and write whole units or single sections, streaming, in transactions.

Reads come back as wire dicts (``iter_wire``, the fast path used by exports and digests) or typed
records (``iter_records``). Writes happen on a connection from ``write()``, which is one
transaction: everything inside commits together or not at all.

Every mutating call (``create_unit``, ``touch``, ``insert_wire``/``insert_records``,
``wipe_section``, ``delete_keys``) bumps the unit's change counter (``revision``), so a reader can
tell in O(1) whether a unit changed since it last looked. Write unit content only through these
calls (or bump the revision in the same transaction).
"""

from __future__ import annotations

import contextlib
import secrets as _secrets
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from orjson import dumps as _orjson_dumps
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from core.db import bulk_copy, open_database, read_transaction, write_transaction
from core.errors import AlreadyExistsError, NotFoundError
from core.support import clock
from core.support.bulk import batched
from core.unit import rows
from core.unit import tables as t
from core.unit.records import SECTIONS, Record, SectionCounts, Unit, check_unit_name, from_wire, to_wire

HEAD_REVISION = "u0006"
BATCH = 5000


def now_iso() -> str:
    return clock.now_iso(timespec="seconds")


def dumps(value: Any) -> str:
    """Compact JSON for a stored value. Callers pass schema-validated records (the schemas refuse NaN
    and infinities, which JSON cannot carry); orjson is ~5x faster than json here."""
    return _orjson_dumps(value).decode("utf-8")


def _unit(row) -> Unit:
    return Unit(row.id, row.name, row.display_name, row.created_at, row.updated_at)


class UnitStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> UnitStore:
        return cls(open_database(url, "the unit store", "core.unit:migrations", HEAD_REVISION, "alembic_version"))

    def close(self) -> None:
        self.engine.dispose()

    # --- transactions ---------------------------------------------------------------------------
    def read(self) -> contextlib.AbstractContextManager[Connection]:
        return read_transaction(self.engine)

    def write(self) -> contextlib.AbstractContextManager[Connection]:
        """One write transaction; rolls back on any exception (Cancelled included)."""
        return write_transaction(self.engine, "The unit store",
                                 "The change breaks the unit's references and was not saved.")

    # --- units ------------------------------------------------------------------------------------
    def list_units(self, conn: Connection | None = None) -> list[Unit]:
        with self._conn(conn) as c:
            return [_unit(r) for r in c.execute(select(t.units).order_by(t.units.c.name))]

    def find_unit(self, name: str, conn: Connection | None = None) -> Unit | None:
        with self._conn(conn) as c:
            row = c.execute(select(t.units).where(t.units.c.name == name)).first()
        return _unit(row) if row else None

    def get_unit(self, name: str, conn: Connection | None = None) -> Unit:
        unit = self.find_unit(name, conn)
        if unit is None:
            raise NotFoundError(f"No unit named {name!r}.", hint="List units with 'unitvault unit list'.")
        return unit

    def create_unit(self, conn: Connection, name: str, display_name: str | None = None,
                    unit_id: str | None = None) -> Unit:
        check_unit_name(name)
        if conn.execute(select(t.units.c.id).where(t.units.c.name == name)).first():
            raise AlreadyExistsError(f"A unit named {name!r} already exists.")
        stamp = now_iso()
        unit = Unit(unit_id or str(uuid.uuid4()), name, display_name or name, stamp, stamp)
        # A random starting revision: a unit deleted and re-created under the same id never repeats
        # the revisions of its predecessor.
        conn.execute(insert(t.units).values(id=unit.id, name=unit.name, display_name=unit.display_name,
                                            created_at=stamp, updated_at=stamp, revision=_secrets.randbits(40)))
        return unit

    def delete_unit(self, conn: Connection, unit_id: str) -> None:
        # Assignments first: their workspace foreign key deliberately has no cascade.
        conn.execute(delete(t.profile_workspaces).where(t.profile_workspaces.c.unit_id == unit_id))
        conn.execute(delete(t.units).where(t.units.c.id == unit_id))

    def touch(self, conn: Connection, unit_id: str) -> None:
        conn.execute(update(t.units).where(t.units.c.id == unit_id).values(updated_at=now_iso(),
                                                                           revision=t.units.c.revision + 1))

    def revision(self, unit_id: str, conn: Connection | None = None, *, for_update: bool = False) -> int | None:
        """The unit's change counter (None: no such unit). ``for_update`` locks the row where the
        database has row locks (SQLite's write transactions already hold the database lock)."""
        q = select(t.units.c.revision).where(t.units.c.id == unit_id)
        if for_update:
            q = q.with_for_update()
        with self._conn(conn) as c:
            return c.execute(q).scalar()

    @staticmethod
    def _bump(conn: Connection, unit_id: str) -> None:
        conn.execute(update(t.units).where(t.units.c.id == unit_id).values(revision=t.units.c.revision + 1))

    def counts(self, unit_id: str, conn: Connection | None = None) -> SectionCounts:
        with self._conn(conn) as c:
            def n(table):
                return c.execute(select(func.count()).select_from(table).where(table.c.unit_id == unit_id)).scalar()
            return SectionCounts(n(t.plugins), n(t.workspaces), n(t.applications), n(t.profiles), n(t.config_keys))

    def all_counts(self, conn: Connection | None = None) -> dict[str, SectionCounts]:
        """Counts for every unit in five grouped queries (the units list)."""
        with self._conn(conn) as c:
            per: dict[str, dict[str, int]] = {}
            for key, table in (("plugins", t.plugins), ("workspaces", t.workspaces),
                               ("applications", t.applications), ("profiles", t.profiles),
                               ("config_keys", t.config_keys)):
                for uid, n in c.execute(select(table.c.unit_id, func.count()).group_by(table.c.unit_id)):
                    per.setdefault(uid, {})[key] = n
        return {uid: SectionCounts(**v) for uid, v in per.items()}

    # --- reading ------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _conn(self, conn: Connection | None):
        if conn is not None:
            yield conn
        else:
            with self.read() as c:
                yield c

    def iter_wire(self, unit_id: str, section: str, conn: Connection | None = None, *,
                  start: str | None = None, limit: int | None = None) -> Iterator[dict]:
        """Every record of a section as a wire dict, ordered by id (config keys by key); with
        ``start`` only those whose key is at least ``start``, with ``limit`` at most that many (a
        page of a browser)."""
        with self._conn(conn) as c:
            yield from _READERS[section](c, unit_id, start, limit)

    def iter_hashes(self, unit_id: str, section: str, conn: Connection | None = None) -> Iterator[tuple]:
        """``(key, record hash, workspace ids of a profile or None)`` for every record of a section, in
        key order: what an import compares. Equal to hashing ``iter_wire``'s records
        (``core.unit.digest.record_hash``); config keys, nearly all of a big unit, are hashed from
        their stored JSON without decoding it unless it holds an object (keys to sort)."""
        with self._conn(conn) as c:
            yield from rows.hashes(section, _read(c, section, unit_id))

    def iter_application_ids(self, unit_id: str, conn: Connection | None = None) -> Iterator[str]:
        """Every application id of the unit, in no particular order (read from an index alone)."""
        with self._conn(conn) as c:
            for (aid,) in _run(c, _application_ids(unit_id)):
                yield aid

    def sqlite_reads(self, unit_id: str) -> dict | None:
        """The SQL (text and parameters) that reads unit ``unit_id`` whole, for a helper process that
        reads with SQLite's own driver instead of importing the database layer (core/unit/rows.py
        turns the rows into records): the database file, the unit's revision, its application ids
        and each section's queries in key order. None when the store is not a SQLite file."""
        url, dialect = self.engine.url, self.engine.dialect
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return {"path": url.database,
                "revision": _sqlite_sql(dialect, select(t.units.c.revision).where(t.units.c.id == unit_id)),
                "application_ids": _sqlite_sql(dialect, _application_ids(unit_id)),
                "sections": {s: [_sqlite_sql(dialect, q) for q in _queries(self.engine, s, unit_id)]
                             for s in SECTIONS}}

    def key_marks(self, unit_id: str, section: str, every: int,
                  conn: Connection | None = None) -> tuple[int, list[str]]:
        """The section's record count and every ``every``-th key in key order (the first keys of a
        browser's pages), numbered by the database (a window function over the key index), so a
        million keys cost Python only their marks."""
        table, col = _KEYCOL[section]
        with self._conn(conn) as c:
            n = c.execute(select(func.count()).select_from(table).where(table.c.unit_id == unit_id)).scalar()
            numbered = select(col.label("k"), func.row_number().over(order_by=_by_key(c, col)).label("n")).where(
                table.c.unit_id == unit_id).subquery()
            marks = [k for (k,) in _run(c, select(numbered.c.k).where((numbered.c.n - 1) % every == 0)
                                        .order_by(numbered.c.n))]
        return n, marks

    def iter_records(self, unit_id: str, section: str, conn: Connection | None = None) -> Iterator[Record]:
        for wire in self.iter_wire(unit_id, section, conn):
            yield from_wire(section, wire)

    def search_config_keys(self, unit_id: str, needle: str, conn: Connection | None = None,
                           stop=None) -> Iterator[int]:
        """Positions (in key order) of the config keys whose key or description contains ``needle``,
        case-insensitively. Reads keys and descriptions only (never values: secrets are not searched).
        ``stop()`` returning True ends the scan early."""
        k = t.config_keys.c
        needle = needle.lower()
        with self._conn(conn) as c:
            rows = _run(c, select(k.key, k.description).where(k.unit_id == unit_id).order_by(_by_key(c, k.key)))
            for i, (key, description) in enumerate(rows):
                if i % 4096 == 0 and stop is not None and stop():
                    return
                if needle in key.lower() or needle in description.lower():
                    yield i

    def section_keys(self, unit_id: str, section: str, conn: Connection | None = None) -> set[str]:
        table, col = _KEYCOL[section]
        with self._conn(conn) as c:
            return {r[0] for r in c.execute(select(col).where(table.c.unit_id == unit_id))}

    def existing(self, unit_id: str, kind: str, keys: list[str], conn: Connection | None = None) -> Iterator[str]:
        """Which of ``keys`` the unit holds, as top-level records of section ``kind`` or as
        ``"applications"`` ids. On SQLite the probes go straight to the driver (SQLAlchemy's
        expanding IN costs about three times SQLite's own work for 50,000 keys)."""
        table, col = _KEYCOL[kind]
        with self._conn(conn) as c:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                if c.dialect.name == "sqlite":
                    sql = (f"SELECT {col.name} FROM {table.name} WHERE unit_id = ? AND {col.name} "
                           f"IN ({', '.join('?' * len(chunk))})")
                    rows = c.connection.driver_connection.execute(sql, [unit_id, *chunk])
                else:
                    rows = c.execute(select(col).where(table.c.unit_id == unit_id, col.in_(chunk)))
                for (key,) in rows:
                    yield key

    # --- writing (on a connection from write()) ------------------------------------------------------
    def insert_wire(self, conn: Connection, unit_id: str, section: str, wires: Iterable[dict],
                    batch: int = BATCH, on_batch=None) -> int:
        """Bulk-insert wire records. ``on_batch(n)`` is called after each batch (progress/cancel)."""
        self._bump(conn, unit_id)
        return _WRITERS[section](conn, unit_id, wires, batch, on_batch)

    def insert_records(self, conn: Connection, unit_id: str, section: str, records: Iterable[Record],
                       batch: int = BATCH) -> int:
        return self.insert_wire(conn, unit_id, section, (to_wire(section, r) for r in records), batch)

    def wipe_section(self, conn: Connection, unit_id: str, section: str) -> None:
        if section not in _READERS:
            raise ValueError(section)
        self._bump(conn, unit_id)
        if section == "plugins":
            conn.execute(delete(t.plugins).where(t.plugins.c.unit_id == unit_id))
        elif section == "workspaces":
            conn.execute(delete(t.applications).where(t.applications.c.unit_id == unit_id))
            conn.execute(delete(t.workspaces).where(t.workspaces.c.unit_id == unit_id))
        elif section == "profiles":
            conn.execute(delete(t.profile_workspaces).where(t.profile_workspaces.c.unit_id == unit_id))
            conn.execute(delete(t.profiles).where(t.profiles.c.unit_id == unit_id))
        elif section == "config_keys":
            conn.execute(delete(t.config_keys).where(t.config_keys.c.unit_id == unit_id))
        else:
            raise ValueError(section)

    def delete_keys(self, conn: Connection, unit_id: str, section: str, keys: Iterable[str]) -> None:
        """Delete single top-level records (with their children)."""
        keys = list(keys)
        self._bump(conn, unit_id)
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            if section == "workspaces":
                conn.execute(delete(t.applications).where(t.applications.c.unit_id == unit_id,
                                                          t.applications.c.workspace_id.in_(chunk)))
            if section == "profiles":
                conn.execute(delete(t.profile_workspaces).where(t.profile_workspaces.c.unit_id == unit_id,
                                                                t.profile_workspaces.c.profile_id.in_(chunk)))
            table, col = _KEYCOL[section]
            conn.execute(delete(table).where(table.c.unit_id == unit_id, col.in_(chunk)))


_KEYCOL = {"plugins": (t.plugins, t.plugins.c.id), "workspaces": (t.workspaces, t.workspaces.c.id),
           "profiles": (t.profiles, t.profiles.c.id), "config_keys": (t.config_keys, t.config_keys.c.key),
           "applications": (t.applications, t.applications.c.id)}


# --- readers: rows -> wire dicts ---------------------------------------------------------------
# Every section comes out in key order, the same order Python's str comparison gives (SQLite's
# BINARY collation compares UTF-8 bytes, which orders like code points; other databases are told to
# use the "C" collation), so an import can merge-join a bundle with the unit without holding either.
# Children (applications, assignments) stream in a second cursor beside their parents': memory does
# not grow with the unit.
def _by_key(c: Connection, col):
    return col.collate("C") if c.dialect.name == "postgresql" else col


def _stream(q):
    return q.execution_options(yield_per=2000)


def _run(c: Connection, q):
    """Rows of a select as plain tuples. On SQLite the compiled statement goes straight to the
    driver's cursor (inside the same transaction): reading a million records, SQLAlchemy's per-row
    processing would cost about as much as SQLite itself."""
    if c.dialect.name == "sqlite":
        cur = c.connection.driver_connection.cursor()
        cur.arraysize = 2000
        return cur.execute(*_sqlite_sql(c.dialect, q))
    return c.execute(_stream(q))


def _sqlite_sql(dialect, q) -> tuple[str, list]:
    """A select as SQLite's own SQL text and its parameters in order."""
    compiled = q.compile(dialect=dialect)
    return str(compiled), [compiled.params[k] for k in compiled.positiontup] if compiled.positiontup else []


def _page(c: Connection, q, col, start: str | None, limit: int | None):
    if start is not None:
        q = q.where(col >= start)
    q = q.order_by(_by_key(c, col))
    return q.limit(limit) if limit is not None else _stream(q)


def _application_ids(unit_id: str):
    return select(t.applications.c.id).where(t.applications.c.unit_id == unit_id)


def _cols(table, section: str, stream: int = 0) -> list:
    return [table.c[name] for name in rows.COLUMNS[section][stream]]


def _selects(section: str, unit_id: str) -> tuple:
    """The unordered selects a section is read with: its records', then (workspaces, profiles) their
    children's (columns: ``rows.COLUMNS``)."""
    if section == "plugins":
        return (select(*_cols(t.plugins, section)).where(t.plugins.c.unit_id == unit_id),)
    if section == "workspaces":
        return (select(*_cols(t.workspaces, section)).where(t.workspaces.c.unit_id == unit_id),
                select(*_cols(t.applications, section, 1)).where(t.applications.c.unit_id == unit_id))
    if section == "profiles":
        return (select(*_cols(t.profiles, section)).where(t.profiles.c.unit_id == unit_id),
                select(*_cols(t.profile_workspaces, section, 1)).where(t.profile_workspaces.c.unit_id == unit_id))
    return (select(*_cols(t.config_keys, section)).where(t.config_keys.c.unit_id == unit_id),)


def _children_order(c: Connection, section: str) -> tuple:
    if section == "workspaces":
        a = t.applications.c
        return a.workspace_id, (_by_key(c, a.workspace_id), a.position, _by_key(c, a.id))
    pw = t.profile_workspaces.c
    return pw.profile_id, (_by_key(c, pw.profile_id), pw.position)


def _queries(c, section: str, unit_id: str, start=None, limit=None) -> list:
    """A section's queries in key order: its records' (from ``start``, at most ``limit``), then
    (workspaces, profiles) all of their children's. ``c``: a connection or the engine."""
    selects = _selects(section, unit_id)
    queries = [_page(c, selects[0], _KEYCOL[section][1], start, limit)]
    if len(selects) > 1:
        queries.append(selects[1].order_by(*_children_order(c, section)[1]))
    return queries


def _read(c: Connection, section: str, unit_id: str, start=None, limit=None) -> tuple:
    """The row streams of a section in key order (``start``/``limit``: one page of it)."""
    queries = _queries(c, section, unit_id, start, limit)
    records = _run(c, queries[0])
    if len(queries) == 1:
        return (records,)
    q = queries[1]
    if limit is not None:  # a page reads its records first, then their children
        records = records.fetchall()
        if not records:
            return ((), iter(()))
        parent = _children_order(c, section)[0]
        q = q.where(parent >= records[0][0], parent <= records[-1][0])
    # Two streams sorted the same way by the database, merge-joined (core/unit/rows.py; the foreign
    # key guarantees every child has its parent).
    return records, iter(_run(c, q))


def _reader(section: str):
    def read(c: Connection, unit_id: str, start=None, limit=None) -> Iterator[dict]:
        yield from rows.WIRES[section](*_read(c, section, unit_id, start, limit))
    return read


_READERS = {s: _reader(s) for s in SECTIONS}


# --- writers: wire dicts -> rows ---------------------------------------------------------------
class _Inserter:
    """Bulk inserts of plain tuples. On SQLite the rows go straight to the driver's executemany (about
    a third faster than SQLAlchemy's per-row parameter processing for the large unit); on PostgreSQL
    through COPY (core.db.bulk_copy); other databases get the portable Core insert."""

    portable_only = False  # tests flip it to run the path other databases take

    def __init__(self, conn: Connection, table, columns: tuple[str, ...]):
        self.conn = conn
        self.columns = columns
        self.copy = conn.dialect.name == "postgresql" and not self.portable_only
        self.table = table.name
        if conn.dialect.name == "sqlite" and not self.portable_only:
            marks = ", ".join("?" * len(columns))
            self.sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
        else:
            self.sql = None
            self.stmt = insert(table)

    def __call__(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.copy:
            bulk_copy(self.conn, self.table, self.columns, rows)
        elif self.sql is not None:
            self.conn.exec_driver_sql(self.sql, rows)
        else:
            self.conn.execute(self.stmt, [dict(zip(self.columns, r, strict=True)) for r in rows])


def _write_plugins(conn, unit_id, wires, batch, on_batch) -> int:
    n = 0
    put = _Inserter(conn, t.plugins, ("unit_id", "id", "name", "version", "enabled", "config", "permissions",
                                      "mappings"))
    for chunk in batched(wires, batch):
        put([(unit_id, w["id"], w["name"], w["version"], bool(w["enabled"]), dumps(w["config"]),
              dumps(w["permissions"]), dumps(w["mappings"])) for w in chunk])
        n += len(chunk)
        if on_batch:
            on_batch(len(chunk))
    return n


def _write_workspaces(conn, unit_id, wires, batch, on_batch) -> int:
    n = 0
    put_ws = _Inserter(conn, t.workspaces, ("unit_id", "id", "name", "description", "owner"))
    put_app = _Inserter(conn, t.applications, ("unit_id", "id", "workspace_id", "name", "kind", "position", "config"))
    for chunk in batched(wires, max(1, batch // 10)):
        put_ws([(unit_id, w["id"], w["name"], w["description"], w["owner"]) for w in chunk])
        put_app([(unit_id, a["id"], w["id"], a["name"], a["kind"], a["position"], dumps(a["config"]))
                 for w in chunk for a in w["applications"]])
        n += len(chunk)
        if on_batch:
            on_batch(len(chunk))
    return n


def _write_profiles(conn, unit_id, wires, batch, on_batch) -> int:
    n = 0
    put_p = _Inserter(conn, t.profiles, ("unit_id", "id", "name", "description"))
    put_link = _Inserter(conn, t.profile_workspaces, ("unit_id", "profile_id", "position", "workspace_id"))
    for chunk in batched(wires, batch):
        put_p([(unit_id, w["id"], w["name"], w["description"]) for w in chunk])
        put_link([(unit_id, w["id"], i, ws) for w in chunk for i, ws in enumerate(w["workspaces"])])
        n += len(chunk)
        if on_batch:
            on_batch(len(chunk))
    return n


def _write_config_keys(conn, unit_id, wires, batch, on_batch) -> int:
    n = 0
    put = _Inserter(conn, t.config_keys, ("unit_id", "key", "value", "secret", "description"))
    for chunk in batched(wires, batch):
        put([(unit_id, w["key"], dumps(w["value"]), bool(w["secret"]), w["description"]) for w in chunk])
        n += len(chunk)
        if on_batch:
            on_batch(len(chunk))
    return n


_WRITERS = {"plugins": _write_plugins, "workspaces": _write_workspaces, "profiles": _write_profiles,
            "config_keys": _write_config_keys}

assert set(_READERS) == set(_WRITERS) == set(SECTIONS)
