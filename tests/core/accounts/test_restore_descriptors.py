"""Directory descriptors in the file writer: a descriptor in use is never closed or reused under it.

The writer keeps an LRU cache of directory descriptors. It used to hand out the cache's own
descriptors, so a group commit (which opens the parents of every pending file) could evict and close
the one the main loop was still using; the number was then reused by another directory and a large
file's temp file was created in the wrong directory ("No such file or directory" at its rename).
"""

from __future__ import annotations

import random

import pytest

from core.accounts.backup import backup_account
from core.accounts.restore import files as restore_mod
from core.accounts.restore import restore_backup
from tests.core.accounts.treegen import snapshot_of


def test_a_group_commit_before_a_large_file_does_not_misplace_it(ctx, tmp_path, local_dest, monkeypatch):
    # 200 directories with one small file each, then one directory with two small files and a large
    # file: with batches of 3 and 4 tasks in flight, the group commit that the large file's last small
    # batch triggers renames files in more directories than the cache holds (128), evicting the large
    # file's own directory. The exact commit point depends on SYNC_FILES, so several are tried.
    monkeypatch.setattr(restore_mod, "PIECE", 64 << 10)
    monkeypatch.setattr(restore_mod, "BATCH_FILES", 3)
    monkeypatch.setattr(restore_mod, "WINDOW_TASKS", 4)
    rnd = random.Random(1)
    home = tmp_path / "h"
    for i in range(200):
        d = home / f"d{i:03d}"
        d.mkdir(parents=True)
        (d / "a.txt").write_bytes(b"x" * rnd.randint(1, 100))
    (home / "e").mkdir()
    (home / "e" / "a.txt").write_bytes(b"a")
    (home / "e" / "b.txt").write_bytes(b"b")
    (home / "e" / "z.bin").write_bytes(rnd.randbytes(100 << 10))
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    expected = snapshot_of(home)
    for sync_files in range(186, 196):
        monkeypatch.setattr(restore_mod, "SYNC_FILES", sync_files)
        out = tmp_path / f"out{sync_files}"
        res = restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=local_dest)
        assert res.files.failed == (), sync_files
        assert snapshot_of(out) == expected, sync_files


@pytest.mark.parametrize("cache", [1, 2, 128])
def test_terminate_never_writes_into_a_directory_it_removed(ctx, tmp_path, local_dest, monkeypatch, cache):
    # Removing a/b after a/b/c/x.txt (terminate with both paths) used to leave a/b's descriptor in
    # the cache: a/b/c was then recreated inside the removed directory and every file under it lost.
    home = tmp_path / "h"
    (home / "a" / "b" / "c").mkdir(parents=True)
    (home / "a" / "b" / "c" / "x.txt").write_text("x")
    (home / "a" / "b" / "y.txt").write_text("y")
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    (out / "a" / "b" / "c").mkdir(parents=True)
    (out / "a" / "b" / "c" / "x.txt").write_text("old x")
    (out / "a" / "b" / "old.txt").write_text("old")
    monkeypatch.setattr(restore_mod, "DIR_CACHE", cache)
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), mode="terminate",
                         paths=["a/b/c/x.txt", "a/b"], destination=local_dest)
    assert res.ok
    assert (out / "a" / "b" / "c" / "x.txt").read_text() == "x"
    assert (out / "a" / "b" / "y.txt").read_text() == "y"
    assert not (out / "a" / "b" / "old.txt").exists()
