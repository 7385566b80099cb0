"""Restoring a safety snapshot, and undo (restore the latest snapshot not undone yet).

A snapshot holds the previous content of exactly the sections an operation changed, so restoring
it in replace mode undoes a replace import and a merge import alike. A restore takes its own safety
snapshot first (kind "restore", or "undo" for undo), so it can be reverted in turn: ``undo`` skips
the snapshots taken before undos, so repeated undos walk further back; restoring an "undo" snapshot
by id is a redo.
"""

from __future__ import annotations

from dataclasses import replace

from core.errors import NotFoundError, PlanRefusedError
from core.progress import Reporter
from core.unit_import.apply import ImportResult, apply_import, preview_import
from core.unit_import.safety import (
    SafetySnapshot,
    get_safety_snapshot,
    list_safety_snapshots,
    mark_undone,
    safety_snapshot_key,
)
from core.unit_import.source import open_source


def open_safety_snapshot(home, secrets, info: SafetySnapshot):
    """The snapshot as a record source (sections and unit from its sidecar)."""
    from core.unit_import import shared

    path = shared.local_copy(home, info) if shared.is_shared(home) else info.path
    return open_source(path, raw_key=safety_snapshot_key(secrets), sections=info.sections,
                       unit_id=info.unit_id, unit_name=info.unit_name)


def preview_safety_snapshot(store, home, secrets, snapshot_id: str, reporter: Reporter | None = None):
    info = get_safety_snapshot(home, snapshot_id)
    source = open_safety_snapshot(home, secrets, info)
    preview = preview_import(store, source, info.unit_name, mode="replace", sections=info.sections,
                             reporter=reporter)
    return info, source, replace(preview, snapshot_id=info.id)


def restore_safety_snapshot(store, home, secrets, snapshot_id: str, reporter: Reporter | None = None, *,
                     safety_snapshot: bool = True, allow_other_unit: bool = False, preview=None,
                     _kind: str = "restore") -> ImportResult:
    info = get_safety_snapshot(home, snapshot_id)
    if preview is not None and getattr(preview, "snapshot_id", None) != info.id:
        raise PlanRefusedError(f"The plan shown was not made from snapshot {info.id}; nothing was changed.",
                               hint="Preview the snapshot again.")
    source = open_safety_snapshot(home, secrets, info)
    if preview is None:
        preview = preview_import(store, source, info.unit_name, mode="replace", sections=info.sections,
                                 reporter=reporter)
    what = "undoing" if _kind == "undo" else "restoring"
    result = apply_import(store, home, secrets, source, preview, safety_snapshot=safety_snapshot,
                          allow_other_unit=allow_other_unit, reporter=reporter,
                          reason=f"before {what} snapshot {info.id}", kind=_kind)
    if _kind == "undo":
        mark_undone(home, info)
    return result


def latest_undoable(home, unit_name: str) -> SafetySnapshot:
    for info in list_safety_snapshots(home, unit_name):
        if info.kind != "undo" and not info.undone:
            return info
    raise NotFoundError(f"Unit {unit_name!r} has no safety snapshot left to undo.", kind="nothing_to_undo",
                        data={"unit": unit_name})


def undo(store, home, secrets, unit_name: str, reporter: Reporter | None = None, *,
         allow_other_unit: bool = False, preview=None) -> ImportResult:
    """Restore the latest snapshot of ``unit_name`` that no undo has restored yet."""
    info = latest_undoable(home, unit_name)
    if preview is not None and getattr(preview, "snapshot_id", None) != info.id:
        # e.g. another import or undo happened since the plan was shown: it would undo something else
        raise PlanRefusedError(f"The plan shown was not made from the newest snapshot of unit {unit_name!r} "
                               f"({info.id}); nothing was changed.", hint="Preview the undo again.")
    return restore_safety_snapshot(store, home, secrets, info.id, reporter, allow_other_unit=allow_other_unit,
                            preview=preview, _kind="undo")
