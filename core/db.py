"""Engines for the unit store and the catalog: SQLite (WAL, foreign keys, real transactions) or any
SQLAlchemy URL (PostgreSQL for teams). Alembic runs only when the stored revision is not the head,
so opening an up-to-date store costs one query.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Integer, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import SQLAlchemyError

from core.errors import StoreError


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy emit BEGIN itself so every transaction (reads included) is real.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        if path and path != ":memory:":
            with engine.connect():
                pass
            try:
                Path(path).chmod(0o600)
            except OSError:
                pass
        return engine
    return create_engine(url, pool_pre_ping=True)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock named ``name``."""
    import hashlib

    return int.from_bytes(hashlib.sha256(f"unitvault:{name}".encode()).digest()[:8], "big", signed=True)


def migration_lock(conn: Connection, version_table: str) -> None:
    """Inside a migration's transaction: on PostgreSQL, wait for any other process migrating the same
    database (a transaction-scoped advisory lock), so the second finds it migrated. SQLite's
    ``BEGIN IMMEDIATE`` already does this."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(f"migrate:{version_table}")})


def open_database(url: str, what: str, script_location: str, head: str, version_table: str) -> Engine:
    """An engine for ``url``, migrated to ``head``. ``what`` names the database in error messages."""
    try:
        engine = make_engine(url)
    except SQLAlchemyError as exc:
        raise StoreError(f"Cannot open {what}: {type(exc).__name__}.") from None
    migrate(engine, script_location, head, version_table)
    return engine


def migrate(engine: Engine, script_location: str, head: str, version_table: str) -> None:
    """Upgrade the database to ``head`` (creating it from nothing if needed)."""
    try:
        with engine.connect() as conn:
            if inspect(conn).has_table(version_table):
                current = conn.execute(text(f"SELECT version_num FROM {version_table}")).scalar()
                if current == head:
                    return
    except Exception as exc:
        raise StoreError(f"Cannot open the database: {type(exc).__name__}.") from None

    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.attributes["engine"] = engine
    cfg.attributes["version_table"] = version_table
    try:
        command.upgrade(cfg, "head")
    except Exception as exc:
        raise StoreError(f"Cannot upgrade the database: {type(exc).__name__}: {exc}.") from None


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read transaction: every query inside sees one consistent state."""
    with engine.connect() as conn:
        with conn.begin():
            yield conn


@contextlib.contextmanager
def write_transaction(engine: Engine, what: str, integrity_message: str | None = None) -> Iterator[Connection]:
    """One write transaction (``BEGIN IMMEDIATE`` on SQLite); rolls back on any exception, Cancelled
    included. Database errors become a StoreError that names ``what`` and nothing else."""
    with engine.connect() as conn:
        conn.info["write"] = True
        try:
            with conn.begin():
                yield conn
        except SAIntegrityError as exc:
            if integrity_message is None:
                raise StoreError(f"{what} could not be written (a consistency rule was broken).") from None
            raise StoreError(integrity_message, details=[str(exc.orig)]) from None
        except SQLAlchemyError as exc:
            raise StoreError(f"{what} could not be written ({type(exc).__name__}).") from None
        finally:
            conn.info.pop("write", None)


# --- looking at a database without migrating it (db check, db move-to) --------------------------
def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (what logs and results show)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return "(an unreadable database URL)"
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def url_without_password(url: str) -> tuple[str, bool]:
    """``url`` without its password (libpq then reads it from ~/.pgpass or PGPASSFILE), and whether
    it had one."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.password is None:
        return url, False
    return parsed._replace(password=None).render_as_string(hide_password=False), True  # set() keeps a None


def stored_revision(conn: Connection, version_table: str) -> str | None:
    """The Alembic revision a database holds (None: never migrated)."""
    if not inspect(conn).has_table(version_table):
        return None
    return conn.execute(text(f"SELECT version_num FROM {version_table}")).scalar()


def server_version(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        return "PostgreSQL " + str(conn.execute(text("SHOW server_version")).scalar()).split()[0]
    if conn.dialect.name == "sqlite":
        return "SQLite " + str(conn.execute(text("SELECT sqlite_version()")).scalar())
    return conn.dialect.name


def table_digest(conn: Connection, table) -> tuple[int, str]:
    """(row count, SHA-256 over the table's rows): every column, each row as canonical JSON, the row
    hashes sorted, so two databases that order text differently still agree when their rows do."""
    import hashlib

    import orjson
    from sqlalchemy import select

    hashes = []
    for row in conn.execute(select(table).execution_options(yield_per=5000)):
        hashes.append(hashlib.sha256(orjson.dumps([_plain(v) for v in row])).digest())
    hashes.sort()
    outer = hashlib.sha256(f"unitvault-table-v1 {table.name}\n".encode())
    for h in hashes:
        outer.update(h)
    return len(hashes), outer.hexdigest()


def _plain(v):
    if isinstance(v, bool) or v is None or isinstance(v, int | str | float):
        return v
    if isinstance(v, bytes | memoryview):
        return bytes(v).hex()
    return str(v)


def copy_rows(src: Connection, dst: Connection, table, batch: int = 5000, on_batch=None) -> int:
    """Copy every row of ``table`` from ``src`` to ``dst`` (same schema), batch by batch. On
    PostgreSQL the rows go in through COPY (several times faster than INSERTs for a large unit), and
    the table's id sequence is moved past the copied ids."""
    from sqlalchemy import func, insert, select

    cols = [c.name for c in table.columns]
    n = 0
    rows = src.execute(select(table).execution_options(yield_per=batch))
    copy = dst.dialect.name == "postgresql"
    stmt = insert(table)
    while True:
        chunk = rows.fetchmany(batch)
        if not chunk:
            break
        if copy:
            bulk_copy(dst, table.name, cols, [tuple(r) for r in chunk])
        else:
            dst.execute(stmt, [dict(zip(cols, r, strict=True)) for r in chunk])
        n += len(chunk)
        if on_batch is not None:
            on_batch(len(chunk))
    pk = list(table.primary_key.columns)
    if copy and len(pk) == 1 and pk[0].type._type_affinity is Integer:
        # Serial ids: the next one the database hands out must come after the copied ones (a NULL
        # sequence, for a key that has none, makes setval a no-op).
        top = dst.execute(select(func.max(pk[0]))).scalar()
        if top is not None:
            dst.execute(text("SELECT setval(pg_get_serial_sequence(:t, :c), :v)"),
                        {"t": table.name, "c": pk[0].name, "v": int(top)})
    return n


def bulk_copy(conn: Connection, table: str, columns, rows) -> None:
    """PostgreSQL's COPY ... FROM STDIN on the transaction's own connection (psycopg 3)."""
    raw = conn.connection.driver_connection
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f'COPY "{table}" ({cols}) FROM STDIN'
    base = conn.dialect.loaded_dbapi.Error
    try:
        with raw.cursor() as cur, cur.copy(sql) as cp:
            for row in rows:
                cp.write_row(row)
    except base as exc:  # the driver's own error, as SQLAlchemy would have wrapped it (IntegrityError...)
        from sqlalchemy.exc import DBAPIError

        raise DBAPIError.instance(sql, None, exc, base) from None
