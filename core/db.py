"""Engines for the unit store and the catalog: SQLite (WAL, foreign keys, real transactions) or any
SQLAlchemy URL (PostgreSQL for teams). Alembic runs only when the stored revision is not the head,
so opening an up-to-date store costs one query.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
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
