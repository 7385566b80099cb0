"""Keys that outlive the machine: recovery slots on app-held keys, owner-held write-only keys (the
app backs up unattended, only the owner reads), and reading repositories of format 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.accounts.backup import backup_account, backup_needs_owner_secret
from core.accounts.keys import Credentials
from core.accounts.restore import restore_backup
from core.accounts.scan import scan_destination
from core.accounts.verify import verify_backup
from core.destinations import DestinationConfig
from core.errors import IntegrityError, PassphraseRequired, WrongPasswordError
from tests.core.accounts.treegen import make_tree, snapshot_of

PASS = "correct horse battery staple"


@pytest.fixture
def recovery(ctx):
    from core.bundle.keys import format_public_key, generate_recovery_key

    private, public = generate_recovery_key()
    ctx.settings.set("recovery/public_key", format_public_key(public))
    return private


@pytest.fixture
def fresh(tmp_path):
    """A second installation (new home, empty catalog and secrets) pointed at the same repository."""
    from core.app.context import AppContext
    from core.home import AppHome

    context = AppContext(AppHome.resolve(tmp_path / "home2"))
    context.catalog.destinations.add(DestinationConfig("repo", "local", {"path": str(tmp_path / "repo")}))
    yield context
    context.close()


def _key_doc(tmp_path: Path, account_id: str) -> dict:
    return json.loads((tmp_path / "repo" / "accounts" / account_id / "key").read_text())


# --- recovery slots --------------------------------------------------------------------------------
def test_a_fresh_installation_restores_app_held_backups_with_the_recovery_key(ctx, account, local_dest,
                                                                              recovery, fresh, tmp_path):
    r = backup_account(ctx, "alice", "repo", destination=local_dest)
    assert "recovery" in _key_doc(tmp_path, account.id)
    found = scan_destination(fresh, "repo")
    assert found.backups_added == 1 and found.unknown_accounts == (account.id,)
    with pytest.raises(PassphraseRequired):      # no key in this installation, none given
        restore_backup(fresh, r.backup_id, items="files", to=str(tmp_path / "out"))
    out = restore_backup(fresh, r.backup_id, items="files", to=str(tmp_path / "out"),
                         credentials=Credentials(recovery=recovery))
    assert out.ok and snapshot_of(tmp_path / "out") == snapshot_of(Path(account.home_dir))
    assert fresh.catalog.backups.get(r.backup_id).status == "complete"


def test_a_wrong_recovery_key_is_a_clear_refusal(ctx, account, local_dest, recovery, fresh, tmp_path):
    from core.bundle.keys import generate_recovery_key

    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="account")
    scan_destination(fresh, "repo")
    with pytest.raises(WrongPasswordError) as info:
        restore_backup(fresh, r.backup_id, items="account", credentials=Credentials(recovery=generate_recovery_key()[0]))
    assert info.value.kind == "wrong_recovery_key"


def test_a_recovery_key_configured_later_reaches_existing_keys(ctx, account, local_dest, tmp_path, fresh):
    r1 = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    assert "recovery" not in _key_doc(tmp_path, account.id)
    from core.bundle.keys import format_public_key, generate_recovery_key

    private, public = generate_recovery_key()
    ctx.settings.set("recovery/public_key", format_public_key(public))
    backup_account(ctx, "alice", "repo", destination=local_dest, items="account")
    assert "recovery" in _key_doc(tmp_path, account.id)
    scan_destination(fresh, "repo")
    out = restore_backup(fresh, r1.backup_id, items="files", to=str(tmp_path / "out"),
                         credentials=Credentials(recovery=private))      # the older backup opens too
    assert out.ok


def test_an_exported_account_key_opens_the_backups_elsewhere(ctx, account, local_dest, fresh, tmp_path):
    from core.accounts.kit import account_key_kit, parse_account_key_text

    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    kit = account_key_kit(ctx, "alice")
    assert account.id in kit.html and "alice" in kit.html and "UVACC1-" in kit.html
    key = parse_account_key_text(kit.html)
    scan_destination(fresh, "repo")
    out = restore_backup(fresh, r.backup_id, items="files", to=str(tmp_path / "out"),
                         credentials=Credentials(account_key=key))
    assert out.ok and snapshot_of(tmp_path / "out") == snapshot_of(Path(account.home_dir))


# --- owner-held, write-only keys -----------------------------------------------------------------------
@pytest.fixture
def owen(ctx, tmp_path):
    home = make_tree(tmp_path / "owen-home", files=60, big=1, seed=4)
    return ctx.catalog.accounts.add("owen", str(home), encryption="owner")


def test_owner_held_backups_run_unattended_after_the_first(ctx, owen, local_dest, tmp_path):
    assert backup_needs_owner_secret(ctx, "owen", "repo", destination=local_dest)
    first = backup_account(ctx, "owen", "repo", destination=local_dest, passphrase=PASS)
    assert not backup_needs_owner_secret(ctx, "owen", "repo", destination=local_dest)
    regular = sum(1 for p in Path(owen.home_dir).rglob("*") if p.is_file() and not p.is_symlink())
    (Path(owen.home_dir) / "new.txt").write_text("written after the first backup\n")
    second = backup_account(ctx, "owen", "repo", destination=local_dest)          # no passphrase
    assert first.reused_files == 0 and second.reused_files == regular            # incremental, nothing re-read
    assert second.new_blobs == 1
    out = restore_backup(ctx, second.backup_id, items="files", to=str(tmp_path / "out"), destination=local_dest,
                         passphrase=PASS)
    assert out.ok and snapshot_of(tmp_path / "out") == snapshot_of(Path(owen.home_dir))


def test_what_the_app_holds_cannot_read_an_owner_held_backup(ctx, owen, local_dest, tmp_path):
    r = backup_account(ctx, "owen", "repo", destination=local_dest, passphrase=PASS)
    held = ctx.secrets.get(f"account-key.{owen.id}")
    assert PASS.encode() not in held
    with pytest.raises(PassphraseRequired):
        restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest)
    with pytest.raises(PassphraseRequired):
        verify_backup(ctx, r.backup_id, read_data=True, destination=local_dest)
    # structure: checked with what the app holds (header tag, cache), no passphrase needed
    assert verify_backup(ctx, r.backup_id, destination=local_dest).ok
    assert verify_backup(ctx, r.backup_id, read_data=True, destination=local_dest, passphrase=PASS).ok
    # the write secret opens indexes and the cache, never a blob, the manifest or the metadata
    from core.accounts.opened import use_destination
    from core.accounts.repository import Repository

    with use_destination(ctx, "repo", local_dest) as dest:
        repo = Repository(dest, "repo")
        keys = repo.unlock(owen.id, ctx.secrets)
        assert not keys.can_read_content
        with pytest.raises(PassphraseRequired):
            repo.read_backup(keys, r.backup_id)
        with pytest.raises(PassphraseRequired):
            repo.read_meta(keys)


def test_the_owner_reads_from_a_fresh_installation_with_the_passphrase(ctx, owen, local_dest, fresh, tmp_path):
    r = backup_account(ctx, "owen", "repo", destination=local_dest, passphrase=PASS)
    scan_destination(fresh, "repo")
    with pytest.raises(WrongPasswordError):
        restore_backup(fresh, r.backup_id, items="files", to=str(tmp_path / "o"), passphrase="not it")
    out = restore_backup(fresh, r.backup_id, items="files,account", to=str(tmp_path / "o"), passphrase=PASS)
    assert out.ok and snapshot_of(tmp_path / "o") == snapshot_of(Path(owen.home_dir))


def test_an_owner_key_file_instead_of_a_passphrase(ctx, owen, local_dest, tmp_path):
    from core.accounts.keys import format_owner_key, generate_owner_key, parse_owner_key

    raw = generate_owner_key()
    owner_key = parse_owner_key(format_owner_key(raw))
    r = backup_account(ctx, "owen", "repo", destination=local_dest, credentials=Credentials(owner_key=owner_key))
    backup_account(ctx, "owen", "repo", destination=local_dest, items="account")
    with pytest.raises(PassphraseRequired):
        restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest,
                       passphrase=PASS)        # this owner reads with a key file
    out = restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest,
                         credentials=Credentials(owner_key=owner_key))
    assert out.ok


def test_a_swapped_owner_key_object_stops_the_backup(ctx, owen, local_dest, tmp_path):
    """The destination replaces the key object by one for its own key pair: new backups would be
    readable by the attacker, so the app refuses to write."""
    from core.accounts.keys import new_owner_writer

    backup_account(ctx, "owen", "repo", destination=local_dest, passphrase=PASS)
    forged = new_owner_writer(owen.id, Credentials(passphrase="attacker's own"))
    key = tmp_path / "repo" / "accounts" / owen.id / "key"
    key.write_text(json.dumps(forged.key_doc(owen.id)))
    with pytest.raises(IntegrityError):
        backup_account(ctx, "owen", "repo", destination=local_dest)


def test_a_forged_write_secret_does_not_fool_the_owner(ctx, owen, local_dest, fresh, tmp_path):
    """The owner's public key is public: anyone can seal a write secret to it, but not make its tag."""
    import base64

    from core.accounts.crypto import seal_to
    from core.accounts.keys import WRITE_SECRET_INFO, _wrap_ad

    r = backup_account(ctx, "owen", "repo", destination=local_dest, passphrase=PASS)
    key = tmp_path / "repo" / "accounts" / owen.id / "key"
    doc = json.loads(key.read_text())
    public = base64.b64decode(doc["owner_public"])
    doc["write_secret"] = base64.b64encode(seal_to(public, b"\x01" * 32, WRITE_SECRET_INFO,
                                                   _wrap_ad(owen.id, "owner-write"))).decode()
    key.write_text(json.dumps(doc))
    scan_destination(fresh, "repo")
    with pytest.raises(IntegrityError):
        restore_backup(fresh, r.backup_id, items="files", to=str(tmp_path / "o"), passphrase=PASS)


# --- format 1 is still read -------------------------------------------------------------------------
V1 = Path(__file__).resolve().parents[2] / "vectors" / "repository-v1"


def _listing(root: Path) -> dict:
    import hashlib
    import os

    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = ["l", os.readlink(p)]
        elif p.is_dir():
            out[rel] = ["d", p.stat().st_mode & 0o7777]
        else:
            out[rel] = ["f", p.stat().st_mode & 0o7777, hashlib.sha256(p.read_bytes()).hexdigest()]
    return out


def test_a_version_1_repository_is_still_read_and_moved_to_version_2(ctx, tmp_path, local_dest):
    """Real version-1 bytes (tests/vectors/repository-v1, made by the version-1 writer): an owner key of
    format 1 and an app key of format 1; scanned, verified, restored; the next backup moves the marker."""
    import shutil

    shutil.copytree(V1 / "repo", tmp_path / "repo", dirs_exist_ok=True)
    expected = json.loads((V1 / "expected.json").read_text())
    vera, alma, phrase = expected["vera"], expected["alma"], expected["passphrase"]
    ctx.secrets.set(f"account-key.{alma['id']}", (V1 / "alma.app-key").read_bytes())
    found = scan_destination(ctx, "repo", destination=local_dest)
    assert found.backups_added == 2 and found.problems == ()
    assert verify_backup(ctx, vera["backup"], read_data=True, destination=local_dest, passphrase=phrase).ok
    assert verify_backup(ctx, alma["backup"], read_data=True, destination=local_dest).ok
    for who, kw in ((vera, {"passphrase": phrase}), (alma, {})):
        out = tmp_path / f"out-{who['id']}"
        res = restore_backup(ctx, who["backup"], items="files", to=str(out), destination=local_dest, **kw)
        assert res.ok and _listing(out) == expected["files"]
    restore_backup(ctx, alma["backup"], items="account", destination=local_dest)       # the account comes back
    ctx.catalog.accounts.edit(alma["id"], home_dir=str(tmp_path / f"out-{alma['id']}"))
    marker = tmp_path / "repo" / "unitvault-repo.json"
    assert json.loads(marker.read_text())["version"] == 1
    r2 = backup_account(ctx, "alma", "repo", destination=local_dest, items="files")
    assert json.loads(marker.read_text())["version"] == 2
    res = restore_backup(ctx, r2.backup_id, items="files", to=str(tmp_path / "again"), destination=local_dest)
    assert res.ok and _listing(tmp_path / "again") == expected["files"]
    assert r2.new_blobs == 0            # everything deduplicated against the version-1 packs


def test_a_newer_repository_is_refused(ctx, account, local_dest, tmp_path):
    from core.errors import NewerVersionError

    backup_account(ctx, "alice", "repo", destination=local_dest, items="account")
    (tmp_path / "repo" / "unitvault-repo.json").write_text('{"format": "unitvault-repository", "version": 3}')
    with pytest.raises(NewerVersionError):
        backup_account(ctx, "alice", "repo", destination=local_dest, items="account")


# --- reset -------------------------------------------------------------------------------------------
def test_reset_needs_the_typed_username_and_deletes_every_backup_made_with_the_old_key(ctx, account, local_dest,
                                                                                      tmp_path):
    from core.accounts.rekey import reset_account_key
    from core.errors import ConfirmationRequired

    (tmp_path / "repo2").mkdir()
    ctx.catalog.destinations.add(DestinationConfig("repo2", "local", {"path": str(tmp_path / "repo2")}))
    backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    backup_account(ctx, "alice", "repo", destination=local_dest, items="account")
    backup_account(ctx, "alice", "repo2", items="account")
    ctx.catalog.accounts.add("bob", str(make_tree(tmp_path / "b", files=3, big=0)))
    kept = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    old_key = ctx.secrets.get(f"account-key.{account.id}")
    for wrong in ("", "ALICE", "bob"):
        with pytest.raises(ConfirmationRequired):
            reset_account_key(ctx, "alice", confirm=wrong)
    assert len(ctx.catalog.backups.list(account.id)) == 3            # nothing changed
    res = reset_account_key(ctx, "alice", confirm="alice")
    assert res.deleted_backups == 3 and set(res.destinations) == {"repo", "repo2"}
    assert ctx.catalog.backups.list(account.id) == []
    for root in (tmp_path / "repo", tmp_path / "repo2"):
        assert not (root / "accounts" / account.id).exists() or not any(
            p.is_file() for p in (root / "accounts" / account.id).rglob("*"))
    assert ctx.secrets.get(f"account-key.{account.id}") not in (None, old_key)
    # other accounts are untouched, and the account backs up again under its new key
    assert restore_backup(ctx, kept.backup_id, items="files", to=str(tmp_path / "b-out"), destination=local_dest).ok
    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    assert restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "out"), destination=local_dest).ok


def test_reset_of_an_owner_held_key(ctx, owen, local_dest, tmp_path):
    from core.accounts.rekey import reset_account_key

    backup_account(ctx, "owen", "repo", destination=local_dest, passphrase=PASS)
    res = reset_account_key(ctx, "owen", confirm="owen")
    assert res.deleted_backups == 1 and not res.new_key_ready
    with pytest.raises(PassphraseRequired):
        backup_account(ctx, "owen", "repo", destination=local_dest)
    r = backup_account(ctx, "owen", "repo", destination=local_dest, passphrase="a new passphrase")
    with pytest.raises(WrongPasswordError):
        restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest,
                       passphrase=PASS)
    assert restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest,
                          passphrase="a new passphrase").ok


def test_a_new_installation_takes_over_the_backups_after_a_recovery(ctx, account, local_dest, recovery, fresh,
                                                                    tmp_path):
    """Restore the account on a new machine with the recovery key, then keep backing it up there:
    the first backup adopts the key (a new app key wraps the same data key), the next ones run
    unattended, and the old backups stay readable."""
    old = backup_account(ctx, "alice", "repo", destination=local_dest, items="account,files")
    scan_destination(fresh, "repo")
    restore_backup(fresh, old.backup_id, items="account", credentials=Credentials(recovery=recovery))
    fresh.catalog.accounts.edit(account.id, home_dir=account.home_dir)
    with pytest.raises(PassphraseRequired):
        backup_account(fresh, "alice", "repo", items="files")
    new = backup_account(fresh, "alice", "repo", items="files", credentials=Credentials(recovery=recovery))
    assert new.new_blobs == 0 and new.reused_files > 0           # incremental on top of the old backups
    again = backup_account(fresh, "alice", "repo", items="files")  # unattended from now on
    for bid in (old.backup_id, new.backup_id, again.backup_id):
        out = tmp_path / f"out-{bid}"
        assert restore_backup(fresh, bid, items="files", to=str(out)).ok
        assert snapshot_of(out) == snapshot_of(Path(account.home_dir))
    assert "recovery" in _key_doc(tmp_path, account.id)            # the slot survived the takeover
