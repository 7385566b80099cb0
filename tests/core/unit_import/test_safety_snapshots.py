"""Safety snapshots, undo, restore by id, retention, and cleanup of interrupted imports."""

from __future__ import annotations

import fcntl
import json
import os

import pytest

from core.bundle import open_bundle
from core.errors import NotFoundError, WrongPasswordError
from core.unit_import import (
    MemorySource,
    apply_import,
    cleanup_leftovers,
    list_safety_snapshots,
    preview_import,
    restore_safety_snapshot,
    safety,
    undo,
)
from core.unit_import.safety import KEY_NAME, write_pending
from tests.core.unit_import.helpers import digest, mutate, snapshot_files, unit_wires


def do_import(ctx, wires, target, **kw):
    apply_kw = {k: kw.pop(k) for k in ("safety_snapshot",) if k in kw}
    src = MemorySource(wires, source_unit_id=ctx.units.get_unit(target).id if ctx.units.find_unit(target) else "x")
    preview = preview_import(ctx.units, src, target, **kw)
    return apply_import(ctx.units, ctx.home, ctx.secrets, src, preview, **apply_kw)


def test_snapshot_holds_only_affected_sections_and_is_encrypted(ctx, two_units):
    b = unit_wires(two_units, "b")
    result = do_import(ctx, unit_wires(two_units, "a"), "b", sections=("plugins", "config_keys"))
    (info,) = list_safety_snapshots(ctx.home, "b")
    assert info.id == result.snapshot_id and info.sections == ("plugins", "config_keys")
    assert info.unit_id == two_units.get_unit("b").id and info.kind == "import"
    key = ctx.secrets.get(KEY_NAME)
    assert key is not None and len(key) == 32
    raw = info.path.read_bytes()
    secret_value = next(w["value"] for w in b["config_keys"] if w["secret"])
    assert secret_value.encode() not in raw and b["plugins"][0]["id"].encode() not in raw
    with pytest.raises(WrongPasswordError):
        open_bundle(info.path, raw_key=bytes(32))
    recs = list(open_bundle(info.path, raw_key=key).records())
    assert [w for s, w in recs if s == "plugins"] == b["plugins"]
    assert [w for s, w in recs if s == "config_keys"] == b["config_keys"]
    assert not any(s in ("workspaces", "profiles") for s, _ in recs)
    assert oct(info.path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_undo_restores_the_old_digest(ctx, two_units, mode):
    before = digest(two_units, "b")
    src = unit_wires(two_units, "a")
    if mode == "merge":  # a's profiles name a's workspaces: merge both
        do_import(ctx, src, "b", mode="merge")
    else:
        do_import(ctx, src, "b")
    assert digest(two_units, "b") != before
    result = undo(two_units, ctx.home, ctx.secrets, "b")
    assert digest(two_units, "b") == before == result.digest_after


def test_repeated_undo_walks_back_and_redo_by_id(ctx, two_units):
    d0 = digest(two_units, "b")
    w = unit_wires(two_units, "b")
    w1 = mutate(w)
    w1["plugins"][0]["version"] = "1.1.1"
    do_import(ctx, w1, "b")
    d1 = digest(two_units, "b")
    w2 = mutate(w1)
    w2["config_keys"][0]["description"] = "second"
    do_import(ctx, w2, "b")
    d2 = digest(two_units, "b")
    r = undo(two_units, ctx.home, ctx.secrets, "b")
    assert digest(two_units, "b") == d1
    undo(two_units, ctx.home, ctx.secrets, "b")
    assert digest(two_units, "b") == d0
    with pytest.raises(NotFoundError):
        undo(two_units, ctx.home, ctx.secrets, "b")
    # Redo, newest undo first: each undo's own snapshot puts back what that undo reverted.
    latest_undo = next(i for i in list_safety_snapshots(ctx.home, "b") if i.kind == "undo")
    assert latest_undo.id != r.snapshot_id
    restore_safety_snapshot(two_units, ctx.home, ctx.secrets, latest_undo.id)
    assert digest(two_units, "b") == d1
    restore_safety_snapshot(two_units, ctx.home, ctx.secrets, r.snapshot_id)
    assert digest(two_units, "b") == d2
    kinds = [i.kind for i in list_safety_snapshots(ctx.home, "b")]
    assert kinds.count("undo") == 2 and kinds.count("import") == 2 and kinds.count("restore") == 2


def test_undo_refuses_a_plan_not_made_from_the_newest_undoable_snapshot(ctx, two_units):
    from core.errors import PlanRefusedError
    from core.unit_import.undo import preview_safety_snapshot

    before = digest(two_units, "b")
    do_import(ctx, unit_wires(two_units, "a"), "b")
    (older,) = list_safety_snapshots(ctx.home, "b")
    _, _, stale = preview_safety_snapshot(two_units, ctx.home, ctx.secrets, older.id)  # the plan shown...
    changed = unit_wires(two_units, "a")
    changed["config_keys"] = changed["config_keys"][1:]
    do_import(ctx, changed, "b")  # ...then another import makes a newer snapshot
    after = digest(two_units, "b")
    with pytest.raises(PlanRefusedError, match="newest snapshot"):
        undo(two_units, ctx.home, ctx.secrets, "b", preview=stale)
    src = MemorySource(unit_wires(two_units, "a"), source_unit_id=two_units.get_unit("b").id)
    with pytest.raises(PlanRefusedError, match="newest snapshot"):  # not a snapshot's plan at all
        undo(two_units, ctx.home, ctx.secrets, "b", preview=preview_import(two_units, src, "b"))
    with pytest.raises(PlanRefusedError, match="not made from snapshot"):
        restore_safety_snapshot(two_units, ctx.home, ctx.secrets, list_safety_snapshots(ctx.home, "b")[0].id,
                                preview=stale)
    assert digest(two_units, "b") == after
    newest = list_safety_snapshots(ctx.home, "b")[0]
    _, _, fresh = preview_safety_snapshot(two_units, ctx.home, ctx.secrets, newest.id)
    undo(two_units, ctx.home, ctx.secrets, "b", preview=fresh)
    assert digest(two_units, "b") != after
    undo(two_units, ctx.home, ctx.secrets, "b")
    assert digest(two_units, "b") == before


def test_retention_keeps_the_last_n(ctx, two_units):
    ctx.settings.set("snapshots/keep", 2)
    w = unit_wires(two_units, "b")
    for i in range(4):
        w = mutate(w)
        w["plugins"][0]["version"] = f"{i}.0.0"
        do_import(ctx, w, "b")
    snaps = list_safety_snapshots(ctx.home, "b")
    assert len(snaps) == 2
    assert len(snapshot_files(ctx.home)) == 4  # bundle + sidecar each
    from sqlalchemy import func, select

    from core.unit import tables

    with two_units.read() as conn:  # the commit-marker rows of pruned snapshots go with them
        assert conn.execute(select(func.count()).select_from(tables.import_markers)).scalar() == 2


def test_no_safety_snapshot(ctx, two_units):
    result = do_import(ctx, unit_wires(two_units, "a"), "b", safety_snapshot=False)
    assert result.snapshot_id is None and snapshot_files(ctx.home) == []


# --- leftovers ------------------------------------------------------------------------------------------
def _pending(ctx, store, unit_name, marker):
    unit = store.get_unit(unit_name)
    with store.read() as conn:
        return write_pending(ctx.home, ctx.secrets, unit, {"plugins": list(store.iter_wire(unit.id, "plugins", conn))},
                             reason="test", kind="import", marker=marker, digest=None)


def test_cleanup_removes_temp_files_orphans_and_uncommitted(ctx, two_units):
    d = ctx.home.snapshots_dir
    (d / ".20990101-000000-abcdef.uvault.x1y2.part").write_bytes(b"half")
    (d / "20990101-000000-abcdef.uvault").write_bytes(b"no sidecar")
    (d / "20990101-000001-abcdef.json").write_text("{broken")
    rolled_back = _pending(ctx, two_units, "b", marker="2099-01-01T00:00:00.000001Z")
    assert cleanup_leftovers(ctx.home, two_units) == 5
    assert snapshot_files(ctx.home) == []
    assert not rolled_back.info.path.exists()


def test_cleanup_keeps_a_committed_pending_snapshot(ctx, two_units):
    marker = "2099-01-01T00:00:00.123456Z"
    pending = _pending(ctx, two_units, "b", marker=marker)
    with two_units.write() as conn:  # what the import's transaction did before the crash
        safety.record_marker(conn, marker, two_units.get_unit("b").id)
    assert list_safety_snapshots(ctx.home) == []  # pending: not listed
    assert cleanup_leftovers(ctx.home, two_units) == 0
    (info,) = list_safety_snapshots(ctx.home)
    assert info.id == pending.id
    assert json.loads((ctx.home.snapshots_dir / f"{pending.id}.json").read_text())["state"] == "done"


def test_two_committed_imports_into_one_unit_keep_both_snapshots_after_a_crash(ctx, two_units, monkeypatch):
    """Both imports commit, then the process dies before either sidecar says 'done' (commit() is
    what runs after the transaction): the next start must keep both snapshots, not only the one
    whose stamp the unit carries last."""
    monkeypatch.setattr(safety.PendingSafetySnapshot, "commit", lambda self: None)
    first = do_import(ctx, unit_wires(two_units, "a"), "b")
    changed = unit_wires(two_units, "a")
    changed["config_keys"] = changed["config_keys"][1:]
    second = do_import(ctx, changed, "b")
    assert first.snapshot_id and second.snapshot_id
    assert list_safety_snapshots(ctx.home) == []  # both still pending
    monkeypatch.undo()
    assert cleanup_leftovers(ctx.home, two_units) == 0
    assert {i.id for i in list_safety_snapshots(ctx.home, "b")} == {first.snapshot_id, second.snapshot_id}


def test_cleanup_leaves_a_running_import_alone(ctx, two_units):
    pending = _pending(ctx, two_units, "b", marker="2099-01-01T00:00:00.000002Z")
    fd = os.open(ctx.home.snapshots_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # what a running import holds
        assert cleanup_leftovers(ctx.home, two_units) == 0
        assert pending.info.path.exists()
    finally:
        os.close(fd)
    assert cleanup_leftovers(ctx.home, two_units) == 2


def test_cleanup_runs_when_the_store_is_first_used(ctx, two_units, home):
    from core.app.context import AppContext

    (home.snapshots_dir / ".x.part").write_bytes(b"")
    other = AppContext(home)
    try:
        assert other.units is not None
    finally:
        other.close()
    assert snapshot_files(home) == []


def test_a_start_up_cleanup_does_not_break_an_undo_being_recorded(ctx, two_units, monkeypatch):
    """Another process starting (and cleaning up) while undo writes its 'undone' mark must leave the
    mark alone: undo holds the snapshots lock for it, as imports do for their own files."""
    from core.fsutil import atomic_writer

    do_import(ctx, unit_wires(two_units, "a"), "b")
    (info,) = list_safety_snapshots(ctx.home, "b")

    def racing(path, data, **kw):
        with atomic_writer(path, **kw) as fh:
            fh.write(data)
            fh.flush()
            cleanup_leftovers(ctx.home, two_units)  # the other process's start-up, mid-write
    monkeypatch.setattr(safety, "atomic_write_bytes", racing)
    undo(two_units, ctx.home, ctx.secrets, "b")
    assert next(i for i in list_safety_snapshots(ctx.home, "b") if i.id == info.id).undone
