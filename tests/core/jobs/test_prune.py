"""Prune removes only data no backup uses, in two phases: marked first, deleted after the grace; a
backup never refers to a marked pack, and one that would have stops instead of writing its object."""

from __future__ import annotations

import datetime as dt

import pytest

from core.app import accounts, backups
from core.app.context import AppContext
from core.errors import BackupError
from core.jobs.prune import CONDEMN, DELETE, KEEP, WAIT, plan
from core.support.clock import ManualClock
from tests.core.accounts.treegen import make_tree

UTC = dt.UTC
NOW = dt.datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
OLD = (NOW - dt.timedelta(days=2)).timestamp()


def test_the_plan_marks_then_deletes_after_the_grace_and_never_what_is_used():
    packs = {"a" * 16: (100, OLD), "b" * 16: (200, OLD), "c" * 16: (300, OLD), "d" * 16: (400, NOW.timestamp())}
    indexes = {"a" * 16: {"x", "y"}, "b" * 16: {"z"}, "d" * 16: {"w"}, "e" * 16: {"v"}}     # c: no index
    p = plan("acc", packs, indexes, {"y"}, {}, NOW)
    actions = {d.pack_id[0]: d.action for d in p.decisions}
    assert actions == {"a": KEEP, "b": CONDEMN, "c": CONDEMN, "d": KEEP}    # d is younger than the grace
    assert set(p.condemned) == {"b" * 16, "c" * 16} and p.orphan_indexes == ("e" * 16,)
    later = plan("acc", packs, indexes, {"y"}, p.condemned, NOW + dt.timedelta(minutes=30))
    assert {d.pack_id[0]: d.action for d in later.decisions}["b"] == WAIT
    done = plan("acc", packs, indexes, {"y", "z"}, p.condemned, NOW + dt.timedelta(hours=2))
    final = {d.pack_id[0]: d.action for d in done.decisions}
    assert final["b"] == KEEP and final["c"] == DELETE          # used again: spared; unused: deleted
    assert set(done.condemned) == {"d" * 16} and final["d"] == CONDEMN and done.bytes(DELETE) == 300


@pytest.fixture
def env(home, tmp_path):
    from core.destinations import DestinationConfig

    clock = ManualClock(dt.datetime.now(UTC))
    ctx = AppContext(home, clock=clock)
    (tmp_path / "repo").mkdir()
    ctx.catalog.destinations.add(DestinationConfig("repo", "local", {"path": str(tmp_path / "repo")}))
    yield ctx, clock, tmp_path
    ctx.close()


def _packs(tmp_path) -> set[str]:
    return {p.name for p in (tmp_path / "repo").rglob("*") if p.is_file() and "/packs/" in str(p)}


def test_forget_then_prune_twice_frees_the_space_and_every_other_backup_still_verifies(env, monkeypatch):
    ctx, clock, tmp_path = env
    monkeypatch.setattr("core.accounts.packs.PACK_TARGET", 1 << 20)     # the big file's chunks get packs of their own
    home = make_tree(tmp_path / "alice", files=30, big=1, big_size=3 << 20, seed=4)
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home)))
    first = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files")).backup_id
    (home / "big0.bin").write_bytes(b"replaced" * 1000)                  # the big file's chunks go unused later
    clock.advance(minutes=1)
    second = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files")).backup_id
    before = _packs(tmp_path)
    backups.forget_backup(ctx, backups.ForgetBackup(first, confirmed=True))
    clock.advance(hours=2)                      # the packs are older than the grace
    from core.destinations.local import LocalDestination

    stats, real_stat = [], LocalDestination.stat
    monkeypatch.setattr(LocalDestination, "stat", lambda self, key: stats.append(key) or real_stat(self, key))
    dry = backups.prune_destination(ctx, backups.PruneDestination("repo", dry_run=True))
    assert dry.plans[0].count(CONDEMN) >= 1 and _packs(tmp_path) == before
    assert not [k for k in stats if "/packs/" in k]         # sizes from the listing, not a round trip per pack
    assert dry.plans[0].bytes(CONDEMN) >= 3 << 20
    marked = backups.prune_destination(ctx, backups.PruneDestination("repo"))
    assert marked.deleted_packs == 0 and _packs(tmp_path) == before      # first prune only marks
    clock.advance(hours=2)
    swept = backups.prune_destination(ctx, backups.PruneDestination("repo"))
    assert swept.deleted_packs >= 1 and swept.deleted_bytes >= 3 << 20
    assert _packs(tmp_path) < before
    check = backups.verify_backup(ctx, backups.VerifyBackup(second, read_data=True))
    assert check.ok, check.problems
    out = tmp_path / "out"
    assert backups.restore_backup(ctx, backups.RestoreBackup(second, "files", "merge", to=str(out))).ok
    assert (out / "big0.bin").read_bytes() == b"replaced" * 1000


def test_a_backup_never_refers_to_a_marked_pack(env):
    ctx, clock, tmp_path = env
    home = make_tree(tmp_path / "bob", files=20, big=0, seed=5)
    accounts.add_account(ctx, accounts.AddAccount("bob", str(home)))
    first = backups.backup_now(ctx, backups.BackupNow("bob", "repo", "files")).backup_id
    backups.forget_backup(ctx, backups.ForgetBackup(first, confirmed=True))
    clock.advance(hours=2)
    backups.prune_destination(ctx, backups.PruneDestination("repo"))       # every pack is marked
    marked = _packs(tmp_path)
    second = backups.backup_now(ctx, backups.BackupNow("bob", "repo", "files"))
    assert second.new_data > 0                                               # uploaded again, not deduplicated
    clock.advance(hours=2)
    backups.prune_destination(ctx, backups.PruneDestination("repo"))       # the marked packs go
    assert not (_packs(tmp_path) & marked)
    assert backups.verify_backup(ctx, backups.VerifyBackup(second.backup_id, read_data=True)).ok


def test_a_backup_stops_when_a_prune_marks_what_it_uses_while_it_runs(env, monkeypatch):
    ctx, clock, tmp_path = env
    from core.accounts.repository import Repository

    home = make_tree(tmp_path / "carol", files=10, big=0, seed=6)
    accounts.add_account(ctx, accounts.AddAccount("carol", str(home)))
    first = backups.backup_now(ctx, backups.BackupNow("carol", "repo", "files")).backup_id
    real = Repository.read_condemned
    calls = []

    def racing(self, acc):                     # a prune on another machine marks every pack mid-run
        calls.append(acc)
        if len(calls) == 2:
            return {p: "2000-01-01T00:00:00.000000Z" for p in self.list_pack_ids(acc)}
        return real(self, acc)

    monkeypatch.setattr(Repository, "read_condemned", racing)
    with pytest.raises(BackupError) as err:
        backups.backup_now(ctx, backups.BackupNow("carol", "repo", "files"))
    assert err.value.kind == "prune_during_backup"
    assert [b.id for b in ctx.catalog.backups.list()] == [first]
