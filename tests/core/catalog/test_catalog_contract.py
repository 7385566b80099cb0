"""The catalog contract: what every catalog backend must do (accounts, destinations, the backup index,
the blob cache). The ``catalog`` fixture (conftest.py) runs each test on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core.catalog import BackupEntry, Catalog
from core.catalog.database import HEAD_REVISION
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from core.support.clock import ManualClock


class Config:  # duck-typed like core.destinations.DestinationConfig
    def __init__(self, name, type, params):
        self.name, self.type, self.params = name, type, params


def test_account_lifecycle(catalog, tmp_path):
    a = catalog.accounts.add("alice", str(tmp_path), email="a@example.org", units=["u2", "u1"],
                            excludes=["*.log", "cache/"])
    assert a.units == ("u1", "u2") and a.status == "active" and a.encryption == "app"
    assert catalog.accounts.get("alice") == a and catalog.accounts.get(a.id) == a
    with pytest.raises(AlreadyExistsError):
        catalog.accounts.add("alice", str(tmp_path))
    b = catalog.accounts.edit("alice", email="b@example.org", units=["u3"])
    assert b.email == "b@example.org" and b.units == ("u3",)
    assert catalog.accounts.set_status("alice", "suspended").status == "suspended"
    gone = catalog.accounts.delete("alice")
    assert gone.status == "deleted"
    assert [x.username for x in catalog.accounts.list()] == []
    # the username is free again, but the UUID is never reused
    again = catalog.accounts.add("alice", str(tmp_path))
    assert again.id != a.id
    assert catalog.accounts.get(a.id).status == "deleted"


def test_account_rejects_bad_input_without_writing(catalog, tmp_path):
    with pytest.raises(InvalidInputError):
        catalog.accounts.add("Bad Name", str(tmp_path))
    with pytest.raises(InvalidInputError):
        catalog.accounts.add("bob", str(tmp_path), encryption="none")
    with pytest.raises(InvalidInputError):
        catalog.accounts.add("bob", str(tmp_path), excludes=["a\nb"])
    assert catalog.accounts.list() == []
    with pytest.raises(NotFoundError):
        catalog.accounts.get("nobody")


def test_destinations(catalog):
    catalog.destinations.add(Config("d1", "local", {"path": "/x"}))
    with pytest.raises(AlreadyExistsError):
        catalog.destinations.add(Config("d1", "local", {"path": "/y"}))
    with pytest.raises(InvalidInputError):
        catalog.destinations.add(Config("d2", "ftp", {}))
    got = catalog.destinations.get("d1")
    assert (got.name, got.type, got.params) == ("d1", "local", {"path": "/x"})
    assert [d.name for d in catalog.destinations.list()] == ["d1"]
    catalog.destinations.remove("d1")
    with pytest.raises(NotFoundError):
        catalog.destinations.get("d1")
    with pytest.raises(NotFoundError) as err:
        catalog.destinations.remove("d1")
    assert err.value.kind == "destination_not_found"


def test_backup_index_and_known_blobs(catalog):
    e1 = BackupEntry("aa" * 8, "acc", "d1", "2026-01-02T00:00:00Z", items=("files",), size=10, info={"username": "x"})
    e0 = BackupEntry("bb" * 8, "acc", "d1", "2026-01-01T00:00:00Z", items=("account",))
    assert catalog.backups.add(e1) and catalog.backups.add(e0)
    assert not catalog.backups.add(e1)
    assert [s.id for s in catalog.backups.list("acc")] == [e0.id, e1.id]  # oldest first
    assert catalog.backups.get(e1.id).info == {"username": "x"}
    catalog.backups.set_status(e1.id, "damaged")
    assert catalog.backups.get(e1.id).status == "damaged"
    catalog.blobs.add_pack("d1", "acc", "p1", {"b1": (0, 5, 4), "b2": (5, 6, 5)})
    catalog.blobs.add_pack("d1", "acc", "p2", {"b2": (0, 6, 5), "b3": (6, 7, 6)})
    assert catalog.blobs.known_packs("d1", "acc") == {"p1", "p2"}
    assert catalog.blobs.known_blobs("d1", "acc") == {"b1": ("p1", 0, 5, 4), "b2": ("p1", 5, 6, 5), "b3": ("p2", 6, 7, 6)}
    catalog.blobs.forget_packs("d1", "acc", ["p1"])
    assert set(catalog.blobs.known_blobs("d1", "acc")) == {"b3"} and catalog.blobs.known_packs("d1", "acc") == {"p2"}


def test_retention_reads_what_it_decides_by_and_decides_the_same_as_from_entries(catalog):
    """The series retention reads (aggregated by the database, on every database) hold the same
    backups in the same order, and lead to the same decisions, as the full index entries."""
    from core.jobs.retention import JobPolicy, OnDemandPolicy, as_series, decide, decide_series
    from core.support.clock import from_iso

    made = [BackupEntry(f"{n:016x}", "acc", "d1" if n % 3 else "d2", f"2026-01-{n + 1:02d}T02:00:00Z",
                        job="nightly" if n % 4 else None, locked=n == 5, locked_until=None,
                        expires_at="2026-01-20T00:00:00Z" if n % 4 == 0 else None) for n in range(12)]
    made.append(BackupEntry("ff" * 8, "acc", "d1", made[1].created_at, job="nightly"))    # same time: by id
    users = BackupEntry("u" * 16, "acc", "user.acc", "2026-01-02T02:00:00Z")     # a user's own destination
    for e in [*made, users]:
        catalog.backups.add(e)

    def ids(got):
        return {bid for s in got[0] for bid in s[3]}

    def by_key(series):
        return sorted(map(tuple, series), key=lambda s: (s[0] or "", *s[1:]))

    series, marks = catalog.backups.retention_series(users=False)
    assert (by_key(series), marks) == (by_key(as_series(made)[0]), as_series(made)[1])
    assert users.id in ids(catalog.backups.retention_series())
    assert ids(catalog.backups.retention_series("d2")) == {e.id for e in made if e.destination == "d2"}
    assert ids(catalog.backups.retention_series(job="nightly")) == {e.id for e in made if e.job}
    policies = {"nightly": JobPolicy(keep_last=2, keep_daily=3, timezone="Europe/Berlin")}
    now = from_iso("2026-01-25T00:00:00Z")
    by_series = decide_series(series, marks, policies, OnDemandPolicy(keep=1), now)
    by_entries = decide([e for e in catalog.backups.list("acc") if e.id != users.id], policies, OnDemandPolicy(keep=1),
                        now)
    assert sorted(by_series.decisions) == sorted(by_entries.decisions)
    assert by_series.by_id[made[5].id].reasons == ("locked",)
    assert {d.backup_id for d in by_series.remove} and {d.backup_id for d in by_series.keep}


def test_retention_reads_a_series_row_by_row_when_a_value_holds_the_separator(catalog):
    """Ids are hex and times ISO, but the index does not enforce it: a value holding the character the
    database joins a series with must not shift the ids against their times."""
    from core.jobs.retention import as_series

    made = [BackupEntry("a,b", "acc", "d1", "2026-01-02T02:00:00Z", job="nightly"),
            BackupEntry("cc" * 8, "acc", "d1", "2026-01-03T02:00:00Z", job="nightly"),
            BackupEntry("dd" * 8, "acc", "d1", "2026-01-01T02:00:00Z", job="nightly"),
            BackupEntry("ee" * 8, "acc", "d2", "2026-01-01T02:00:00Z", job="nightly")]
    for e in made:
        catalog.backups.add(e)
    series, _marks = catalog.backups.retention_series()
    assert sorted(map(tuple, series)) == sorted(map(tuple, as_series(made)[0]))
    assert ("nightly", "acc", "d1", ["cc" * 8, "a,b", "dd" * 8],
            ["2026-01-03T02:00:00Z", "2026-01-02T02:00:00Z", "2026-01-01T02:00:00Z"]) in series


def test_reopen_is_migrated_once(catalog_url):
    Catalog.open(catalog_url).close()
    cat = Catalog.open(catalog_url)
    with cat.read() as c:
        assert c.execute(text("SELECT version_num FROM catalog_alembic_version")).scalar() == HEAD_REVISION
    cat.close()


def test_forgetting_a_destination_in_one_transaction(catalog):
    """Removing a destination drops its config, its backups from the index and its blob cache
    together; a failure inside the transaction leaves all three."""
    catalog.destinations.add(Config("d1", "local", {"path": "/x"}))
    catalog.destinations.add(Config("d2", "local", {"path": "/y"}))
    catalog.backups.add(BackupEntry("aa" * 8, "acc", "d1", "2026-01-01T00:00:00Z"))
    catalog.backups.add(BackupEntry("bb" * 8, "acc", "d2", "2026-01-01T00:00:00Z"))
    catalog.blobs.add_pack("d1", "acc", "p1", {"b1": (0, 5, 4)})
    with pytest.raises(RuntimeError), catalog.write() as c:
        catalog.destinations.remove("d1", conn=c)
        catalog.backups.forget_destination("d1", conn=c)
        raise RuntimeError("power cut")
    assert catalog.destinations.find("d1") is not None and catalog.backups.find("aa" * 8) is not None
    with catalog.write() as c:
        catalog.destinations.remove("d1", conn=c)
        assert catalog.backups.forget_destination("d1", conn=c) == 1
        catalog.blobs.forget_destination("d1", conn=c)
    assert [d.name for d in catalog.destinations.list()] == ["d2"]
    assert [b.id for b in catalog.backups.list()] == ["bb" * 8]
    assert catalog.blobs.known_packs("d1", "acc") == set()


def test_times_come_from_the_injected_clock(catalog_url, tmp_path):
    clock = ManualClock("2027-03-04T05:06:07Z")
    cat = Catalog.open(catalog_url, clock=clock)
    try:
        a = cat.accounts.add("alice", str(tmp_path))
        assert a.created_at == "2027-03-04T05:06:07.000000Z"
        clock.advance(hours=1)
        assert cat.accounts.edit("alice", email="a@example.org").updated_at == "2027-03-04T06:06:07.000000Z"
    finally:
        cat.close()
