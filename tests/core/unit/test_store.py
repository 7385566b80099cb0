"""Round trips of every record kind, atomicity, foreign keys, and migrations of the unit store."""

import sqlite3

import pytest
from sqlalchemy import text

from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError, StoreError
from core.unit.digest import unit_digest
from core.unit.records import Application, ConfigKey, Mapping, Permission, Plugin, Profile, Workspace
from core.unit.seed import seed_unit
from core.unit.store import HEAD_REVISION, UnitStore

PLUGIN = Plugin("p1", "Mail bridge ✉", "1.2.3", True, {"nested": {"a": [1, 2.5, None, "ü"]}, "flag": False},
                (Permission("profile", "prof-1", "read", True), Permission("role", "admin", "write", False)),
                (Mapping("src.a", "dst/1"),))
WORKSPACE = Workspace("w1", "Sales 東京", "desc", "ann@example.org",
                      (Application("a2", "Chart", "chart", 1, {"k": 1}), Application("a1", "Form", "form", 0, {})))
PROFILE = Profile("prof-1", "Support", "", ("w1",))
KEY = ConfigKey("mail.smtp.password", "s3cr3t", True, "SMTP password")
KEY2 = ConfigKey("ui.limits", {"max": 10, "list": [1, "x", True, None, 1.5]}, False, "")


def fill(store, name="u1"):
    with store.write() as conn:
        unit = store.create_unit(conn, name, "Unit one")
        store.insert_records(conn, unit.id, "plugins", [PLUGIN])
        store.insert_records(conn, unit.id, "workspaces", [WORKSPACE])
        store.insert_records(conn, unit.id, "profiles", [PROFILE])
        store.insert_records(conn, unit.id, "config_keys", [KEY, KEY2])
    return unit


def test_every_record_kind_round_trips(store):
    unit = fill(store)
    assert list(store.iter_records(unit.id, "plugins")) == [PLUGIN]
    (ws,) = store.iter_records(unit.id, "workspaces")
    # Applications come back ordered by position.
    assert ws == Workspace("w1", "Sales 東京", "desc", "ann@example.org",
                           (Application("a1", "Form", "form", 0, {}), Application("a2", "Chart", "chart", 1, {"k": 1})))
    assert list(store.iter_records(unit.id, "profiles")) == [PROFILE]
    assert list(store.iter_records(unit.id, "config_keys")) == [KEY, KEY2]
    counts = store.counts(unit.id)
    assert counts.as_dict() == {"plugins": 1, "workspaces": 1, "applications": 2, "profiles": 1, "config_keys": 2}
    assert store.get_unit("u1").display_name == "Unit one"


def test_the_same_record_ids_live_side_by_side_in_two_units(store):
    a = fill(store, "a")
    b = fill(store, "b")
    assert unit_digest(store, a.id) == unit_digest(store, b.id)
    with store.write() as conn:
        store.delete_unit(conn, a.id)
    assert store.find_unit("a") is None
    assert store.counts(b.id).applications == 2


def test_a_failed_write_changes_nothing(store):
    unit = fill(store)
    before = unit_digest(store, unit.id)
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            store.wipe_section(conn, unit.id, "config_keys")
            store.insert_records(conn, unit.id, "config_keys", [ConfigKey("new.key", 1, False, "")])
            raise RuntimeError("boom")
    assert unit_digest(store, unit.id) == before


def test_duplicate_ids_roll_back_the_whole_transaction(store):
    unit = fill(store)
    before = unit_digest(store, unit.id)
    with pytest.raises(StoreError):
        with store.write() as conn:
            store.wipe_section(conn, unit.id, "plugins")
            store.insert_records(conn, unit.id, "plugins", [PLUGIN, PLUGIN])
    assert unit_digest(store, unit.id) == before


def test_foreign_keys_protect_references(store):
    unit = fill(store)
    # A profile naming a workspace that does not exist is refused.
    with pytest.raises(StoreError):
        with store.write() as conn:
            store.insert_records(conn, unit.id, "profiles", [Profile("p2", "x", "", ("missing",))])
    # A workspace still named by a profile cannot be wiped.
    with pytest.raises(StoreError):
        with store.write() as conn:
            store.wipe_section(conn, unit.id, "workspaces")
    assert store.counts(unit.id).workspaces == 1
    # Removing the profiles first makes it possible.
    with store.write() as conn:
        store.wipe_section(conn, unit.id, "profiles")
        store.wipe_section(conn, unit.id, "workspaces")
    assert store.counts(unit.id).applications == 0


def test_names_are_validated_and_unique(store):
    fill(store, "u1")
    with pytest.raises(AlreadyExistsError):
        with store.write() as conn:
            store.create_unit(conn, "u1")
    for bad in ("", "Upper", "-lead", "a" * 64, "spa ce", "../x"):
        with pytest.raises(InvalidInputError):
            with store.write() as conn:
                store.create_unit(conn, bad)
    with pytest.raises(NotFoundError):
        store.get_unit("nope")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    """SQLite's own settings (PostgreSQL always enforces foreign keys)."""
    store = UnitStore.open(f"sqlite:///{tmp_path / 'units.sqlite3'}")
    with store.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.close()


def test_a_store_made_by_the_first_version_upgrades_on_open(tmp_path):
    from alembic import command
    from alembic.config import Config

    from core.db import make_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", "core.unit:migrations")
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, "u0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO units VALUES ('6b1c7f8e-0000-4000-8000-000000000001', 'old', 'Old', 't', 't')"))
        conn.execute(text("INSERT INTO workspaces VALUES ('6b1c7f8e-0000-4000-8000-000000000001', 'w', 'W', '', 'o')"))
    engine.dispose()

    store = UnitStore.open(url)
    try:
        with store.read() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION
        assert store.counts(store.get_unit("old").id).workspaces == 1
    finally:
        store.close()
    db = sqlite3.connect(tmp_path / "old.sqlite3")
    indexes = {r[1] for r in db.execute("SELECT * FROM sqlite_master WHERE type='index'")}
    assert "ix_applications_workspace" in indexes


def test_seeded_small_unit_has_exact_counts_and_valid_records(store):
    from core.schemas import section_errors

    unit = seed_unit(store, "demo", "small")
    assert store.counts(unit.id).as_dict() == {"plugins": 20, "workspaces": 50, "applications": 500,
                                               "profiles": 10, "config_keys": 1000}
    for section in ("plugins", "workspaces", "profiles", "config_keys"):
        for wire in store.iter_wire(unit.id, section):
            assert section_errors(section, wire) == []


def test_every_kind_of_write_bumps_the_unit_revision(store):
    with store.write() as conn:
        unit = store.create_unit(conn, "u1")
        other = store.create_unit(conn, "u2")
    seen = [store.revision(unit.id)]
    other_rev = store.revision(other.id)
    assert isinstance(seen[0], int)

    def changed(write):
        with store.write() as conn:
            write(conn)
        rev = store.revision(unit.id)
        assert rev not in seen
        seen.append(rev)

    changed(lambda c: store.insert_records(c, unit.id, "plugins", [PLUGIN]))
    changed(lambda c: store.insert_records(c, unit.id, "workspaces", [WORKSPACE]))
    changed(lambda c: store.insert_records(c, unit.id, "profiles", [PROFILE]))
    changed(lambda c: store.insert_wire(c, unit.id, "config_keys", [{"key": "k", "value": 1, "secret": False,
                                                                       "description": ""}]))
    changed(lambda c: store.touch(c, unit.id))
    changed(lambda c: store.delete_keys(c, unit.id, "config_keys", ["k"]))
    changed(lambda c: store.delete_keys(c, unit.id, "config_keys", []))  # even a no-op call counts
    for section in ("profiles", "workspaces", "plugins", "config_keys"):
        changed(lambda c, s=section: store.wipe_section(c, unit.id, s))
    assert store.revision(other.id) == other_rev  # per unit
    # A rolled-back write leaves the revision as it was.
    with pytest.raises(RuntimeError):
        with store.write() as conn:
            store.touch(conn, unit.id)
            raise RuntimeError("boom")
    assert store.revision(unit.id) == seen[-1]
    assert store.revision("00000000-0000-4000-8000-00000000dead") is None


def test_a_unit_recreated_under_the_same_id_does_not_repeat_revisions(store):
    uid = "6b1c7f8e-0000-4000-8000-000000000009"
    revs = set()
    for _ in range(5):
        with store.write() as conn:
            store.create_unit(conn, "again", unit_id=uid)
            store.insert_records(conn, uid, "plugins", [PLUGIN])
        revs.add(store.revision(uid))
        with store.write() as conn:
            store.delete_unit(conn, uid)
    assert len(revs) == 5


def test_a_store_at_u0002_upgrades_with_a_revision_column(tmp_path):
    from alembic import command
    from alembic.config import Config

    from core.db import make_engine

    url = f"sqlite:///{tmp_path / 'u2.sqlite3'}"
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", "core.unit:migrations")
    cfg.attributes["engine"] = engine
    command.upgrade(cfg, "u0002")
    uid = "6b1c7f8e-0000-4000-8000-000000000002"
    with engine.begin() as conn:
        conn.execute(text(f"INSERT INTO units VALUES ('{uid}', 'old', 'Old', 't', 't')"))
        conn.execute(text(f"INSERT INTO workspaces VALUES ('{uid}', 'w', 'W', '', 'o')"))
        conn.execute(text(f"INSERT INTO applications VALUES ('{uid}', 'a', 'w', 'A', 'form', 0, '{{}}')"))
    engine.dispose()

    store = UnitStore.open(url)
    try:
        with store.read() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION == "u0006"
        # Nothing was lost (a table rebuild of units would have cascaded), and the counter starts at 0.
        assert store.counts(uid).as_dict() == {"plugins": 0, "workspaces": 1, "applications": 1, "profiles": 0,
                                               "config_keys": 0}
        assert store.revision(uid) == 0
        with store.write() as conn:
            store.insert_records(conn, uid, "plugins", [PLUGIN])
        assert store.revision(uid) == 1
    finally:
        store.close()


def test_the_portable_insert_path_stores_the_same_content(store, monkeypatch):
    """SQLite takes a driver-level executemany; other databases the Core insert. Both store the same."""
    from core.unit import store as store_module

    fast = seed_unit(store, "fast", "small")
    monkeypatch.setattr(store_module._Inserter, "portable_only", True)
    portable = seed_unit(store, "portable", "small")
    assert unit_digest(store, fast.id) == unit_digest(store, portable.id)
    assert store.counts(portable.id) == store.counts(fast.id)
