"""Team mode: several workstations (homes) on one PostgreSQL database.

- ``db move-to`` copies a single user's SQLite home into an empty database, proves it by digests and
  points the home at it; a second workstation then sees the same units, catalog and snapshots.
- A safety snapshot taken on one workstation is undone from another.
- Two workstations importing into the same unit never interleave: the second waits for the first's
  transaction and is then refused (the unit changed since its preview).
- ``db check`` / ``db migrate`` on both backends.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from core.app import stores
from core.app.context import AppContext
from core.errors import InvalidInputError, PlanRefusedError
from core.home import CATALOG_URL_SETTING, UNITS_URL_SETTING, AppHome
from core.settings import Settings
from core.unit.seed import seed_unit
from core.unit_import import MemorySource, apply_import, list_safety_snapshots, preview_import, undo
from tests.core.unit_import.helpers import digest, unit_wires
from tests.server_fixtures import DATABASE_BACKENDS


def workstation(root, url: str) -> AppContext:
    """A workstation in team mode: its own home, the shared database named in its settings."""
    root.mkdir(parents=True, exist_ok=True)
    s = Settings(root / "settings.ini")
    s.set(UNITS_URL_SETTING, url)
    s.set(CATALOG_URL_SETTING, url)
    return AppContext(AppHome.resolve(root))


def do_import(ctx, wires, target):
    unit = ctx.units.find_unit(target)
    src = MemorySource(wires, source_unit_id=unit.id if unit else "x")
    return apply_import(ctx.units, ctx.home, ctx.secrets, src, preview_import(ctx.units, src, target))


def changed(wires, version: str):
    out = {k: [dict(w) for w in v] for k, v in wires.items()}
    out["plugins"][0]["version"] = version
    return out


def _fill_catalog(ctx, tmp_path):
    from core.destinations import DestinationConfig

    (tmp_path / "alice").mkdir()
    ctx.catalog.accounts.add("alice", str(tmp_path / "alice"), encryption="app")
    (tmp_path / "repo").mkdir()
    ctx.catalog.destinations.add(DestinationConfig("repo", "local", {"path": str(tmp_path / "repo")}))
    ctx.catalog.tags.add("vip", "#3a7bd5")
    for _ in range(3):
        ctx.catalog.queue.enqueue("backup", {"n": 1}, destination="repo")


def test_move_to_copies_verifies_and_points_the_home_at_postgresql(ctx, tmp_path, pg_url):
    seed_unit(ctx.units, "a", "small", 1)
    seed_unit(ctx.units, "b", "small", 2)
    before_b = digest(ctx.units, "b")
    do_import(ctx, changed(unit_wires(ctx.units, "b"), "9.9.9"), "b")   # a safety snapshot to move along
    after_b = digest(ctx.units, "b")
    _fill_catalog(ctx, tmp_path)
    digests = {n: digest(ctx.units, n) for n in ("a", "b")}

    result = stores.move_to(ctx, stores.MoveTo(pg_url))
    assert result.stores[0].digests == digests and result.snapshots == 1
    assert result.stores[1].tables["queue_items"] == 3 and result.stores[1].tables["accounts"] == 1
    assert not result.password_given
    ctx.close()

    moved = AppContext(AppHome.resolve(ctx.home.root))     # the same home, now on PostgreSQL
    try:
        assert moved.home.db_url == pg_url and moved.home.catalog_url == pg_url and moved.home.team_mode
        assert {n: digest(moved.units, n) for n in ("a", "b")} == {"a": digests["a"], "b": after_b}
        assert moved.catalog.accounts.get("alice").username == "alice"
        new = moved.catalog.queue.enqueue("backup", {}, destination="repo")
        assert new.id == 4                                # the id sequence moved past the copied ids
        assert stores.check_stores(moved).ok
    finally:
        moved.close()
    other = workstation(tmp_path / "ws2", pg_url)          # another workstation undoes the moved snapshot
    try:
        (snap,) = list_safety_snapshots(other.home, "b")
        undo(other.units, other.home, other.secrets, "b")
        assert digest(other.units, "b") == before_b
    finally:
        other.close()


def test_move_to_refuses_a_target_with_data_and_a_non_postgresql_url(ctx, tmp_path, pg_url):
    seed_unit(ctx.units, "a", "small", 1)
    with pytest.raises(InvalidInputError, match="PostgreSQL"):
        stores.move_to(ctx, stores.MoveTo("sqlite:///" + str(tmp_path / "x.sqlite3")))
    ws = workstation(tmp_path / "ws", pg_url)
    try:
        seed_unit(ws.units, "there", "small", 3)
    finally:
        ws.close()
    with pytest.raises(InvalidInputError, match="already holds"):
        stores.move_to(ctx, stores.MoveTo(pg_url))
    assert not ctx.home.team_mode and Settings(ctx.home.settings_file).get(UNITS_URL_SETTING) is None


def test_a_snapshot_taken_on_one_workstation_is_undone_on_another(tmp_path, pg_url):
    one, two = workstation(tmp_path / "one", pg_url), workstation(tmp_path / "two", pg_url)
    try:
        seed_unit(one.units, "b", "small", 2)
        before = digest(one.units, "b")
        result = do_import(one, changed(unit_wires(one.units, "b"), "2.0.0"), "b")
        assert [p.name for p in one.home.snapshots_dir.iterdir() if p.suffix == ".uvault"] == []  # not local
        (snap,) = list_safety_snapshots(two.home, "b")
        assert snap.id == result.snapshot_id
        assert one.secrets.get("snapshot-key") == two.secrets.get("snapshot-key")   # the store's key
        assert one.secrets.local.get("snapshot-key") is None                       # never the workstation's
        undo(two.units, two.home, two.secrets, "b")
        assert digest(one.units, "b") == before
        assert [s.undone for s in list_safety_snapshots(one.home, "b") if s.id == snap.id] == [True]
    finally:
        one.close()
        two.close()


def test_two_workstations_importing_into_one_unit_never_interleave(tmp_path, pg_url):
    """The first import holds the unit's row lock until it commits; the second, previewed against
    the same revision, waits for it and is then refused: the unit changed since its preview."""
    one, two = workstation(tmp_path / "one", pg_url), workstation(tmp_path / "two", pg_url)
    try:
        seed_unit(one.units, "u", "small", 1)
        wires = unit_wires(one.units, "u")
        first, second = changed(wires, "1.1.1"), changed(wires, "2.2.2")
        src1 = MemorySource(first, source_unit_id=one.units.get_unit("u").id)
        src2 = MemorySource(second, source_unit_id=two.units.get_unit("u").id)
        p1, p2 = preview_import(one.units, src1, "u"), preview_import(two.units, src2, "u")
        inside, release = threading.Event(), threading.Event()
        from core.progress import Reporter

        def sink(state):          # the first import stops inside its transaction, after the lock
            if state.stage != "checking unit" and not inside.is_set():
                inside.set()
                assert release.wait(60)

        outcome = {}

        def run_first():
            outcome["first"] = apply_import(one.units, one.home, one.secrets, src1, p1,
                                            reporter=Reporter(sink, min_interval=0))

        def run_second():
            try:
                apply_import(two.units, two.home, two.secrets, src2, p2)
            except PlanRefusedError as exc:
                outcome["second"] = exc

        t1 = threading.Thread(target=run_first)
        t1.start()
        assert inside.wait(60)
        t2 = threading.Thread(target=run_second)
        t2.start()
        t2.join(1.0)
        assert t2.is_alive()                       # waiting for the first import's lock
        with two.units.read() as conn:             # and it holds the unit's row lock right now
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
            assert waiting.scalar() >= 1
        release.set()
        t1.join(60)
        t2.join(60)
        assert "changed since the preview" in outcome["second"].message
        assert digest(one.units, "u") == outcome["first"].digest_after
        assert [w["version"] for w in unit_wires(one.units, "u")["plugins"][:1]] == ["1.1.1"]
    finally:
        one.close()
        two.close()


@pytest.mark.parametrize("backend", DATABASE_BACKENDS)
def test_db_check_and_migrate(tmp_path, backend, database_url):
    url = database_url(backend, tmp_path)
    ws = workstation(tmp_path / "ws", url)
    try:
        empty = stores.check_stores(ws)
        assert [s.state for s in empty.stores] == ["empty", "empty"] and not empty.ok
        done = stores.migrate_stores(ws)
        assert [(m.before, m.after) for m in done] == [(None, s.head) for s in empty.stores]
        ok = stores.check_stores(ws)
        assert ok.ok and [s.state for s in ok.stores] == ["current", "current"]
        assert ok.stores[0].server.startswith("PostgreSQL" if backend == "postgresql" else "SQLite")
        info = stores.stores_info(ws)
        assert info.team_mode == (backend == "postgresql")
        assert "@" not in info.summary
    finally:
        ws.close()


def test_db_check_finds_a_store_behind_and_migrate_brings_it_current(tmp_path):
    from alembic import command
    from alembic.config import Config

    from core.db import make_engine

    home = AppHome.resolve(tmp_path / "home")
    engine = make_engine(home.db_url)
    cfg = Config()
    cfg.set_main_option("script_location", "core.unit:migrations")
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, "u0004")
    engine.dispose()
    ctx = AppContext(home)
    try:
        status = stores.check_stores(ctx).stores[0]
        assert (status.state, status.revision) == ("behind", "u0004") and status.problems
        (units, _catalog) = stores.migrate_stores(ctx)
        assert units.before == "u0004" and stores.check_stores(ctx).ok
    finally:
        ctx.close()


def test_a_unit_deleted_on_one_workstation_comes_back_with_undo_on_another(tmp_path, pg_url):
    from core.app import imports, units

    one, two = workstation(tmp_path / "one", pg_url), workstation(tmp_path / "two", pg_url)
    try:
        units.seed_unit(one, units.SeedUnit("demo", drift=2))
        before = units.unit_digest(one, units.UnitRef("demo"))
        done = units.delete_unit(one, units.DeleteUnit("demo", confirmed=True))
        assert units.list_units(two) == []
        plan = imports.preview_safety_snapshot(two, imports.PreviewSafetySnapshot(unit="demo"))
        assert plan.info.id == done.snapshot_id
        imports.restore_safety_snapshot(two, imports.RestoreSafetySnapshot(plan))
        assert units.unit_digest(one, units.UnitRef("demo")) == before
    finally:
        one.close()
        two.close()
