"""Catalogs written by older versions open and keep their rows."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from core.catalog import Catalog
from core.catalog.database import VERSION_TABLE
from core.db import make_engine


def test_c0001_snapshot_index_becomes_the_backup_index(tmp_path):
    url = "sqlite:///" + str(tmp_path / "old.sqlite3")
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", "core.catalog:migrations")
    cfg.attributes["engine"] = engine
    cfg.attributes["version_table"] = VERSION_TABLE
    command.upgrade(cfg, "c0001")
    with engine.begin() as c:
        c.execute(text("INSERT INTO snapshots (id, account_id, destination, created_at, kind, items, size, new_data, "
                       "encrypted, encryption, status, file_count, info) VALUES ('ab12ab12ab12ab12', 'acc', 'd1', "
                       "'2026-01-01T00:00:00Z', 'manual', :items, 7, 7, 1, 'app', 'complete', 3, '{}')"),
                  {"items": '["files"]'})
    engine.dispose()
    cat = Catalog.open(url)
    try:
        entry = cat.backups.get("ab12ab12ab12ab12")
        assert (entry.items, entry.size, entry.file_count) == (("files",), 7, 3)
        assert [b.id for b in cat.backups.list("acc")] == ["ab12ab12ab12ab12"]
    finally:
        cat.close()


def test_c0003_queue_items_keep_their_rows_and_gain_no_holder(tmp_path):
    url = "sqlite:///" + str(tmp_path / "old.sqlite3")
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", "core.catalog:migrations")
    cfg.attributes["engine"] = engine
    cfg.attributes["version_table"] = VERSION_TABLE
    command.upgrade(cfg, "c0003")
    with engine.begin() as c:
        c.execute(text("INSERT INTO queue_items (kind, state, priority, priority_group, destination, request, "
                       "created_at) VALUES ('backup', 'queued', 50, 'Normal', 'd1', '{}', '2026-01-01T00:00:00Z')"))
    engine.dispose()
    cat = Catalog.open(url)
    try:
        (item,) = cat.queue.list()
        assert (item.kind, item.state, item.holder, item.attempts, item.max_attempts) == ("backup", "queued", None, 0, 3)
        assert cat.queue.claim("w", lease_seconds=60).id == item.id
    finally:
        cat.close()


def test_an_upgrade_that_fails_part_way_leaves_the_catalog_as_it_was(tmp_path, monkeypatch):
    """The whole upgrade is one transaction: a failure in its last migration leaves the catalog at the
    revision it had (here none), never half-way, where a second process waiting to migrate would have
    found it and replayed a migration already done ("duplicate column name")."""
    import alembic.op
    import pytest

    from core.errors import StoreError

    create_index = alembic.op.create_index

    def broken(name, *args, **kwargs):
        if name == "ix_backups_retention":                        # c0006, after five migrations
            raise RuntimeError("power cut")
        return create_index(name, *args, **kwargs)

    monkeypatch.setattr(alembic.op, "create_index", broken)
    url = "sqlite:///" + str(tmp_path / "new.sqlite3")
    with pytest.raises(StoreError):
        Catalog.open(url)
    engine = make_engine(url)
    with engine.connect() as c:
        tables = c.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    engine.dispose()
    assert tables == []
