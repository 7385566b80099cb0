"""The plan for the entry kinds format 2 added (hard links, FIFOs, devices), the parents of chosen
paths, the leftovers of an interrupted restore and the home directory itself; and a restore of such
a tree does exactly what its plan says."""

from __future__ import annotations

import os

from core.accounts.backup import backup_account
from core.accounts.opened import open_backup
from core.accounts.restore import apply_restore, parse_restore_items, plan_restore
from core.accounts.restore.plan import KEEP, LINK, REPAIR, RESTORE, SKIP, LiveTree, plan_files

CHUNK = ["ab" * 16]


def _e(path: bytes, kind: str = "f", **meta) -> list:
    return [path, kind, 0o755 if kind == "d" else 0o644, 1_000_000_000, 3 if kind == "f" else 0, 1,
            b"x" if kind == "l" else None, CHUNK if kind == "f" else [], {"uid": 0, "gid": 0, **meta}]


TREE = [_e(b"a", "d"), _e(b"a/first", link=b"a/first"), _e(b"a/pipe", "p"), _e(b"b", "d"),
        _e(b"b/second", link=b"a/first"), _e(b"b/third", link=b"a/first"), _e(b"null", "c", rdev=[1, 3])]


def _actions(plan) -> dict:
    return dict(zip([e[0] for e in plan.entries], plan.actions, strict=True))


def test_members_of_a_hard_link_group_link_to_the_first_one_restored():
    plan = plan_files(TREE, None, "merge", "/t", LiveTree(False, {}), as_root=True)
    assert _actions(plan) == {b"a": RESTORE, b"a/first": RESTORE, b"a/pipe": RESTORE, b"b": RESTORE,
                              b"b/second": LINK, b"b/third": LINK, b"null": RESTORE}
    assert plan.links == {b"b/second": b"a/first", b"b/third": b"a/first"}
    assert plan.bytes_to_write == 3                      # a link writes nothing
    live = LiveTree(True, {b"a": "d", b"a/first": "f"}, (b"a",))      # the first is live data: kept
    plan = plan_files(TREE, None, "merge", "/t", live, as_root=True)
    assert _actions(plan)[b"b/second"] == RESTORE and plan.links == {b"b/third": b"b/second"}
    plan = plan_files(TREE, [b"b/third"], "merge", "/t", LiveTree(False, {}), as_root=True)
    assert _actions(plan) == {b"b": RESTORE, b"b/third": RESTORE} and plan.links == {}


def test_devices_are_restored_as_root_and_refused_otherwise():
    as_user = plan_files(TREE, None, "merge", "/t", LiveTree(False, {}))
    assert b"null" not in _actions(as_user) and dict(as_user.refused) == {"null": "a device node (restored only as root)"}
    assert _actions(as_user)[b"a/pipe"] == RESTORE          # a FIFO needs no privilege
    live = LiveTree(True, {b"a": "d", b"a/pipe": "o"}, (b"a",))
    assert _actions(plan_files(TREE, None, "merge", "/t", live))[b"a/pipe"] == SKIP


def test_chosen_paths_bring_their_parents_made_if_missing_and_kept_if_there():
    plan = plan_files(TREE, [b"b/second"], "terminate", "/t", LiveTree(True, {b"b": "d"}, (b"b",)))
    assert _actions(plan) == {b"b": KEEP, b"b/second": RESTORE} and plan.remove == ()
    plan = plan_files(TREE, [b"b/second"], "merge", "/t", LiveTree(True, {}, ()))
    assert _actions(plan) == {b"b": RESTORE, b"b/second": RESTORE}


def test_leftovers_of_an_interrupted_restore_are_cleaned_and_its_directories_repaired():
    live = LiveTree(True, {b"a": "d", b"b": "d"}, (b"a", b"b", b".uvrestore-journal-0badf00d"),
                    leftovers=(b".uvrestore-journal-0badf00d", b"a/.x.uvrestore-0badf00d-3", b"a/first"),
                    unfinished=frozenset({b"b"}))
    plan = plan_files(TREE, None, "merge", "/t", live, as_root=True)
    assert _actions(plan)[b"a"] == KEEP and _actions(plan)[b"b"] == REPAIR
    assert plan.cleanup == (b".uvrestore-journal-0badf00d", b"a/.x.uvrestore-0badf00d-3")   # never a backup entry


def test_the_home_directorys_entry_applies_to_a_new_target_or_a_whole_terminate():
    root = _e(b"", "d")
    assert plan_files(TREE, None, "merge", "/t", LiveTree(False, {}), root_entry=root).root == tuple(root)
    live = LiveTree(True, {}, ())
    assert plan_files(TREE, None, "merge", "/t", live, root_entry=root).root is None
    assert plan_files(TREE, None, "terminate", "/t", live, root_entry=root).root == tuple(root)
    assert plan_files(TREE, [b"a"], "terminate", "/t", live, root_entry=root).root is None


def test_the_restore_of_links_and_fifos_does_exactly_what_the_plan_says(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    (home / "a").mkdir(parents=True)
    (home / "b").mkdir()
    (home / "a" / "first").write_text("shared")
    os.link(home / "a" / "first", home / "b" / "second")
    os.link(home / "a" / "first", home / "b" / "third")
    os.mkfifo(home / "a" / "pipe")
    ctx.catalog.accounts.add("carol", str(home))
    r = backup_account(ctx, "carol", "repo", destination=local_dest, items="files")
    target = tmp_path / "t"
    (target / "b").mkdir(parents=True)
    (target / "b" / "second").write_text("live")
    with open_backup(ctx, r.backup_id, destination=local_dest) as snap:
        plan = plan_restore(ctx, snap, parse_restore_items("files"), mode="merge", to=str(target))
        res = apply_restore(ctx, snap, plan)
    assert res.ok
    assert sorted(res.files.restored) == sorted(plan.files.paths(RESTORE) + plan.files.paths(LINK))
    assert sorted(res.files.skipped) == sorted(plan.files.paths(SKIP)) == ["b/second"]
    assert plan.files.paths(LINK) == ["b/third"]
    assert os.stat(target / "b" / "third").st_ino == os.stat(target / "a" / "first").st_ino
    assert (target / "b" / "second").read_text() == "live"
