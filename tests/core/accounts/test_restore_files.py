"""File restores on worker threads: small files in batches, large files in pieces written at their
offsets. What users rely on: identical trees, damage named and never left under a final name, no temp
files left behind, merge keeping live data even in directories the restore did not create."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.accounts.backup import backup_account
from core.accounts.opened import open_backup
from core.accounts.restore import files as restore_mod
from core.accounts.restore import restore_backup
from tests.core.accounts.treegen import make_tree, snapshot_of


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces and batches small enough that a large file is written by several workers."""
    monkeypatch.setattr(restore_mod, "PIECE", 300 << 10)
    monkeypatch.setattr(restore_mod, "BATCH_FILES", 3)
    monkeypatch.setattr(restore_mod, "WINDOW_TASKS", 4)
    monkeypatch.setattr(restore_mod, "WINDOW_BYTES", 1 << 20)


def _leftovers(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if ".uvrestore-" in p.name]


def test_large_files_written_in_pieces_are_identical(ctx, tmp_path, local_dest, small_pieces):
    home = make_tree(tmp_path / "h", files=120, big=2, big_size=6 << 20, seed=5)
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=local_dest)
    assert res.ok and res.files.failed == ()
    assert snapshot_of(out) == snapshot_of(home)
    assert _leftovers(out) == []


def test_damaged_blob_inside_a_large_file_names_it_and_leaves_nothing(ctx, tmp_path, local_dest, small_pieces):
    home = make_tree(tmp_path / "h", files=40, big=1, big_size=9 << 20, seed=6)
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    snap = open_backup(ctx, r.backup_id, destination=local_dest)
    big = next(e for e in snap.manifest["files"]["entries"] if e[0] == b"big0.bin")
    assert len(big[7]) >= 2
    pid, offset, length, _raw = snap.locations[big[7][-1]]     # the last chunk: earlier pieces get written
    pack = tmp_path / "repo" / snap.repo.pack_path(snap.keys.account_id, pid)
    data = bytearray(pack.read_bytes())
    data[offset + length // 2] ^= 1
    pack.write_bytes(bytes(data))
    out = tmp_path / "out"
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=local_dest)
    failed = dict(res.files.failed)
    assert "big0.bin" in failed and snap.repo.pack_path(snap.keys.account_id, pid) in failed["big0.bin"]
    assert not (out / "big0.bin").exists()
    assert _leftovers(out) == []
    assert (out / "dup-a.txt").read_bytes() == (home / "dup-a.txt").read_bytes()


def test_merge_into_existing_directories_keeps_live_files(ctx, tmp_path, local_dest, small_pieces):
    home = make_tree(tmp_path / "h", files=60, big=1, big_size=1 << 20, seed=7)
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    sub = next(p for p in sorted(home.iterdir()) if p.is_dir() and not p.is_symlink() and any(p.glob("*.txt")))
    live = next(sub.glob("*.txt"))
    (out / sub.name).mkdir(parents=True)
    (out / sub.name / live.name).write_bytes(b"live data")
    (out / "big0.bin").write_bytes(b"live big")
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), mode="merge", destination=local_dest)
    assert res.ok
    assert (out / sub.name / live.name).read_bytes() == b"live data"
    assert (out / "big0.bin").read_bytes() == b"live big"
    assert {f"{sub.name}/{live.name}", "big0.bin"} <= set(res.files.skipped)
    others = {k: v for k, v in snapshot_of(home).items() if k not in (f"{sub.name}/{live.name}", "big0.bin")
              and not (k == sub.name or k == "")}
    restored = snapshot_of(out)
    assert all(restored.get(k) == v for k, v in others.items() if v[0] != "d")


def test_cancel_mid_restore_leaves_no_temp_files(ctx, tmp_path, local_dest, small_pieces):
    from core.errors import Cancelled
    from core.progress import CancelToken, Reporter

    home = make_tree(tmp_path / "h", files=80, big=2, big_size=2 << 20, seed=8)
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    token = CancelToken()

    def sink(state):
        if state.stage == "restoring files" and state.done > 0:
            token.cancel()

    out = tmp_path / "out"
    fds = len(os.listdir("/proc/self/fd"))
    with pytest.raises(Cancelled):
        restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=local_dest,
                         reporter=Reporter(sink, token, min_interval=0))
    assert _leftovers(out) == []
    assert len(os.listdir("/proc/self/fd")) <= fds     # no directory or file descriptors left open
    assert not (out / "big1.bin").exists() or (out / "big1.bin").stat().st_size == 2 << 20
