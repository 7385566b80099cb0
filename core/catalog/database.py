"""The catalog: the app's own database, one aggregate per module.

``Catalog`` opens the database (SQLAlchemy Core; SQLite by default, any URL the unit store accepts),
runs the Alembic migrations under ``core/catalog/migrations`` when the stored revision is not the
head, and hands out one object per aggregate:

- ``catalog.accounts``      accounts and the units they own (core/catalog/accounts.py)
- ``catalog.destinations``  where backups go; configs only, never secrets (destinations.py)
- ``catalog.backups``       the index of the backups stored at destinations (backups.py)
- ``catalog.blobs``         a cache of the destinations' pack indexes (blobs.py)
- ``catalog.jobs``          backup jobs (jobs.py); ``catalog.queue`` the persistent work queue (queue.py)
- ``catalog.tags``, ``catalog.priorities``, ``catalog.conditions`` (restore conditions), ``catalog.orphans``
  and ``catalog.settings`` (catalog-wide settings, shared by every workstation on one catalog)
- ``catalog.users`` (users, roles, the accounts they own, CLI sessions), ``catalog.tokens`` (backup
  tokens, hashed), ``catalog.plans`` (plans and per-account governance), ``catalog.user_backups``
  (user-configured backups) and ``catalog.audit`` (the hash-chained audit log)

Every method runs in one transaction of its own, or on the connection it is given, so a use case can
change several aggregates atomically: ``with catalog.write() as c: ...(conn=c)``. Any backend must
pass tests/core/catalog/test_catalog_contract.py.
"""

from __future__ import annotations

import contextlib

from sqlalchemy.engine import Connection, Engine

from core.db import open_database, read_transaction, write_transaction
from core.support.clock import SYSTEM_CLOCK, Clock, now_iso

HEAD_REVISION = "c0006"
VERSION_TABLE = "catalog_alembic_version"


class Catalog:
    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK):
        from core.catalog.accounts import Accounts
        from core.catalog.audit import AuditLog
        from core.catalog.backups import BackupIndex
        from core.catalog.blobs import BlobCache
        from core.catalog.conditions import RestoreConditions
        from core.catalog.destinations import Destinations
        from core.catalog.jobs import Jobs
        from core.catalog.orphans import Orphans
        from core.catalog.plans import Plans
        from core.catalog.priorities import PriorityGroups
        from core.catalog.queue import Queue
        from core.catalog.settings import CatalogSettings
        from core.catalog.tags import Tags
        from core.catalog.tokens import BackupTokens
        from core.catalog.user_backups import UserBackups
        from core.catalog.users import Users

        self.engine = engine
        self.clock = clock
        self.accounts = Accounts(self)
        self.destinations = Destinations(self)
        self.backups = BackupIndex(self)
        self.blobs = BlobCache(self)
        self.jobs = Jobs(self)
        self.queue = Queue(self)
        self.tags = Tags(self)
        self.priorities = PriorityGroups(self)
        self.conditions = RestoreConditions(self)
        self.orphans = Orphans(self)
        self.settings = CatalogSettings(self)
        self.users = Users(self)
        self.tokens = BackupTokens(self)
        self.plans = Plans(self)
        self.user_backups = UserBackups(self)
        self.audit = AuditLog(self)

    @classmethod
    def open(cls, url: str, clock: Clock = SYSTEM_CLOCK) -> Catalog:
        return cls(open_database(url, "the catalog", "core.catalog:migrations", HEAD_REVISION, VERSION_TABLE), clock)

    def close(self) -> None:
        self.engine.dispose()

    def now(self) -> str:
        return now_iso(self.clock)

    # --- transactions ----------------------------------------------------------------------------
    def read(self) -> contextlib.AbstractContextManager[Connection]:
        return read_transaction(self.engine)

    def write(self) -> contextlib.AbstractContextManager[Connection]:
        """One write transaction; rolls back on any exception."""
        return write_transaction(self.engine, "The catalog")

    @contextlib.contextmanager
    def use(self, conn: Connection | None, write: bool = False):
        """``conn`` when the caller has a transaction open, else a new one."""
        if conn is not None:
            yield conn
        else:
            with (self.write() if write else self.read()) as c:
                yield c


class Aggregate:
    """Base of the per-aggregate objects: the catalog's transactions and clock."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def _conn(self, conn: Connection | None, write: bool = False):
        return self.catalog.use(conn, write)
