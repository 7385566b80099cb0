"""Tampering with any stored object is caught by verify --read-data and by restore, naming the object;
restores never write outside the target."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.accounts.backup import backup_account
from core.accounts.opened import open_backup
from core.accounts.restore import restore_backup
from core.accounts.verify import verify_backup
from core.errors import IntegrityError
from tests.core.accounts.treegen import snapshot_of


def _flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if at is None else at
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def _objects(root: Path, part: str) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and f"/{part}/" in str(p))


def test_verify_passes_on_a_good_snapshot(ctx, account, local_dest):
    r = backup_account(ctx, "alice", "repo", destination=local_dest)
    assert verify_backup(ctx, r.backup_id, destination=local_dest).ok
    res = verify_backup(ctx, r.backup_id, read_data=True, destination=local_dest)
    assert res.ok and res.blobs > 0 and res.packs > 0


@pytest.mark.parametrize("kind", ["packs", "index", "snapshots"])
def test_tampering_is_caught_and_named(ctx, account, local_dest, tmp_path, kind):
    r = backup_account(ctx, "alice", "repo", destination=local_dest)
    target = _objects(tmp_path / "repo", kind)[0]
    _flip(target)
    key = str(target.relative_to(tmp_path / "repo"))
    res = verify_backup(ctx, r.backup_id, read_data=True, destination=local_dest)
    assert not res.ok
    assert any(key in p for p in res.problems), res.problems
    assert ctx.catalog.backups.get(r.backup_id).status == "damaged"
    # restore catches it too, naming the object
    if kind == "packs":
        out = restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest)
        assert out.files.failed and all(key in why for _p, why in out.files.failed)
    else:
        with pytest.raises(IntegrityError) as info:
            ctx.catalog.blobs.forget_packs("repo", account.id)   # force the index to be read again
            restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=local_dest)
        assert key in info.value.message


def test_missing_pack_is_reported_by_structure_check(ctx, account, local_dest, tmp_path):
    r = backup_account(ctx, "alice", "repo", destination=local_dest)
    pack = _objects(tmp_path / "repo", "packs")[0]
    pack.unlink()
    res = verify_backup(ctx, r.backup_id, destination=local_dest)
    assert not res.ok and any(str(pack.relative_to(tmp_path / "repo")) in p for p in res.problems)


def test_object_moved_to_another_name_fails(ctx, account, local_dest, tmp_path):
    backup_account(ctx, "alice", "repo", destination=local_dest)
    r2 = backup_account(ctx, "alice", "repo", destination=local_dest, items="account")
    snaps = _objects(tmp_path / "repo", "snapshots")
    other = next(p for p in snaps if p.name != r2.backup_id)
    (snaps[0].parent / r2.backup_id).write_bytes(other.read_bytes())
    res = verify_backup(ctx, r2.backup_id, destination=local_dest)
    assert not res.ok


def _write_hostile_snapshot(ctx, local_dest, account, entries):
    """Re-seal a snapshot whose manifest holds the given file entries (as a hostile repository could)."""

    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    snap = open_backup(ctx, r.backup_id, destination=local_dest)
    chunk = next(e[7][0] for e in snap.manifest["files"]["entries"] if e[1] == "f" and e[7])
    manifest = dict(snap.manifest)
    manifest["files"] = {"root": b"/", "entries": [[p, t, 0o644, 0, 5, 1, target, [chunk] if t == "f" else []]
                                                   for p, t, target in entries], "skipped": []}
    snap.repo.write_backup(snap.keys, snap.header, manifest)
    return r.backup_id


def test_hostile_names_never_escape_the_target(ctx, account, local_dest, tmp_path):
    sid = _write_hostile_snapshot(ctx, local_dest, account, [
        (b"../escaped", "f", None), (b"/abs-escaped", "f", None), (b"a/../../escaped2", "f", None),
        (b"ok.txt", "f", None), (b"lnk", "l", b"../../outside"), (b"lnk/through", "f", None)])
    target = tmp_path / "deep" / "target"
    res = restore_backup(ctx, sid, items="files", to=str(target), destination=local_dest)
    failed = {p for p, _w in res.files.failed}
    assert {"../escaped", "/abs-escaped", "a/../../escaped2", "lnk/through"} <= failed
    assert not (tmp_path / "deep" / "escaped").exists() and not Path("/abs-escaped").exists()
    assert os.readlink(target / "lnk") == "../../outside"        # recreated as a link, never followed
    assert (target / "ok.txt").is_file()
    assert sorted(os.listdir(tmp_path / "deep")) == ["target"]


def test_symlink_planted_in_the_target_is_not_followed(ctx, account, local_dest, tmp_path):
    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "t"
    target.mkdir()
    victim_dir = next(p for p in Path(account.home_dir).iterdir() if p.is_dir() and not p.is_symlink()
                      and any(p.iterdir()))
    os.symlink(outside, target / victim_dir.name)      # planted: a symlink where a directory will go
    res = restore_backup(ctx, r.backup_id, items="files", to=str(target), mode="merge", destination=local_dest)
    assert list(outside.iterdir()) == []
    # merge: the live link wins, and what the backup holds below it is reported as kept out, not written
    assert victim_dir.name in res.files.skipped
    assert any(p.startswith(victim_dir.name + "/") for p in res.files.skipped)
    # terminate replaces the planted link by the real directory, still writing nothing outside
    res = restore_backup(ctx, r.backup_id, items="files", to=str(target), mode="terminate",
                           destination=local_dest)
    assert res.ok and list(outside.iterdir()) == []
    assert snapshot_of(target) == snapshot_of(Path(account.home_dir))


def test_malformed_entries_are_refused_and_reported(ctx, account, local_dest, tmp_path):
    """A manifest authenticates, but a restore still never trusts its shape: bad entries fail alone."""
    r = backup_account(ctx, "alice", "repo", destination=local_dest, items="files")
    snap = open_backup(ctx, r.backup_id, destination=local_dest)
    chunk = next(e[7][0] for e in snap.manifest["files"]["entries"] if e[1] == "f" and e[7])
    good = [b"ok.txt", "f", 0o644, 0, 5, 1, None, [chunk]]
    manifest = dict(snap.manifest)
    manifest["files"] = {"root": b"/", "skipped": [], "entries": [
        good,
        [b"no-target", "l", 0o777, 0, 0, 1, None, []],            # symlink without a target
        [b"nul-target", "l", 0o777, 0, 0, 1, b"a\x00b", []],
        [b"bad-mode", "f", "rw", 0, 5, 1, None, [chunk]],
        [b"huge-mtime", "f", 0o644, (1 << 63) + 5, 5, 1, None, [chunk]],
        [b"bad-chunks", "f", 0o644, 0, 5, 1, None, [7]],
        ["str-path", "f", 0o644, 0, 5, 1, None, [chunk]],
        [b"short"],
        "not an entry",
        [b"weird-kind", "x", 0o644, 0, 0, 1, None, []],
    ]}
    snap.repo.write_backup(snap.keys, snap.header, manifest)
    target = tmp_path / "t"
    res = restore_backup(ctx, r.backup_id, items="files", to=str(target), destination=local_dest)
    failed = dict(res.files.failed)
    assert {"no-target", "nul-target", "bad-mode", "huge-mtime", "bad-chunks", "short", "weird-kind"} <= set(failed)
    assert sum(1 for p in failed if p.startswith("<entry ")) == 2       # the str path and the non-list
    assert all("malformed" in why for why in failed.values())
    assert res.files.restored == ("ok.txt",) and sorted(os.listdir(target)) == ["ok.txt"]
    # a download of the same snapshot leaves them out instead of failing
    import tarfile

    import zstandard

    from core.accounts.download import download_backup

    made = download_backup(ctx, r.backup_id, items="files", out_dir=str(tmp_path / "dl"), destination=local_dest)
    with zstandard.ZstdDecompressor().stream_reader(open(made[0].path, "rb")) as raw, \
            tarfile.open(fileobj=raw, mode="r|") as tar:
        assert [m.name for m in tar] == ["home/ok.txt"]


def test_owner_passphrase_never_reaches_a_log(ctx, tmp_path, local_dest):
    """The core registers the owner's passphrase with the log redactor, whoever calls it (CLI or GUI)."""
    from core.logsetup import redact
    from tests.core.accounts.treegen import make_tree

    passphrase = "correct horse battery staple 42"
    home = make_tree(tmp_path / "o-home", files=5, big=0)
    ctx.catalog.accounts.add("owen", str(home), encryption="owner")
    r = backup_account(ctx, "owen", "repo", destination=local_dest, items="files", passphrase=passphrase)
    assert passphrase not in redact(f"unlocking with {passphrase}")
    res = restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o-out"), passphrase=passphrase,
                           destination=local_dest)
    assert res.ok
