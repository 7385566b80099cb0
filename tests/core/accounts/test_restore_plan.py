"""The account-restore plan: decided from the backup and the target without writing anything, and
then exactly what the restore does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.accounts.backup import backup_account
from core.accounts.opened import open_backup
from core.accounts.restore import apply_restore, parse_restore_items, plan_restore
from core.accounts.restore.plan import KEEP, RESTORE, SKIP, LiveTree, plan_files
from core.errors import NotFoundError
from tests.core.accounts.treegen import make_tree, snapshot_of


def _e(path: bytes, kind: str = "f", size: int = 3) -> list:
    return [path, kind, 0o644 if kind != "d" else 0o755, 1_000_000_000, size if kind == "f" else 0, 1,
            b"x" if kind == "l" else None, ["ab" * 16] if kind == "f" else []]


ENTRIES = [_e(b"a", "d"), _e(b"a/one.txt"), _e(b"a/sub", "d"), _e(b"a/sub/two.txt"), _e(b"b.txt"), _e(b"l", "l")]


def test_merge_restores_what_is_missing_keeps_directories_and_skips_live_data():
    live = LiveTree(True, {b"a": "d", b"a/one.txt": "f", b"a/sub": "f"}, (b"a", b"stray"))
    plan = plan_files(ENTRIES, None, "merge", "/t", live)
    assert dict(zip([e[0] for e in plan.entries], plan.actions, strict=True)) == {
        b"a": KEEP, b"a/one.txt": SKIP, b"a/sub": SKIP, b"a/sub/two.txt": SKIP,   # below a live file: kept out
        b"b.txt": RESTORE, b"l": RESTORE}
    assert plan.remove == () and plan.bytes_to_write == 3


def test_terminate_removes_first_then_restores_everything():
    live = LiveTree(True, {b"a": "d", b"a/one.txt": "f"}, (b"a", b"stray"))
    whole = plan_files(ENTRIES, None, "terminate", "/t", live)
    assert set(whole.actions) == {RESTORE} and whole.remove == (b"a", b"stray")
    part = plan_files(ENTRIES, [b"a/one.txt", b"b.txt"], "terminate", "/t", live)
    assert list(zip([e[0] for e in part.entries], part.actions, strict=True)) == [
        (b"a", KEEP), (b"a/one.txt", RESTORE), (b"b.txt", RESTORE)]            # a chosen path's parent is kept
    assert part.remove == (b"a/one.txt",)


def test_bad_entries_and_symlinked_parents_are_refused():
    bad = [[b"../escape", "f", 0o644, 0, 0, 1, None, []], ["not-bytes"], _e(b"a", "d"), _e(b"a/x.txt")]
    live = LiveTree(True, {b"a": "l"}, (b"a",))
    plan = plan_files(bad, [b"a/x.txt"], "terminate", "/t", live)
    assert plan.entries == () and dict(plan.refused)["a/x.txt"].startswith("a parent in the target")
    plan = plan_files(bad, None, "merge", "/t", LiveTree(False, {}))
    assert {p for p, _ in plan.refused} == {"../escape", "<entry 1>"}
    with pytest.raises(NotFoundError):
        plan_files(ENTRIES, [b"nothing/here"], "merge", "/t", LiveTree(False, {}))


@pytest.mark.parametrize("mode", ["merge", "terminate"])
def test_the_restore_does_exactly_what_the_plan_says(ctx, tmp_path, local_dest, mode):
    home = make_tree(tmp_path / "h", files=80, big=1, big_size=1 << 20, seed=11)
    ctx.catalog.accounts.add("carol", str(home))
    r = backup_account(ctx, "carol", "repo", destination=local_dest, items="files")
    target = tmp_path / "t"
    target.mkdir()
    sub = next(p for p in sorted(home.iterdir()) if p.is_dir() and not p.is_symlink() and any(p.glob("*.txt")))
    (target / sub.name).mkdir()
    live_file = next(sub.glob("*.txt")).name
    (target / sub.name / live_file).write_text("live")
    (target / "only-live.txt").write_text("live")
    before = snapshot_of(target)
    with open_backup(ctx, r.backup_id, destination=local_dest) as snap:
        plan = plan_restore(ctx, snap, parse_restore_items("files"), mode=mode, to=str(target))
        assert snapshot_of(target) == before                     # planning writes nothing
        res = apply_restore(ctx, snap, plan)
    assert res.ok
    assert sorted(res.files.restored) == sorted(plan.files.paths(RESTORE))
    assert sorted(res.files.skipped) == sorted(plan.files.paths(SKIP))
    assert sorted(res.files.removed) == sorted(os.fsdecode(p) for p in plan.files.remove)
    if mode == "merge":
        assert f"{sub.name}/{live_file}" in plan.files.paths(SKIP) and (target / "only-live.txt").exists()
    else:
        assert "only-live.txt" in res.files.removed and snapshot_of(target) == snapshot_of(Path(home))
