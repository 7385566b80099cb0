"""Task functions for the desktop: each returns ``fn(reporter)`` for the task runner and calls one
core/app use case.

Like Anki's ``operations/*.py``: short builders, no UI code inside (they run on a worker thread), no
business logic (that lives in core/app). The few synchronous helpers at the top answer instantly
(pure functions or one small query) and may run on the GUI thread.

This module holds units, bundles, imports and the unit-side settings; one short module per area of
account backups sits beside it: ``accounts``, ``backups``, ``queue``, ``destinations``, ``jobs``,
``tags`` and ``activity``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.app import bundles, imports, settings, stores, units
from core.progress import Reporter

Task = Callable[[Reporter], Any]


# --- instant helpers (GUI thread) ---------------------------------------------------------------------
def unit_summaries(ctx) -> list:
    """Every unit with its counts (one query each)."""
    return units.list_units(ctx)


def unit_names(ctx) -> list[str]:
    return [s.unit.name for s in units.list_units(ctx)]


def default_bundle_name(unit: str) -> str:
    return bundles.default_bundle_name(unit)


def password_feedback(password: str) -> bundles.PasswordFeedback:
    return bundles.password_feedback(password)


def password_strength(password: str) -> tuple[int, str]:
    f = bundles.password_feedback(password)
    return f.score, f.advice


def recovery_status(ctx) -> tuple[str | None, str | None]:
    """The organisation's recovery public key that exports add a slot for (its text form), or None;
    and what is wrong with a configured key that cannot be used."""
    status = settings.recovery_key_status(ctx)
    return status.public_key, status.problem


def store_label(ctx) -> tuple[str, str]:
    """Where the stores are, for the status bar: a short text and a tooltip (no connection made)."""
    info = stores.stores_info(ctx)
    tip = "\n".join(f"{s.store}: {s.where}" for s in info.stores)
    return (f"Store: {info.summary}" + (" (team mode)" if info.team_mode else "")), tip


# --- units ------------------------------------------------------------------------------------------
def list_units(ctx) -> Task:
    def fn(reporter: Reporter):
        return [(s.unit, s.counts) for s in units.list_units(ctx, reporter=reporter)]
    return fn


UnitData = units.UnitRecords


def load_unit(ctx, name: str) -> Task:
    """A unit for the browser: its counts and, per section, the first key of every page. Records are
    read a page at a time when a view shows them (``SectionPages``), so memory does not grow with
    the unit."""
    def fn(reporter: Reporter) -> UnitData:
        return units.browse_unit(ctx, units.UnitRef(name), reporter=reporter)
    return fn


def dispose_later(data: UnitData | None) -> None:
    """Drop a replaced unit's cached pages."""
    if data is None:
        return
    for pages in data.sections.values():
        clear = getattr(pages, "clear", None)
        if clear is not None:
            clear()


def unit_digest(ctx, name: str) -> Task:
    def fn(reporter: Reporter) -> str:
        return units.unit_digest(ctx, units.UnitRef(name), reporter=reporter)
    return fn


# --- bundles ------------------------------------------------------------------------------------------
def export_units(ctx, names: list[str], destination: Path, password: str, *, overwrite: bool = False,
                 name_template: str | None = None, recovery: bool = True) -> Task:
    """One name and a file name: one bundle. Several names, or a folder: one bundle per unit into it.
    A recovery slot for the configured organisation key is added unless ``recovery`` is False."""
    def fn(reporter: Reporter) -> bundles.ExportResult:
        target = bundles.ExportTarget(tuple(names), Path(destination), name_template=name_template,
                                      overwrite=overwrite)
        return bundles.export_units(ctx, bundles.ExportUnits(target, password, recovery=recovery), reporter=reporter)
    return fn


def verify_bundles(ctx, paths: list[Path], password: str) -> Task:
    """Inspect written bundles with the same password: open + a full authenticated scan of each."""
    def fn(reporter: Reporter):
        return bundles.verify_bundles(ctx, bundles.VerifyBundles(tuple(paths), password), reporter=reporter)
    return fn


def read_header(ctx, path: Path) -> Task:
    def fn(reporter: Reporter):
        return bundles.inspect_bundle(ctx, bundles.InspectBundle(path), reporter=reporter).header
    return fn


# --- import -------------------------------------------------------------------------------------------
Validated = imports.ImportPlan


def open_and_validate(ctx, path: Path, password: str | None, *, recovery_key_file: Path | None = None) -> Task:
    """Open (header, password or the organisation's recovery key file), then one streaming pass:
    authenticate, validate, plan against the unit the bundle came from."""
    def fn(reporter: Reporter) -> Validated:
        key = bundles.BundleKey(password, recovery_key_file)
        return imports.preview_import(ctx, imports.PreviewImport(path, key), reporter=reporter)
    return fn


def preview(ctx, validated: Validated, target_name: str, mode: str, sections) -> Task:
    """A new target: plan again against it (the diff needs the target's records)."""
    def fn(reporter: Reporter):
        return imports.retarget_import(ctx, imports.Retarget(validated, target_name, mode, sections),
                                       reporter=reporter).preview
    return fn


def rechoose(preview_obj, mode: str, sections) -> Task:
    """Same target, another mode or section choice: the plan only (no I/O)."""
    def fn(reporter: Reporter):
        return preview_obj.with_choice(mode, sections)
    return fn


def more_changes(ctx, validated: Validated, preview_obj, section: str, kind: str, start: int, n: int) -> Task:
    """The next ``n`` keys of one kind of change in a section, after the first ``start`` (the plan lists
    the first ones; the rest stream from the bundle and the unit on demand)."""
    return _changes_page(ctx, imports.ImportPlan(validated.path, validated.source, preview_obj), section, kind,
                         start, n)


def more_undo_changes(ctx, plan: imports.SnapshotPlan, section: str, kind: str, start: int, n: int) -> Task:
    """The same for what an undo would change (from the safety snapshot and the unit)."""
    return _changes_page(ctx, imports.ImportPlan(None, plan.source, plan.preview), section, kind, start, n)


def _changes_page(ctx, plan: imports.ImportPlan, section: str, kind: str, start: int, n: int) -> Task:
    def fn(reporter: Reporter) -> list[str]:
        import itertools

        keys = imports.list_import_changes(ctx, imports.ListChanges(plan, section, kind), reporter=reporter)
        return list(itertools.islice(keys, start, start + n))
    return fn


def apply(ctx, validated: Validated, preview_obj, *, safety_snapshot: bool, allow_other_unit: bool,
          reason: str | None = None) -> Task:
    """``reason``: why (a replace import asks for one once the installation has users)."""
    def fn(reporter: Reporter):
        plan = imports.ImportPlan(validated.path, validated.source, preview_obj)
        return imports.apply_import(ctx, imports.ApplyImport(plan, safety_snapshot=safety_snapshot,
                                                             other_unit_confirmed=allow_other_unit, reason=reason),
                                    reporter=reporter)
    return fn


def preview_undo(ctx, snapshot_id: str) -> Task:
    """What undoing exactly the import that took safety snapshot ``snapshot_id`` would change."""
    def fn(reporter: Reporter) -> imports.SnapshotPlan:
        return imports.preview_safety_snapshot(ctx, imports.PreviewSafetySnapshot(snapshot_id=snapshot_id),
                                               reporter=reporter)
    return fn


def undo(ctx, plan: imports.SnapshotPlan) -> Task:
    def fn(reporter: Reporter) -> imports.SnapshotRestored:
        return imports.restore_safety_snapshot(ctx, imports.RestoreSafetySnapshot(plan, other_unit_confirmed=True),
                                               reporter=reporter)
    return fn


def undo_import(ctx, snapshot_id: str) -> Task:
    """Preview and apply in one task: undo exactly the import that took ``snapshot_id``."""
    def fn(reporter: Reporter) -> imports.SnapshotRestored:
        return undo(ctx, preview_undo(ctx, snapshot_id)(reporter))(reporter)
    return fn



# --- watching the store for changes made elsewhere (the CLI, another window) ----------------------------------
def unit_revisions(ctx) -> Task:
    """``{unit id: (name, revision)}``: every committed change to a unit bumps its revision, and a
    deleted unit drops out, so comparing two answers tells whether the views are stale."""
    def fn(reporter: Reporter) -> dict[str, tuple[str, int | None]]:
        return units.unit_revisions(ctx, reporter=reporter)
    return fn


# --- settings: the organisation's recovery key, key derivation, safety snapshots ---------------------------
RECOVERY_FILES = ("recovery.key", "recovery.pub", "recovery-kit.html")


def create_recovery_key(ctx, folder: Path, *, use: bool = True, overwrite: bool = False) -> Task:
    """Write recovery.key, recovery.pub and the printable recovery-kit.html into ``folder``; with
    ``use``, new exports add a recovery slot for it."""
    def fn(reporter: Reporter) -> settings.RecoveryKeyFiles:
        return settings.create_recovery_key(ctx, settings.CreateRecoveryKey(Path(folder), overwrite=overwrite,
                                                                            use=use), reporter=reporter)
    return fn


def use_recovery_key(ctx, public_key_file: Path) -> Task:
    """New exports add a recovery slot for the public key in ``public_key_file`` (recovery.pub)."""
    def fn(reporter: Reporter) -> str:
        return settings.use_recovery_key(ctx, settings.UseRecoveryKey(Path(public_key_file)),
                                         reporter=reporter).public_key
    return fn


def clear_recovery_key(ctx) -> Task:
    def fn(reporter: Reporter) -> None:
        settings.clear_recovery_key(ctx, reporter=reporter)
    return fn


def kdf_status(ctx) -> settings.KdfSetting:
    return settings.show_kdf(ctx)


def calibrate_kdf(ctx) -> Task:
    """Measure Argon2id here (a few seconds) and store parameters taking about half a second to a second."""
    def fn(reporter: Reporter) -> settings.KdfSetting:
        return settings.calibrate_kdf(ctx, reporter=reporter)
    return fn


def reset_kdf(ctx) -> Task:
    def fn(reporter: Reporter) -> settings.KdfSetting:
        return settings.reset_kdf(ctx, reporter=reporter)
    return fn


def snapshots_kept(ctx) -> int:
    return settings.show_retention(ctx).snapshots_keep


def set_snapshots_kept(ctx, count: int) -> Task:
    """How many safety snapshots to keep per unit (the oldest beyond it go at the next import)."""
    def fn(reporter: Reporter) -> int:
        return settings.set_retention(ctx, settings.SetRetention(snapshots_keep=int(count)),
                                      reporter=reporter).snapshots_keep
    return fn
