"""Backup then restore of a generated home tree: identical contents, modes, mtimes and links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.accounts.backup import backup_account
from core.accounts.opened import open_backup
from core.accounts.restore import restore_backup
from core.errors import PassphraseRequired, WrongPasswordError
from tests.core.accounts.treegen import make_tree, snapshot_of


def test_backup_then_restore_is_identical(ctx, account, local_dest, tmp_path):
    result = backup_account(ctx, "alice", "repo", destination=local_dest)
    assert result.files > 200 and result.new_data > 0
    listed = ctx.catalog.backups.list(account.id)
    assert [s.id for s in listed] == [result.backup_id]
    out = tmp_path / "restored"
    r = restore_backup(ctx, result.backup_id, items="files", to=str(out), destination=local_dest)
    assert r.ok and r.files.failed == ()
    assert snapshot_of(out) == snapshot_of(Path(account.home_dir))


def test_objects_are_encrypted_and_names_are_keyed(ctx, account, local_dest, tmp_path):
    backup_account(ctx, "alice", "repo", destination=local_dest)
    needle = b"same content\n"
    for path in (tmp_path / "repo").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert needle not in data and b"alice" not in data.replace(b"alice-home", b"")
    import hashlib

    plain_hash = hashlib.sha256(needle * 100).hexdigest()
    assert not any(plain_hash in str(p) for p in (tmp_path / "repo").rglob("*"))


def test_second_backup_uploads_about_the_changed_share(ctx, tmp_path, local_dest):
    home_dir = make_tree(tmp_path / "h", files=400, big=1, big_size=8 << 20, seed=5)
    ctx.catalog.accounts.add("bob", str(home_dir))
    first = backup_account(ctx, "bob", "repo", destination=local_dest)
    # change 1% of the small files and a few bytes in the middle of the big one
    small = sorted(p for p in home_dir.rglob("file*.txt"))[:4]
    for p in small:
        p.write_bytes(p.read_bytes() + b" changed")
    big = home_dir / "big0.bin"
    data = bytearray(big.read_bytes())
    data[4 << 20:(4 << 20) + 10] = b"0123456789"
    big.write_bytes(bytes(data))
    before = local_dest.put_bytes
    second = backup_account(ctx, "bob", "repo", destination=local_dest)
    uploaded = local_dest.put_bytes - before
    assert second.reused_files == 404 - 5   # 400 small + big + 2 dups + empty, minus the 5 changed
    # one or two ~1 MiB chunks of the big file, the small files, the manifest: far below the 8 MiB file
    assert uploaded < 0.35 * first.new_data, (uploaded, first.new_data)
    assert second.new_data < 4 << 20
    out = tmp_path / "restored"
    restore_backup(ctx, second.backup_id, items="files", to=str(out), destination=local_dest)
    assert snapshot_of(out) == snapshot_of(home_dir)


def test_unchanged_files_are_not_read_again(ctx, account, local_dest, monkeypatch):
    backup_account(ctx, "alice", "repo", destination=local_dest)
    import core.accounts.backup_files as engine

    def refuse(*a, **k):
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(engine, "chunk_file", refuse)
    second = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    assert second.new_data == 0


def test_excludes_follow_gitignore_rules(ctx, tmp_path, local_dest):
    home_dir = tmp_path / "h"
    (home_dir / "cache" / "deep").mkdir(parents=True)
    (home_dir / "cache" / "deep" / "x").write_text("x")
    (home_dir / "keep.txt").write_text("k")
    (home_dir / "debug.log").write_text("l")
    (home_dir / "sub").mkdir()
    (home_dir / "sub" / "other.log").write_text("l")
    ctx.catalog.accounts.add("carol", str(home_dir), excludes=["cache/", "*.log", "!sub/other.log"])
    r = backup_account(ctx, "carol", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=local_dest)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["keep.txt", "sub", "sub/other.log"]


def test_merge_keeps_live_data_and_terminate_replaces(ctx, account, local_dest):
    home = Path(account.home_dir)
    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    (home / "dup-a.txt").write_text("live edit")
    (home / "new-live.txt").write_text("new")
    (home / "empty.txt").unlink()
    m = restore_backup(ctx, r.backup_id, items="files", mode="merge", destination=local_dest)
    assert (home / "dup-a.txt").read_text() == "live edit"       # live data wins
    assert (home / "empty.txt").exists()                         # what was missing comes back
    assert (home / "new-live.txt").exists()
    assert "dup-a.txt" in m.files.skipped
    restore_backup(ctx, r.backup_id, items="files", mode="terminate", suspend=True,
                     destination=local_dest)
    assert (home / "dup-a.txt").read_text() == "same content\n" * 100
    assert not (home / "new-live.txt").exists()
    assert ctx.catalog.accounts.get("alice").status == "suspended"


def test_restore_chosen_paths_only(ctx, account, local_dest, tmp_path):
    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    res = restore_backup(ctx, r.backup_id, items="files", paths=["empty-dir", "dup-b.txt"], to=str(out),
                           destination=local_dest)
    assert res.ok
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == [
        "dup-b.txt", "empty-dir", "empty-dir/nested-empty"]


def test_owner_held_key_needs_the_passphrase_once_and_only_the_owner_reads(ctx, tmp_path, local_dest):
    home_dir = make_tree(tmp_path / "h", files=20, big=0)
    ctx.catalog.accounts.add("olga", str(home_dir), encryption="owner")
    with pytest.raises(PassphraseRequired):
        backup_account(ctx, "olga", "repo", destination=local_dest)
    r = backup_account(ctx, "olga", "repo", destination=local_dest, passphrase="correct horse")
    held = ctx.secrets.get(f"account-key.{ctx.catalog.accounts.get('olga').id}")
    assert held is not None and b"correct horse" not in held        # a write secret, never the passphrase
    with pytest.raises(WrongPasswordError):
        restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest,
                       passphrase="wrong")
    with pytest.raises(PassphraseRequired):
        restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest)
    restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest,
                   passphrase="correct horse")
    assert snapshot_of(tmp_path / "o") == snapshot_of(home_dir)


def test_interrupted_backup_leaves_no_snapshot_and_rerun_resumes(ctx, tmp_path, local_dest):
    home_dir = make_tree(tmp_path / "h", files=50, big=3, big_size=7 << 20, seed=9)
    account = ctx.catalog.accounts.add("dave", str(home_dir))
    from core.accounts import packs

    old = packs.PACK_TARGET
    packs.PACK_TARGET = 4 << 20   # several packs, so the cut lands mid-run
    try:
        local_dest.fail_after_puts = 6
        with pytest.raises(Exception) as info:
            backup_account(ctx, "dave", "repo", destination=local_dest)
        assert "cut" in str(info.value)
        assert ctx.catalog.backups.list(account.id) == []
        assert not list((tmp_path / "repo").rglob("snapshots/*"))
        uploaded_before = local_dest.put_bytes
        assert uploaded_before > 0
        local_dest.fail_after_puts = None
        r = backup_account(ctx, "dave", "repo", destination=local_dest)
    finally:
        packs.PACK_TARGET = old
    assert r.new_data < sum(p.stat().st_size for p in home_dir.rglob("big*.bin")) - uploaded_before // 2
    restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest)
    assert snapshot_of(tmp_path / "o") == snapshot_of(home_dir)


def test_unit_item_streams_the_same_records(ctx, account, local_dest):
    from core.accounts.restore import BackupUnitSource
    from core.unit.digest import digest_sections, unit_digest
    from core.unit.records import SECTIONS

    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="units")
    snap = open_backup(ctx, r.backup_id, destination=local_dest)
    (item,) = snap.manifest["units"]
    source = BackupUnitSource(snap, item)
    per: dict = {s: [] for s in SECTIONS}
    for section, wire in source.records():
        per[section].append(wire)
    unit = ctx.units.get_unit("shop")
    assert digest_sections(per) == unit_digest(ctx.units, unit.id) == item["digest"]
    assert source.source_unit_name == "shop" and source.source_unit_id == unit.id


def test_account_settings_restore(ctx, account, local_dest):
    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="account")
    ctx.catalog.accounts.edit("alice", email="changed@example.org", units=[])
    restore_backup(ctx, r.backup_id, items="account", mode="merge", destination=local_dest)
    a = ctx.catalog.accounts.get("alice")
    assert a.email == "changed@example.org" and a.units == ("shop",)
    restore_backup(ctx, r.backup_id, items="account", mode="terminate", destination=local_dest)
    assert ctx.catalog.accounts.get("alice").email == "alice@example.org"


def test_scan_rediscovers_snapshots_in_a_fresh_catalog(ctx, account, local_dest, tmp_path):
    from core.accounts.scan import scan_destination
    from core.app.context import AppContext
    from core.destinations import DestinationConfig
    from core.home import AppHome

    r1 = backup_account(ctx, "alice", "repo", destination=local_dest)
    r2 = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    fresh = AppContext(AppHome.resolve(tmp_path / "fresh-home"))
    try:
        fresh.catalog.destinations.add(DestinationConfig("repo", "local", {"path": str(tmp_path / "repo")}))
        res = scan_destination(fresh, "repo")
        assert res.accounts == (account.id,) and res.unknown_accounts == (account.id,)
        assert (res.backups_found, res.backups_added) == (2, 2)
        ids = [s.id for s in fresh.catalog.backups.list(account.id)]
        assert sorted(ids) == sorted([r1.backup_id, r2.backup_id])
        assert scan_destination(fresh, "repo").backups_added == 0
    finally:
        fresh.close()


@pytest.mark.server
def test_backup_restore_on_every_destination(ctx, any_destination, tmp_path):
    from core.unit.seed import seed_unit

    home_dir = make_tree(tmp_path / "h", files=60, big=1, big_size=5 << 20, seed=2)
    seed_unit(ctx.units, "tiny", "small", 1)
    ctx.catalog.accounts.add("eve", str(home_dir), units=["tiny"])
    ctx.catalog.destinations.add(any_destination.config)
    dest = any_destination.open(retries=2, retry_base_delay=0.05)
    r = backup_account(ctx, "eve", any_destination.config.name, destination=dest)
    out = tmp_path / "o"
    restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=dest)
    assert snapshot_of(out) == snapshot_of(home_dir)
    from core.accounts.verify import verify_backup

    assert verify_backup(ctx, r.backup_id, read_data=True, destination=dest).ok
    assert os.path.exists(out / "big0.bin")


def test_units_restore_to_the_same_digest(ctx, account, local_dest):
    from core.unit.digest import unit_digest

    unit = ctx.units.get_unit("shop")
    before = unit_digest(ctx.units, unit.id)
    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="units")
    with ctx.units.write() as conn:
        ctx.units.wipe_section(conn, unit.id, "config_keys")
    assert unit_digest(ctx.units, unit.id) != before
    res = restore_backup(ctx, r.backup_id, items="units:shop", mode="terminate",
                           destination=local_dest)
    assert res.units == (("shop", "replaced"),)
    assert unit_digest(ctx.units, unit.id) == before
    # a single section, merged, into a unit that lost it
    with ctx.units.write() as conn:
        ctx.units.wipe_section(conn, unit.id, "config_keys")
    restore_backup(ctx, r.backup_id, items="units:shop/config_keys", mode="merge", destination=local_dest)
    assert unit_digest(ctx.units, unit.id) == before
    # a deleted unit comes back whole
    with ctx.units.write() as conn:
        ctx.units.delete_unit(conn, unit.id)
    restore_backup(ctx, r.backup_id, items="units", mode="merge", destination=local_dest)
    assert unit_digest(ctx.units, ctx.units.get_unit("shop").id) == before
