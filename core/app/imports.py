"""Use cases for imports into units: open and preview, retarget, apply; safety snapshots and undo.

Decide, then act: ``preview_import`` authenticates and validates the whole bundle and plans against
the target without writing anything; the shell shows the plan and asks; ``apply_import`` executes
exactly that plan in one transaction (refused if the unit changed since), with a safety snapshot
first so ``undo`` gives the unit back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.app.bundles import BundleKey, open_bundle_with
from core.app.usecase import use_case
from core.errors import ConfirmationRequired, OtherUnitError
from core.unit.records import check_unit_name, parse_sections


@dataclass
class ImportPlan:
    """An opened, validated source and its preview against one target. ``preview.with_choice(mode,
    sections)`` gives another plan for the same target instantly (no I/O)."""
    path: Path | None
    source: object     # core.unit_import RecordSource
    preview: object    # core.unit_import.ImportPreview

    @property
    def validation(self):
        return self.preview.validation

    def with_choice(self, mode: str, sections=None) -> ImportPlan:
        return ImportPlan(self.path, self.source, self.preview.with_choice(mode, sections))


@dataclass(frozen=True)
class PreviewImport:
    path: Path
    key: BundleKey = field(default_factory=BundleKey)
    into: str | None = None              # the target unit; None: the unit the bundle came from
    mode: str = "replace"
    sections: tuple[str, ...] | str | None = None


@use_case("import.preview", target=lambda r: f"{r.path} -> {r.into or '(its own unit)'}")
def preview_import(ctx, req: PreviewImport, *, actor, reporter) -> ImportPlan:
    from core.bundle.checker import records_in, start_checker
    from core.support.thread import Background
    from core.unit_import import preview_import as preview
    from core.unit_import.live import start_live
    from core.unit_import.source import BundleSource

    if req.into is not None:
        check_unit_name(req.into)
    sections = parse_sections(req.sections) if isinstance(req.sections, str) else req.sections
    # The bundle's key is derived on a thread (Argon2id runs without the GIL) while the store opens, a
    # big target's live side starts reading in its helper and a big bundle's record checker starts.
    opening = Background(lambda: open_bundle_with(req.path, req.key), "unitvault-open-bundle")
    live = checker = None
    try:
        live = start_live(ctx.units, req.into) if req.into is not None else None
        checker = start_checker(records_in(req.path))
        source = BundleSource(opening.result(), path=req.path)
        reporter.check()
        target = req.into or source.source_unit_name
        return ImportPlan(Path(req.path), source, preview(ctx.units, source, target, mode=req.mode,
                                                          sections=sections, reporter=reporter, live=live,
                                                          checker=checker))
    finally:
        if live is not None:
            live.close()
        if checker is not None:
            checker.close()


@dataclass(frozen=True)
class Retarget:
    plan: ImportPlan
    into: str
    mode: str = "replace"
    sections: tuple[str, ...] | None = None


@use_case("import.retarget", target=lambda r: r.into)
def retarget_import(ctx, req: Retarget, *, actor, reporter) -> ImportPlan:
    """The same validated source planned against another unit (its records must be read)."""
    from core.unit_import import preview_import as preview

    check_unit_name(req.into)
    return ImportPlan(req.plan.path, req.plan.source,
                      preview(ctx.units, req.plan.source, req.into, mode=req.mode, sections=req.sections,
                              reporter=reporter))


@dataclass(frozen=True)
class ListChanges:
    plan: ImportPlan
    section: str
    kind: str                 # added | removed | changed | kept (merge: differs, the live record is kept)


def check_change_kind(section: str, kind: str) -> None:
    """Refuse a section or kind of change that does not exist (before any work)."""
    from core.errors import InvalidInputError
    from core.unit.records import SECTIONS
    from core.unit_import.apply import CHANGE_KINDS

    if section not in SECTIONS:
        raise InvalidInputError(f"There is no section {section!r}.", hint=f"Sections are: {', '.join(SECTIONS)}.")
    if kind not in CHANGE_KINDS:
        raise InvalidInputError(f"There is no kind of change {kind!r}.",
                                hint=f"Kinds are: {', '.join(CHANGE_KINDS)}.")


@use_case("import.changes", target=lambda r: f"{r.plan.preview.target_name}: {r.section} {r.kind}")
def list_import_changes(ctx, req: ListChanges, *, actor, reporter) -> Iterator[str]:
    """Every key of one kind of change in one section of a previewed import, in key order. A preview
    lists the first keys of each kind; the rest come on demand: this streams the source and the unit
    again (memory stays flat at any size). The iterator reads as it is consumed (``reporter``: its
    progress and cancel), so a caller takes as many keys as it shows."""
    check_change_kind(req.section, req.kind)
    return req.plan.preview.iter_changes(ctx.units, req.plan.source, req.section, req.kind, reporter)


@dataclass(frozen=True)
class ApplyImport:
    plan: ImportPlan
    safety_snapshot: bool = True
    other_unit_confirmed: bool = False   # the user saw that the source comes from another unit
    reason: str | None = None            # why (a replace import needs one once the installation has users)


def _other_unit_refusal(preview) -> OtherUnitError:
    v = preview.validation
    return OtherUnitError(f"The source comes from unit {v.source_unit_name!r}, not from unit "
                          f"{preview.target_name!r}; nothing was changed.", kind="other_unit_unconfirmed",
                          data={"source": v.source_unit_name, "target": preview.target_name})


@use_case("import.apply", writes=True, target=lambda r: f"{r.plan.path} -> {r.plan.preview.target_name}")
def apply_import(ctx, req: ApplyImport, *, actor, reporter):
    """Execute the plan in one transaction; returns core.unit_import.ImportResult."""
    from core.governance.guard import require_reason
    from core.unit_import import apply_import as apply

    preview = req.plan.preview
    if preview.other_unit and not req.other_unit_confirmed:
        raise _other_unit_refusal(preview)
    if preview.plan.mode == "replace" and not preview.plan.creates_unit:
        require_reason(ctx, req.reason, "a replace import", preview.target_name)
    return apply(ctx.units, ctx.home, ctx.secrets, req.plan.source, preview, safety_snapshot=req.safety_snapshot,
                 allow_other_unit=req.other_unit_confirmed, reporter=reporter)


# --- safety snapshots and undo ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ListSafetySnapshots:
    unit: str | None = None


@use_case("import.snapshots", target=lambda r: r.unit or "")
def list_safety_snapshots(ctx, req: ListSafetySnapshots, *, actor, reporter) -> list:
    from core.unit_import import list_safety_snapshots as listing

    _settle_interrupted_imports(ctx)
    return listing(ctx.home, req.unit)


@dataclass
class SnapshotPlan:
    """A safety snapshot opened and previewed against its unit: what restoring it would change."""
    info: object        # core.unit_import.SafetySnapshot
    source: object
    preview: object
    undo: bool          # restoring it undoes the operation it was taken before


@dataclass(frozen=True)
class PreviewSafetySnapshot:
    snapshot_id: str | None = None   # a snapshot by id (restore it, or undo exactly that import) ...
    unit: str | None = None          # ... or the latest one of a unit not undone yet (undo)
    undo: bool = True


@use_case("import.undo-preview", target=lambda r: r.snapshot_id or r.unit or "")
def preview_safety_snapshot(ctx, req: PreviewSafetySnapshot, *, actor, reporter) -> SnapshotPlan:
    from core.unit_import.undo import latest_undoable
    from core.unit_import.undo import preview_safety_snapshot as preview

    _settle_interrupted_imports(ctx)
    if req.snapshot_id is None and req.unit is None:
        raise ValueError("a snapshot id or a unit")
    snapshot_id = req.snapshot_id or latest_undoable(ctx.home, req.unit).id
    info, source, plan = preview(ctx.units, ctx.home, ctx.secrets, snapshot_id, reporter)
    return SnapshotPlan(info, source, plan, req.undo)


@dataclass(frozen=True)
class RestoreSafetySnapshot:
    plan: SnapshotPlan
    other_unit_confirmed: bool = False


@dataclass(frozen=True)
class SnapshotRestored:
    result: object | None     # core.unit_import.ImportResult, None when nothing had to change
    info: object


@use_case("import.undo", writes=True, target=lambda r: r.plan.info.id)
def restore_safety_snapshot(ctx, req: RestoreSafetySnapshot, *, actor, reporter) -> SnapshotRestored:
    """Apply a previewed safety snapshot. As an undo it is marked undone, so the next undo walks
    further back; when the unit already holds its content (an undo cut short after its commit) it is
    only marked."""
    from core.unit_import.safety import mark_undone
    from core.unit_import.undo import restore_safety_snapshot as restore

    p = req.plan
    if p.preview.other_unit and not req.other_unit_confirmed:
        raise _other_unit_refusal(p.preview)
    if not p.preview.plan.has_changes:
        if p.undo:
            mark_undone(ctx.home, p.info)
        return SnapshotRestored(None, p.info)
    result = restore(ctx.units, ctx.home, ctx.secrets, p.info.id, reporter, preview=p.preview,
                     allow_other_unit=req.other_unit_confirmed, _kind="undo" if p.undo else "restore")
    return SnapshotRestored(result, p.info)


def _settle_interrupted_imports(ctx) -> None:
    """Snapshots are chosen by their sidecars, which an import killed right after its commit left
    'pending': the store's first use (AppContext.units) settles them, so it must come first."""
    _ = ctx.units


def confirmation_needed(what: str, name: str) -> ConfirmationRequired:
    return ConfirmationRequired(f"Changing unit {name!r} needs confirmation; nothing was changed.",
                                kind="confirm_change", data={"what": what, "name": name})
