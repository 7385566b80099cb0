"""Round trips of every record kind, atomicity, foreign keys, and migrations of the unit store."""

import sqlite3

import pytest
from sqlalchemy import text

from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError, StoreError
from core.unit.digest import unit_digest
from core.unit.records import (Application, ConfigKey, Mapping, Permission, Plugin, Profile, Workspace)
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


def test_sqlite_runs_in_wal_mode_with_foreign_keys(store):
    with store.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


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
