"""Use cases for the databases themselves: where the stores are (``db.info``), whether they are
reachable, current and sound (``db.check``), bringing them to this version's schema (``db.migrate``),
and moving a single user's SQLite home to a PostgreSQL server (``db.move-to``, verified by digests).

Two stores: the unit store (units and their records) and the catalog (accounts, destinations, the
backup index, jobs, the queue). In team mode both live in one PostgreSQL database (their tables and
version tables have distinct names) that every workstation names in its settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.app.usecase import use_case
from core.errors import InvalidInputError, StoreError

STORES = ("units", "catalog")


def _spec(name: str):
    """(script location, head revision, version table, metadata, what) of a store."""
    if name == "units":
        from core.unit.store import HEAD_REVISION
        from core.unit.tables import metadata

        return "core.unit:migrations", HEAD_REVISION, "alembic_version", metadata, "the unit store"
    from core.catalog.database import HEAD_REVISION, VERSION_TABLE
    from core.catalog.tables import metadata

    return "core.catalog:migrations", HEAD_REVISION, VERSION_TABLE, metadata, "the catalog"


def _url(ctx, name: str) -> str:
    return ctx.home.db_url if name == "units" else ctx.home.catalog_url


def backend_of(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).get_backend_name()
    except Exception:
        return "unknown"


# --- where the stores are -----------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreLocation:
    store: str          # "units" | "catalog"
    backend: str        # "sqlite" | "postgresql"
    where: str          # a file path, or the URL without its password

    def to_json(self) -> dict:
        return {"store": self.store, "backend": self.backend, "where": self.where}


@dataclass(frozen=True)
class StoresInfo:
    stores: tuple[StoreLocation, ...]
    team_mode: bool     # the catalog is on a server, shared by every workstation that names it

    def to_json(self) -> dict:
        return {"team_mode": self.team_mode, "stores": [s.to_json() for s in self.stores]}

    @property
    def summary(self) -> str:
        """One short line: "SQLite on this computer" or "PostgreSQL: db on host:port"."""
        cat = self.stores[-1]
        if cat.backend == "sqlite":
            return "SQLite on this computer"
        from sqlalchemy.engine import make_url

        u = make_url(cat.where)
        port = f":{u.port}" if u.port else ""
        return f"PostgreSQL: {u.database or ''} on {u.host or 'localhost'}{port}"


@use_case("db.info", quiet=True, stores=True)
def stores_info(ctx, request=None, *, actor, reporter) -> StoresInfo:
    """Where each store is, from the home's settings alone (no connection is made)."""
    from core.db import redact_url

    return StoresInfo(tuple(StoreLocation(n, backend_of(_url(ctx, n)), redact_url(_url(ctx, n))) for n in STORES),
                      ctx.home.team_mode)


# --- checking ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreStatus:
    store: str
    backend: str
    where: str
    server: str | None      # "PostgreSQL 15.18", "SQLite 3.40.1"; None when unreachable
    revision: str | None    # the schema revision the database holds (None: empty)
    head: str               # the revision this version of the app needs
    state: str              # "current" | "behind" (db migrate) | "empty" | "unknown" (newer app?) | "unreachable"
    tables: dict = field(default_factory=dict)   # table -> row count (when reachable and current)
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"store": self.store, "backend": self.backend, "where": self.where, "server": self.server,
                "revision": self.revision, "head": self.head, "state": self.state, "tables": self.tables,
                "problems": list(self.problems), "ok": self.ok}


@dataclass(frozen=True)
class CheckResult:
    stores: tuple[StoreStatus, ...]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.stores)

    def to_json(self) -> dict:
        return {"ok": self.ok, "stores": [s.to_json() for s in self.stores]}


def _revisions(script_location: str) -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    return {r.revision for r in ScriptDirectory.from_config(cfg).walk_revisions()}


def check_store(name: str, url: str, *, count_rows: bool = True) -> StoreStatus:
    """Look at one store without changing it."""
    from sqlalchemy import func, inspect, select, text

    from core.db import make_engine, redact_url, server_version, stored_revision

    script, head, version_table, metadata, what = _spec(name)
    backend, where = backend_of(url), redact_url(url)
    try:
        engine = make_engine(url)
    except Exception as exc:
        return StoreStatus(name, backend, where, None, None, head, "unreachable",
                           problems=(f"Cannot open {what}: {type(exc).__name__}.",))
    problems: list[str] = []
    try:
        with engine.connect() as conn:
            server = server_version(conn)
            revision = stored_revision(conn, version_table)
            if revision is None:
                state = "empty"
                problems.append(f"{what[0].upper()}{what[1:]} holds no tables yet (it is made on first use, or "
                                "by migrating).")
            elif revision == head:
                state = "current"
            elif revision in _revisions(script):
                state = "behind"
                problems.append(f"{what[0].upper()}{what[1:]} is at schema {revision}; this version needs {head}.")
            else:
                state = "unknown"
                problems.append(f"{what[0].upper()}{what[1:]} is at schema {revision}, which this version does not "
                                "know (a newer version of the app migrated it).")
            tables: dict[str, int] = {}
            if state == "current":
                present = set(inspect(conn).get_table_names())
                for table in metadata.sorted_tables:
                    if table.name not in present:
                        problems.append(f"Table {table.name} is missing from {what}.")
                    elif count_rows:
                        tables[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar())
                if conn.dialect.name == "sqlite":
                    verdict = conn.execute(text("PRAGMA quick_check")).scalar()
                    if verdict != "ok":
                        problems.append(f"SQLite's integrity check of {what} failed: {verdict}.")
                    if conn.execute(text("PRAGMA foreign_key_check")).first() is not None:
                        problems.append(f"{what[0].upper()}{what[1:]} has rows whose references are broken.")
                elif conn.dialect.name == "postgresql":
                    encoding = conn.execute(text("SHOW server_encoding")).scalar()
                    if str(encoding).upper() not in ("UTF8", "UTF-8"):
                        problems.append(f"The database's encoding is {encoding}; Unitvault needs UTF8.")
    except Exception as exc:
        return StoreStatus(name, backend, where, None, None, head, "unreachable",
                           problems=(f"Cannot reach {what}: {type(exc).__name__}.",))
    finally:
        engine.dispose()
    return StoreStatus(name, backend, where, server, revision, head, state, tables, tuple(problems))


@use_case("db.check", stores=True)
def check_stores(ctx, request=None, *, actor, reporter) -> CheckResult:
    return CheckResult(tuple(check_store(n, _url(ctx, n)) for n in STORES))


# --- migrating ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Migrated:
    store: str
    where: str
    before: str | None
    after: str

    def to_json(self) -> dict:
        return {"store": self.store, "where": self.where, "before": self.before, "after": self.after}


@use_case("db.migrate", writes=True, stores=True)
def migrate_stores(ctx, request=None, *, actor, reporter) -> tuple[Migrated, ...]:
    """Bring both stores to this version's schema (every workstation's app does so on first use as
    well; an admin runs this once after upgrading, before the others start)."""
    from core.db import migrate, redact_url

    out = []
    for name in STORES:
        url = _url(ctx, name)
        status = check_store(name, url, count_rows=False)
        if status.state == "unreachable":
            raise StoreError(status.problems[0])
        if status.state == "unknown":
            raise StoreError(status.problems[0], kind="schema_newer")
        from core.db import make_engine

        script, head, version_table, _metadata, _what = _spec(name)
        engine = make_engine(url)
        try:
            migrate(engine, script, head, version_table)
        finally:
            engine.dispose()
        out.append(Migrated(name, redact_url(url), status.revision, head))
    return tuple(out)


# --- moving a home to a server ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MoveTo:
    url: str = field(repr=False)     # may hold a password: never logged, never saved
    confirmed: bool = True


@dataclass(frozen=True)
class MovedStore:
    store: str
    tables: dict            # table -> rows copied
    digests: dict           # what was compared: unit digests (units) or table digests (catalog)

    def to_json(self) -> dict:
        return {"store": self.store, "tables": self.tables, "digests": self.digests}


@dataclass(frozen=True)
class MoveResult:
    where: str                       # the target, without its password
    stores: tuple[MovedStore, ...]
    snapshots: int                   # safety snapshots moved into the unit store
    password_saved: bool             # always False: a password in the URL is never written to settings
    password_given: bool

    def to_json(self) -> dict:
        return {"where": self.where, "stores": [s.to_json() for s in self.stores], "snapshots": self.snapshots,
                "password_given": self.password_given, "password_saved": self.password_saved}


def _move_target(req: MoveTo) -> str:
    from core.db import redact_url

    return redact_url(req.url)


@use_case("db.move-to", writes=True, target=_move_target, stores=True)
def move_to(ctx, req: MoveTo, *, actor, reporter) -> MoveResult:
    """Copy this home's SQLite unit store and catalog into an empty PostgreSQL database, compare them
    (every unit's digest, every catalog table's row count and digest), and only then point the home's
    settings at it. The SQLite files are left as they were (a fallback until removed by hand)."""
    from core.app import stores_move

    if backend_of(req.url) != "postgresql":
        raise InvalidInputError("Team mode moves the stores to PostgreSQL: give a postgresql+psycopg:// URL.",
                                kind="db_url_not_postgresql")
    for name in STORES:
        if backend_of(_url(ctx, name)) != "sqlite":
            raise InvalidInputError("This home's stores are already on a server; only a SQLite home is moved.",
                                    kind="db_already_on_server")
    return stores_move.move_home(ctx, req.url, reporter)
