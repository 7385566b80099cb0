"""The catalog: accounts, destinations, snapshot index and known blobs, on a real SQLite file."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.catalog import BackupEntry, Catalog
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError


@pytest.fixture
def catalog(tmp_path):
    cat = Catalog.open("sqlite:///" + str(tmp_path / "catalog.sqlite3"))
    yield cat
    cat.close()


class Config:  # duck-typed like core.destinations.DestinationConfig
    def __init__(self, name, type, params):
        self.name, self.type, self.params = name, type, params


def test_account_lifecycle(catalog, tmp_path):
    a = catalog.add_account("alice", str(tmp_path), email="a@example.org", units=["u2", "u1"],
                            excludes=["*.log", "cache/"])
    assert a.units == ("u1", "u2") and a.status == "active" and a.encryption == "app"
    assert catalog.get_account("alice") == a and catalog.get_account(a.id) == a
    with pytest.raises(AlreadyExistsError):
        catalog.add_account("alice", str(tmp_path))
    b = catalog.edit_account("alice", email="b@example.org", units=["u3"])
    assert b.email == "b@example.org" and b.units == ("u3",)
    assert catalog.set_account_status("alice", "suspended").status == "suspended"
    gone = catalog.delete_account("alice")
    assert gone.status == "deleted"
    assert [x.username for x in catalog.list_accounts()] == []
    # the username is free again, but the UUID is never reused
    again = catalog.add_account("alice", str(tmp_path))
    assert again.id != a.id
    assert catalog.get_account(a.id).status == "deleted"


def test_account_rejects_bad_input_without_writing(catalog, tmp_path):
    with pytest.raises(InvalidInputError):
        catalog.add_account("Bad Name", str(tmp_path))
    with pytest.raises(InvalidInputError):
        catalog.add_account("bob", str(tmp_path), encryption="none")
    with pytest.raises(InvalidInputError):
        catalog.add_account("bob", str(tmp_path), excludes=["a\nb"])
    assert catalog.list_accounts() == []
    with pytest.raises(NotFoundError):
        catalog.get_account("nobody")


def test_destinations(catalog):
    catalog.add_destination(Config("d1", "local", {"path": "/x"}))
    with pytest.raises(AlreadyExistsError):
        catalog.add_destination(Config("d1", "local", {"path": "/y"}))
    with pytest.raises(InvalidInputError):
        catalog.add_destination(Config("d2", "ftp", {}))
    got = catalog.get_destination("d1")
    assert (got.name, got.type, got.params) == ("d1", "local", {"path": "/x"})
    assert [d.name for d in catalog.list_destinations()] == ["d1"]
    catalog.remove_destination("d1")
    with pytest.raises(NotFoundError):
        catalog.get_destination("d1")


def test_snapshots_and_known_blobs(catalog):
    e1 = BackupEntry("aa" * 8, "acc", "d1", "2026-01-02T00:00:00Z", items=("files",), size=10, info={"username": "x"})
    e0 = BackupEntry("bb" * 8, "acc", "d1", "2026-01-01T00:00:00Z", items=("account",))
    assert catalog.add_backup(e1) and catalog.add_backup(e0)
    assert not catalog.add_backup(e1)
    assert [s.id for s in catalog.list_backups("acc")] == [e0.id, e1.id]  # oldest first
    assert catalog.get_backup(e1.id).info == {"username": "x"}
    catalog.set_backup_status(e1.id, "damaged")
    assert catalog.get_backup(e1.id).status == "damaged"
    catalog.add_pack("d1", "acc", "p1", {"b1": (0, 5, 4), "b2": (5, 6, 5)})
    catalog.add_pack("d1", "acc", "p2", {"b2": (0, 6, 5), "b3": (6, 7, 6)})
    assert catalog.known_packs("d1", "acc") == {"p1", "p2"}
    assert catalog.known_blobs("d1", "acc") == {"b1": ("p1", 0, 5, 4), "b2": ("p1", 5, 6, 5), "b3": ("p2", 6, 7, 6)}
    catalog.forget_packs("d1", "acc", ["p1"])
    assert set(catalog.known_blobs("d1", "acc")) == {"b3"} and catalog.known_packs("d1", "acc") == {"p2"}


def test_reopen_is_migrated_once(tmp_path):
    url = "sqlite:///" + str(tmp_path / "c.sqlite3")
    Catalog.open(url).close()
    cat = Catalog.open(url)
    with cat.read() as c:
        assert c.execute(text("SELECT version_num FROM catalog_alembic_version")).scalar() == "c0001"
    cat.close()
