"""Account backups II through the use cases, on real destinations: on-demand limits and TTL, locks
that hold against forget, retention and a rescan, retention that forgets at the destination,
orphans adopted and UUIDs reassigned (local, and the real SFTP and S3 servers of the fixtures)."""

from __future__ import annotations

import pytest

from core.app import accounts, backups, destinations, jobs, settings
from core.app.context import AppContext
from core.errors import ConfirmationRequired, NotFoundError
from core.support.clock import ManualClock
from tests.core.accounts.treegen import make_tree
from tests.server_fixtures import make_case


@pytest.fixture
def clocked(home):
    clock = ManualClock("2027-01-10T12:00:00Z")
    ctx = AppContext(home, clock=clock)
    yield ctx, clock
    ctx.close()


def add_dest(ctx, kind: str, tmp_path, request, name: str = "repo"):
    from core.destinations import secret_name

    case = make_case(kind, tmp_path, request, name=name)
    secret = case.secrets.get(secret_name(name))
    if secret:
        ctx.secrets.set(secret_name(name), secret)
    ctx.catalog.destinations.add(case.config)
    return case


def alice(ctx, tmp_path, name="alice", folder=None):
    home = make_tree(tmp_path / (folder or name), files=12, big=0, seed=3)
    return accounts.add_account(ctx, accounts.AddAccount(name, str(home)))


def test_on_demand_backups_stop_at_the_maximum_and_expire(clocked, tmp_path, request):
    ctx, clock = clocked
    add_dest(ctx, "local", tmp_path, request)
    alice(ctx, tmp_path)
    settings.set_backup_settings(ctx, settings.SetBackupSettings(ondemand_max=2, ondemand_ttl_days=7))
    first = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
    clock.advance(minutes=1)
    backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
    with pytest.raises(backups.OnDemandLimitError) as err:
        backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
    assert err.value.kind == "ondemand_limit" and "(2)" in err.value.message
    entry = ctx.catalog.backups.get(first.backup_id)
    assert entry.kind == "on-demand" and entry.job is None and entry.expires_at.startswith("2027-01-17")
    accounts.edit_account(ctx, accounts.EditAccount("alice", max_on_demand=3))       # the account's own maximum
    backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
    clock.advance(days=8)                                                             # all three expired
    run = backups.run_retention(ctx, backups.RunRetention())
    assert len(run.removed) == 3 and backups.list_backups(ctx, backups.ListBackups("alice")).backups == []
    backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))             # room again


@pytest.mark.parametrize("kind", ["local", "sftp", "s3"])
def test_a_lock_holds_against_forget_retention_and_a_rescan(clocked, tmp_path, request, kind):
    ctx, clock = clocked
    add_dest(ctx, kind, tmp_path, request)
    alice(ctx, tmp_path)
    made = []
    for _ in range(3):
        made.append(backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files")))
        clock.advance(minutes=1)
    locked = made[0].backup_id
    backups.lock_backup(ctx, backups.LockBackup(locked, until="30d", reason="legal hold"))
    with pytest.raises(Exception) as err:
        backups.forget_backup(ctx, backups.ForgetBackup(locked, confirmed=True))
    assert err.value.kind == "backup_locked"
    settings.set_backup_settings(ctx, settings.SetBackupSettings(ondemand_keep=1))
    run = backups.run_retention(ctx, backups.RunRetention())
    assert run.removed == (made[1].backup_id,)          # the locked one does not count; the newest is kept
    left = [b.id for b in backups.list_backups(ctx, backups.ListBackups("alice")).backups]
    assert locked in left and made[2].backup_id in left and made[1].backup_id not in left
    # a fresh catalog rediscovers the backups at the destination, the lock with them
    with ctx.catalog.write() as c:
        for b in ctx.catalog.backups.list():
            ctx.catalog.backups.remove(b.id, conn=c)
    destinations.scan_destination(ctx, destinations.ScanDestination("repo"))
    again = ctx.catalog.backups.get(locked)
    assert again.locked and again.lock_reason == "legal hold" and again.locked_until.startswith("2027-02-09")
    assert ctx.catalog.backups.find(made[1].backup_id) is None            # forgotten at the destination too
    clock.advance(days=31)                                                # the lock expired
    backups.forget_backup(ctx, backups.ForgetBackup(locked, confirmed=True))
    with pytest.raises(NotFoundError):
        backups.show_backup(ctx, backups.BackupRef(locked))


def test_job_rotation_forgets_only_the_jobs_own_backups(clocked, tmp_path, request):
    ctx, clock = clocked
    add_dest(ctx, "local", tmp_path, request)
    alice(ctx, tmp_path)
    jobs.add_job(ctx, jobs.JobSpec("nightly", destination="repo", accounts="all", items="files",
                                   schedule="daily@02:00", timezone="UTC", keep=2))
    made = []
    for _ in range(4):
        made.append(backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files", job="nightly")).backup_id)
        clock.advance(days=1)
    on_demand = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files")).backup_id
    dry = backups.run_retention(ctx, backups.RunRetention(dry_run=True))
    assert {d.backup_id for d in dry.decisions if d.action == "remove"} == set(made[:2]) and dry.removed == ()
    assert len(ctx.catalog.backups.list()) == 5
    run = backups.run_retention(ctx, backups.RunRetention())
    assert sorted(run.removed) == sorted(made[:2])
    assert {b.id for b in ctx.catalog.backups.list()} == {made[2], made[3], on_demand}
    objects = {p.name for p in (tmp_path / "dest").rglob("*") if "/snapshots/" in str(p)}
    assert objects == {made[2], made[3], on_demand}


@pytest.mark.parametrize("kind", ["sftp", "s3"])
def test_orphans_are_listed_and_adopted_and_uuids_reassigned(clocked, tmp_path, request, kind):
    ctx, clock = clocked
    add_dest(ctx, kind, tmp_path, request)
    first = alice(ctx, tmp_path)
    old_backup = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files")).backup_id
    accounts.delete_account(ctx, accounts.DeleteAccount("alice", confirmed=True))
    orphans = accounts.list_orphans(ctx)
    assert [(o.account_id, o.username, o.backups) for o in orphans] == [(first.id, "alice", 1)]
    listed = backups.list_backups(ctx, backups.ListBackups("alice"))            # by former username
    assert listed.account is None and [b.id for b in listed.backups] == [old_backup]
    assert [b.id for b in backups.list_backups(ctx, backups.ListBackups(first.id)).backups] == [old_backup]
    # the username is recreated: the old UUID's backups are assignable to the new account
    second = alice(ctx, tmp_path, "alice", folder="alice-again")
    backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
    assignable = accounts.list_assignable(ctx)
    assert [(a.username, a.account_id, a.uuids) for a in assignable] == [("alice", second.id, (first.id,))]
    accounts.reassign(ctx, accounts.Reassign(first.id, "alice"))
    assert accounts.list_assignable(ctx) == [] and accounts.list_orphans(ctx) == []
    mine = backups.list_backups(ctx, backups.ListBackups("alice"))
    assert old_backup in [b.id for b in mine.backups] and len(mine.backups) == 2
    out = tmp_path / "out"                 # a reassigned backup restores under its own key
    done = backups.restore_backup(ctx, backups.RestoreBackup(old_backup, "files", "merge", to=str(out)))
    assert done.ok and any(out.iterdir())


def test_an_orphan_is_adopted_into_a_new_account_and_forgotten_after_14_days(clocked, tmp_path, request):
    ctx, clock = clocked
    add_dest(ctx, "local", tmp_path, request)
    bob = alice(ctx, tmp_path, "bob")
    bid = backups.backup_now(ctx, backups.BackupNow("bob", "repo", "files")).backup_id
    accounts.delete_account(ctx, accounts.DeleteAccount("bob", confirmed=True))
    home = tmp_path / "robert"
    home.mkdir()
    adopted = accounts.adopt_orphan(ctx, accounts.AdoptOrphan(bob.id, "robert", str(home)))
    assert adopted.id == bob.id and adopted.status == "active" and accounts.list_orphans(ctx) == []
    assert [b.id for b in backups.list_backups(ctx, backups.ListBackups("robert")).backups] == [bid]
    # an orphan whose backups are all gone leaves the list after 14 days
    accounts.delete_account(ctx, accounts.DeleteAccount("robert", confirmed=True))
    assert len(accounts.list_orphans(ctx)) == 1
    ctx.catalog.backups.remove(bid)
    assert accounts.list_orphans(ctx) == [] and ctx.catalog.orphans.find(bob.id) is not None
    clock.advance(days=15)
    accounts.list_orphans(ctx)
    assert ctx.catalog.orphans.find(bob.id) is None


def test_restore_conditions_must_be_accepted(clocked, tmp_path, request):
    ctx, _clock = clocked
    add_dest(ctx, "local", tmp_path, request)
    alice(ctx, tmp_path)
    bid = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files")).backup_id
    backups.add_condition(ctx, backups.AddCondition("Files newer than the backup are overwritten."))
    req = backups.RestoreBackup(bid, "files", "merge", to=str(tmp_path / "o"))
    with pytest.raises(ConfirmationRequired) as err:
        backups.restore_backup(ctx, req)
    assert err.value.kind == "conditions_not_accepted" and "newer than the backup" in err.value.message
    assert not (tmp_path / "o").exists()
    dry = backups.restore_backup(ctx, backups.RestoreBackup(bid, "files", "merge", to=str(tmp_path / "o"),
                                                            dry_run=True))
    assert [c.text for c in dry.conditions] == ["Files newer than the backup are overwritten."]
    done = backups.restore_backup(ctx, backups.RestoreBackup(bid, "files", "merge", to=str(tmp_path / "o"),
                                                             accept_conditions=True))
    assert done.ok


