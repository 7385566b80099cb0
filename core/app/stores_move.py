"""``db move-to``: a single user's SQLite home copied into an empty PostgreSQL database, verified, and
only then named in the home's settings (core/app/stores.py holds the use case).

1. The target must hold none of our rows (its tables may exist, at this version's schema).
2. Both stores are migrated there, then copied table by table in dependency order, each store in one
   write transaction on the target (COPY on PostgreSQL), read in one read transaction on the source.
3. Verified after the commit, from the committed target: every unit's digest (core/unit/digest.py)
   and every table's row count and content digest (core.db.table_digest) must equal the source's.
   A mismatch empties the target again and changes nothing at home.
4. Safety snapshots under the home's snapshots/ move into the unit store (team mode keeps them there,
   so any workstation can undo them).
5. The settings name the target (without a password: libpq reads it from ~/.pgpass or PGPASSFILE).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete

from core.errors import InvalidInputError, StoreError
from core.home import CATALOG_URL_SETTING, UNITS_URL_SETTING


def _stores(url: str):
    from core.catalog import Catalog
    from core.unit.store import UnitStore

    return UnitStore.open(url), Catalog.open(url)


def _fresh_counts() -> dict:
    """Rows a freshly migrated pair of stores holds (the catalog's default priority groups...), per
    store and table: what "empty" looks like."""
    import tempfile

    from core.app.stores import STORES, check_store

    with tempfile.TemporaryDirectory() as d:
        url = "sqlite:///" + str(Path(d) / "fresh.sqlite3")
        units, catalog = _stores(url)
        units.close()
        catalog.close()
        return {name: check_store(name, url).tables for name in STORES}


def _empty_target(url: str) -> None:
    from core.app.stores import STORES, _spec, check_store

    fresh = None
    for name in STORES:
        status = check_store(name, url, count_rows=True)
        if status.state == "unreachable":
            raise StoreError(status.problems[0], kind="db_unreachable")
        if status.state == "unknown":
            raise StoreError(status.problems[0], kind="schema_newer")
        if not any(status.tables.values()):
            continue
        fresh = fresh or _fresh_counts()
        if status.state != "current" or status.tables != fresh[name]:
            what = _spec(name)[4]
            raise InvalidInputError(f"The target database already holds {what} with data; moving needs an empty "
                                    "database.", kind="db_target_not_empty")


def _copy(src_store, dst_store, metadata, reporter) -> dict:
    from core.db import copy_rows

    counts = {}
    with src_store.read() as src, dst_store.write() as dst:
        for table in reversed(metadata.sorted_tables):  # what the migrations put in (default groups...)
            dst.execute(delete(table))
        for table in metadata.sorted_tables:
            reporter.stage(f"copying {table.name}", None)
            counts[table.name] = copy_rows(src, dst, table, on_batch=lambda n: reporter.advance(n))
    return counts


def _table_digests(store, metadata) -> dict:
    from core.db import table_digest

    with store.read() as conn:
        return {t.name: table_digest(conn, t) for t in metadata.sorted_tables}


def _unit_digests(store) -> dict:
    from core.unit.digest import unit_digest

    return {u.name: unit_digest(store, u.id) for u in store.list_units()}


def _wipe(store, metadata) -> None:
    with store.write() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


def move_home(ctx, url: str, reporter):
    from core.app.stores import MovedStore, MoveResult
    from core.catalog.tables import metadata as catalog_meta
    from core.db import redact_url, url_without_password
    from core.unit.tables import metadata as unit_meta

    _empty_target(url)
    src_units, src_catalog = ctx.units, ctx.catalog        # opened, so at this version's schema
    dst_units, dst_catalog = _stores(url)
    try:
        copied = {"units": _copy(src_units, dst_units, unit_meta, reporter),
                  "catalog": _copy(src_catalog, dst_catalog, catalog_meta, reporter)}
        reporter.stage("verifying", None)
        checks = {
            "units": (_unit_digests(src_units), _unit_digests(dst_units)),
            "units-tables": (_table_digests(src_units, unit_meta), _table_digests(dst_units, unit_meta)),
            "catalog": (_table_digests(src_catalog, catalog_meta), _table_digests(dst_catalog, catalog_meta)),
        }
        wrong = sorted(f"{what}: {key}" for what, (a, b) in checks.items() for key in set(a) | set(b)
                       if a.get(key) != b.get(key))
        if wrong:
            _wipe(dst_catalog, catalog_meta)
            _wipe(dst_units, unit_meta)
            raise StoreError("The copy in the target database differs from this home's stores; the target was "
                             "emptied again and nothing changed here.", details=wrong[:20], kind="db_move_mismatch")
        moved_snapshots = _move_snapshots(ctx, dst_units)
    finally:
        dst_units.close()
        dst_catalog.close()
    saved, had_password = url_without_password(url)
    ctx.settings.set(UNITS_URL_SETTING, saved)
    ctx.settings.set(CATALOG_URL_SETTING, saved)
    digests = {"units": checks["units"][1],
               "catalog": {k: f"{n} rows, {h[:16]}" for k, (n, h) in checks["catalog"][1].items()}}
    return MoveResult(redact_url(url), (MovedStore("units", copied["units"], digests["units"]),
                                        MovedStore("catalog", copied["catalog"], digests["catalog"])),
                      moved_snapshots, False, had_password)


def _move_snapshots(ctx, dst_units) -> int:
    """Safety snapshots of this home, into the unit store (where team mode keeps them)."""
    try:
        from core.unit_import.shared import import_local_snapshots
    except ImportError:  # pragma: no cover - before shared snapshots exist
        return 0
    return import_local_snapshots(ctx.home, dst_units)
