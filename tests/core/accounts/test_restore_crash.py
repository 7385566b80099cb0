"""A restore killed half-way (kill -9): the next restore into the same target removes the temp files
it left and gives the directories it made their modes and times, and the tree comes out exact."""

from __future__ import annotations

import os
import signal
import stat

import pytest

from core.accounts.backup import backup_account
from core.accounts.opened import open_backup
from core.accounts.restore import files as restore_mod
from core.accounts.restore import parse_restore_items, plan_restore, restore_backup
from core.accounts.restore.files import restore_files
from core.progress import Reporter
from tests.core.accounts.forked import ChildKilled, in_child
from tests.core.accounts.treecheck import describe
from tests.core.accounts.treegen import make_tree


def _leftovers(root) -> list[str]:
    return [str(p) for p in root.rglob("*") if ".uvrestore-" in p.name]


def test_a_killed_restore_is_cleaned_up_and_repaired_by_the_next(ctx, tmp_path, local_dest, monkeypatch):
    monkeypatch.setattr(restore_mod, "PIECE", 256 << 10)
    monkeypatch.setattr(restore_mod, "BATCH_FILES", 3)
    monkeypatch.setattr(restore_mod, "WINDOW_TASKS", 4)
    monkeypatch.setattr(restore_mod, "SYNC_FILES", 40)
    home = make_tree(tmp_path / "h", files=400, big=3, big_size=2 << 20, seed=21)
    for d in sorted(p for p in home.rglob("*") if p.is_dir() and not p.is_symlink()):
        os.chmod(d, 0o751)
    (home / ".mine.uvrestore-0badf00d-7").write_text("a file of the user's that looks like a temp file")
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    with open_backup(ctx, r.backup_id, destination=local_dest) as snap:
        plan = plan_restore(ctx, snap, parse_restore_items("files"), mode="merge", to=str(out)).files

        def killed_half_way():
            def sink(state):
                if state.stage == "restoring files" and state.done > state.total // 2:
                    os.kill(os.getpid(), signal.SIGKILL)

            restore_files(snap, plan, reporter=Reporter(sink, min_interval=0))

        with pytest.raises(ChildKilled):
            in_child(killed_half_way)
    left = _leftovers(out)
    assert any(".uvrestore-journal-" in p for p in left) and len(left) > 1     # what a kill leaves
    assert any(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in out.rglob("*") if p.is_dir() and not p.is_symlink())
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), mode="merge", destination=local_dest)
    assert res.ok
    assert len(res.files.cleaned) == len(left)
    assert _leftovers(out) == [str(out / ".mine.uvrestore-0badf00d-7")]          # the user's own file stays
    assert describe(out) == describe(home)


def test_a_cancelled_restore_leaves_no_journal_and_no_directory_at_0700(ctx, tmp_path, local_dest, monkeypatch):
    from core.errors import Cancelled
    from core.progress import CancelToken

    monkeypatch.setattr(restore_mod, "BATCH_FILES", 3)
    home = make_tree(tmp_path / "h", files=200, big=1, big_size=1 << 20, seed=22)
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    token = CancelToken()

    def sink(state):
        if state.stage == "restoring files" and state.done > 0:
            token.cancel()

    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=local_dest,
                       reporter=Reporter(sink, token, min_interval=0))
    assert _leftovers(out) == []
    made = [p for p in out.rglob("*") if p.is_dir() and not p.is_symlink()]
    assert made and all(stat.S_IMODE(p.stat().st_mode) == stat.S_IMODE((home / p.relative_to(out)).stat().st_mode)
                        for p in made)
    assert os.listdir(out)
