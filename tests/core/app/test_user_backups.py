"""User-configured backups: a user of an account whose plan enables the Backups module chooses their
own destination, schedule, items and limits, and backs up and restores; their destination's
credentials and their backups' key are sealed with their password, so an admin cannot read them or
restore those backups, whichever path they try: the use cases, the catalog, the secrets store, the
destination itself, the organisation's recovery key."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from core.app import backups, mybackups, settings, users
from core.app.context import AppContext
from core.errors import UnitvaultError
from core.support.clock import ManualClock
from tests.governed import PASSWORDS, build

NOTE = b"the secret garden"


@pytest.fixture
def clock():
    return ManualClock("2027-05-03T08:00:00Z")


@pytest.fixture
def g(home, tmp_path, clock):
    ctx = AppContext(home, clock=clock)
    g = build(ctx, tmp_path)
    # the organisation's recovery key is configured: app-held backups get a slot for it
    from core.bundle import format_private_key, format_public_key, generate_recovery_key

    private, public = generate_recovery_key()
    g.recovery = tmp_path / "recovery.key"
    g.recovery.write_text(format_private_key(private) + "\n")
    (tmp_path / "recovery.pub").write_text(format_public_key(public) + "\n")
    settings.use_recovery_key(ctx, settings.UseRecoveryKey(str(tmp_path / "recovery.pub")), actor=g.sign_in("boss"))
    yield g
    ctx.close()


def _alice_backs_up(g, tmp_path, **limits):
    alice = g.as_user("alice")
    g.ctx.backup_token = g.token("alice")
    dest = tmp_path / "alice-own-dest"
    mybackups.set_my_destination(g.ctx, mybackups.SetMyDestination("local", path=str(dest)), actor=alice)
    mybackups.set_my_backups(g.ctx, mybackups.SetMyBackups(items="files,units", schedule="daily@03:00",
                                                           timezone="UTC", **limits), actor=alice)
    made = mybackups.run_my_backup(g.ctx, actor=alice)
    return alice, dest, made


def test_a_user_configures_runs_and_restores_their_own_backups(g, tmp_path, clock):
    alice, dest, made = _alice_backs_up(g, tmp_path)
    shown = mybackups.show_my_backups(g.ctx, actor=alice)
    assert shown.location == str(dest) and shown.vault_open and shown.config.items == ("units", "files")
    assert shown.config.last_run == "2027-05-03T08:00:00.000000Z" and shown.next_run == "2027-05-04T03:00:00.000000Z"
    entry = g.ctx.catalog.backups.get(made.backup_id)
    assert entry.destination == "user.alice" and entry.encryption == "app"
    listed = backups.list_backups(g.ctx, backups.ListBackups("alice"), actor=alice)
    assert [b.id for b in listed.backups] == [made.backup_id]
    out = tmp_path / "restored"
    done = backups.restore_backup(g.ctx, backups.RestoreBackup(made.backup_id, "files", "merge", to=str(out)),
                                  actor=alice)
    assert done.ok and (out / "docs" / "note.txt").read_bytes().endswith(NOTE + b"\n")
    dl = backups.download_backup(g.ctx, backups.DownloadBackup(made.backup_id, "files", out_dir=str(tmp_path / "dl")),
                                 actor=alice)
    assert dl and Path(dl[0].path).exists()
    assert backups.verify_backup(g.ctx, backups.VerifyBackup(made.backup_id, read_data=True), actor=alice).ok
    # the schedule: not due before 03:00 tomorrow, due after
    assert mybackups.run_my_due(g.ctx, actor=alice) is None
    clock.set("2027-05-04T03:00:01Z")
    again = mybackups.run_my_due(g.ctx, actor=alice)
    assert again is not None and again.backup_id != made.backup_id
    # bob (no Backups module) cannot touch hers
    bob = g.sign_in("bob")
    from core.app.policy import PermissionDenied

    with pytest.raises(PermissionDenied):
        backups.restore_backup(g.ctx, backups.RestoreBackup(made.backup_id, "files", "merge", to=str(out)), actor=bob)


def test_resource_limits_are_applied(g, tmp_path, monkeypatch):
    import core.accounts.backup as backup_module
    import core.destinations as destinations_module

    seen = {}
    real_open, real_files = destinations_module.open_destination, backup_module.backup_files

    def spy_open(config, secrets=None, **kw):
        seen["bandwidth"] = kw.get("bandwidth_limit")
        return real_open(config, secrets, **kw)

    def spy_files(*args, **kw):
        seen["workers"] = args[6] if len(args) > 6 else kw.get("workers")
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        seen["thread"] = threading.current_thread().name
        return real_files(*args, **kw)

    monkeypatch.setattr(destinations_module, "open_destination", spy_open)
    monkeypatch.setattr(backup_module, "backup_files", spy_files)
    base = os.getpriority(os.PRIO_PROCESS, 0)
    _alice_backs_up(g, tmp_path, bandwidth="10M", workers=2, cpu_priority=7)
    assert seen["bandwidth"] == 10 * 1024 * 1024 and seen["workers"] == 2
    assert seen["thread"] == "uv-user-backup" and seen["nice"] == min(19, base + 7)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base      # this thread untouched
    with pytest.raises(UnitvaultError):
        mybackups.set_my_backups(g.ctx, mybackups.SetMyBackups(workers=99), actor=g.sign_in("alice"))
    with pytest.raises(UnitvaultError):
        mybackups.set_my_backups(g.ctx, mybackups.SetMyBackups(cpu_priority=20), actor=g.sign_in("alice"))


def _catalog_dump(g) -> bytes:
    con = sqlite3.connect(g.ctx.home.catalog_url.split("///", 1)[1])
    out = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        for row in con.execute(f'SELECT * FROM "{table}"'):
            out.append(repr(row).encode())
    con.close()
    return b"\n".join(out)


def _files_under(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_an_admin_cannot_read_or_restore_a_users_own_backups(g, tmp_path):
    import base64

    from core.accounts.opened import open_backup
    from core.accounts.repository import app_secret_name
    from core.app.backups import KeyFiles, credentials
    from core.governance import vault

    alice, dest, made = _alice_backs_up(g, tmp_path)
    sealed = g.ctx.catalog.users.vault(alice.user_id)
    inside = vault.VaultSecrets(vault.open_vault(alice.vault_key, alice.user_id, sealed))   # what only she can see
    account_id = g.ctx.catalog.accounts.get("alice").id
    key = inside.get(app_secret_name(account_id))
    assert key is not None and len(key) == 32

    boss = g.as_user("boss")
    g.ctx.backup_token = g.token("boss")
    # 1. the use cases refuse, and say why
    for call in (
            lambda: backups.restore_backup(g.ctx, backups.RestoreBackup(made.backup_id, "files", "merge",
                                                                        to=str(tmp_path / "x")), actor=boss),
            lambda: backups.download_backup(g.ctx, backups.DownloadBackup(made.backup_id, "files",
                                                                          out_dir=str(tmp_path / "y")), actor=boss),
            lambda: backups.verify_backup(g.ctx, backups.VerifyBackup(made.backup_id, read_data=True), actor=boss),
            lambda: backups.backup_now(g.ctx, backups.BackupNow("alice", "user.alice", "files"), actor=boss),
            lambda: backups.prune_destination(g.ctx, backups.PruneDestination("user.alice"), actor=boss)):
        with pytest.raises(mybackups.SealedForUser) as err:
            call()
        assert "only alice" in err.value.message or "theirs" in err.value.message
    # 2. the catalog: no key, no secret, nothing of the note; the vault is ciphertext only
    dump = _catalog_dump(g)
    for secret in (key, base64.b64encode(key), key.hex().encode(), NOTE):
        assert secret not in dump
    # 3. the secrets store: the admin's holds no key of alice's own backups (files or keyring alike)
    assert g.ctx.secrets.get(app_secret_name(account_id)) != key
    secret_files = _files_under(g.ctx.home.secrets_dir)
    for secret in (key, base64.b64encode(key), NOTE):
        assert secret not in secret_files
    # 4. the destination, read directly with every key the admin holds: nothing opens, nothing is in the clear
    assert NOTE not in _files_under(dest) and b"note.txt" not in _files_under(dest)
    with pytest.raises(UnitvaultError):
        open_backup(g.ctx, made.backup_id, credentials=credentials(None, KeyFiles()))
    with pytest.raises(UnitvaultError):
        open_backup(g.ctx, made.backup_id, credentials=credentials(None, KeyFiles(recovery_key_file=str(g.recovery))))
    key_doc = (dest / "accounts" / account_id / "key").read_text()
    assert '"recovery"' not in key_doc                      # no slot for the organisation's recovery key
    # 5. the vault, with guesses at her password
    for guess in ("", "alice", PASSWORDS["boss"], "alice-password-2"):
        with pytest.raises(UnitvaultError):
            vault.open_vault(vault.key_for(sealed, guess), alice.user_id, sealed)
    # 6. resetting her password: the vault goes, and with it every way in, for her too
    users.edit_user(g.ctx, users.EditUser("alice", password="new-password-99", reason="locked out"), actor=boss)
    again = users.sign_in(g.ctx, users.SignIn("alice", "new-password-99"))
    with pytest.raises(UnitvaultError):
        backups.restore_backup(g.ctx, backups.RestoreBackup(made.backup_id, "files", "merge", to=str(tmp_path / "z")),
                               actor=again)


def test_her_s3_credentials_live_only_in_her_vault(g, tmp_path, s3_server):
    import base64

    from core.destinations import secret_name

    alice = g.as_user("alice")
    secret = b"alice-own-s3-secret-7f3c"       # (the fixture's server takes any; its own equals the key id)
    params = s3_server.params("alice-own")
    mybackups.set_my_destination(g.ctx, mybackups.SetMyDestination(
        "s3", bucket=params["bucket"], endpoint=params.get("endpoint"), prefix=params.get("prefix"),
        region=params.get("region"), access_key_id=params["access_key_id"], secret=secret), actor=alice)
    g.ctx.backup_token = g.token("alice")
    made = mybackups.run_my_backup(g.ctx, actor=alice)
    assert made.files >= 1
    assert g.ctx.secrets.get(secret_name("user.alice")) is None          # not in the app's secrets store
    dump = _catalog_dump(g)
    assert secret not in dump and base64.b64encode(secret) not in dump
    assert secret not in _files_under(g.ctx.home.secrets_dir)
    shown = mybackups.show_my_backups(g.ctx, actor=alice)
    assert shown.has_secret and shown.vault_open


def test_without_her_password_even_she_cannot(g, tmp_path):
    alice, dest, made = _alice_backs_up(g, tmp_path)
    users.start_session(g.ctx, actor=alice)
    by_session = users.resume_session(g.ctx)                     # signed in, but no password typed
    from core.governance.vault import VaultLocked

    g.ctx.backup_token = g.token("alice")
    with pytest.raises(VaultLocked):
        mybackups.run_my_backup(g.ctx, actor=by_session)
    assert not mybackups.show_my_backups(g.ctx, actor=by_session).vault_open
