"""Use cases for units: list, show, browse, seed, delete, digest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.app.usecase import use_case
from core.errors import ConfirmationRequired
from core.unit.records import SECTIONS, SectionCounts, Unit, check_unit_name


@dataclass(frozen=True)
class UnitSummary:
    unit: Unit
    counts: SectionCounts

    def to_json(self) -> dict:
        u = self.unit
        return {"id": u.id, "name": u.name, "display_name": u.display_name, "counts": self.counts.as_dict()}


@use_case("unit.list")
def list_units(ctx, request=None, *, actor, reporter) -> list[UnitSummary]:
    store = ctx.units
    counts = store.all_counts()
    return [UnitSummary(u, counts.get(u.id, SectionCounts())) for u in store.list_units()]


@use_case("unit.revisions", quiet=True)
def unit_revisions(ctx, request=None, *, actor, reporter) -> dict[str, tuple[str, int | None]]:
    """``{unit id: (name, revision)}``, for views that watch for changes made elsewhere: every
    committed change to a unit bumps its revision, and a deleted unit drops out. Quiet in the log:
    the desktop asks every few seconds."""
    store = ctx.units
    with store.read() as conn:
        return {u.id: (u.name, store.revision(u.id, conn)) for u in store.list_units(conn)}


@dataclass(frozen=True)
class UnitRef:
    name: str


@use_case("unit.show", target=lambda r: r.name)
def show_unit(ctx, req: UnitRef, *, actor, reporter) -> UnitSummary:
    unit = ctx.units.get_unit(req.name)
    return UnitSummary(unit, ctx.units.counts(unit.id))


@dataclass(frozen=True)
class UnitRecords:
    """A unit's records for a browser, in the wire form: per section a sequence read a page at a time
    (core.unit.pages.SectionPages), so a million-record unit costs what a small one does."""
    unit: Unit
    counts: SectionCounts
    sections: dict[str, Any]  # section -> SectionPages (len() and [i], in key order)
    workspace_names: Any  # workspace id -> name, looked up on demand (.get)


@use_case("unit.browse", target=lambda r: r.name)
def browse_unit(ctx, req: UnitRef, *, actor, reporter) -> UnitRecords:
    from core.unit.pages import SectionPages, WorkspaceNames

    store = ctx.units
    unit = store.get_unit(req.name)
    sections: dict[str, Any] = {}
    with store.read() as conn:
        counts = store.counts(unit.id, conn)
        reporter.stage("read", len(SECTIONS))
        for section in SECTIONS:
            sections[section] = SectionPages.open(store, unit.id, section, conn)
            reporter.advance(1)
    return UnitRecords(unit, counts, sections, WorkspaceNames(store, unit.id))


@dataclass(frozen=True)
class SeedUnit:
    name: str
    size: str = "small"
    seed: int = 0
    display_name: str | None = None
    drift: int = 0           # small live edits on top of the demo content (see core.unit.seed.drifted)


@use_case("unit.seed", writes=True, target=lambda r: f"{r.name}, {r.size}, seed {r.seed}")
def seed_unit(ctx, req: SeedUnit, *, actor, reporter) -> UnitSummary:
    """A demo unit whose content depends only on size and seed, in one transaction; a cancel (checked
    at every batch) rolls it back."""
    from core.errors import InvalidInputError
    from core.unit import seed

    check_unit_name(req.name)
    spec = seed.SIZES.get(req.size)
    if spec is None:
        raise InvalidInputError(f"Unknown size {req.size!r}.", hint=f"Use {', '.join(seed.SIZES)}.")
    reporter.stage("seeding", spec.plugins + spec.workspaces + spec.profiles + spec.config_keys)
    unit = seed.seed_unit(ctx.units, req.name, req.size, req.seed, display_name=req.display_name,
                          on_batch=reporter.advance, drift=req.drift)
    reporter.finish()
    publish_change(unit.name)
    return UnitSummary(unit, ctx.units.counts(unit.id))


@dataclass(frozen=True)
class DeleteUnit:
    name: str
    confirmed: bool = False
    safety_snapshot: bool = True       # keep what is deleted, so undo brings the unit back


@dataclass(frozen=True)
class UnitDeleted:
    unit: Unit
    snapshot_id: str | None


@use_case("unit.delete", writes=True, target=lambda r: r.name)
def delete_unit(ctx, req: DeleteUnit, *, actor, reporter) -> UnitDeleted:
    """Delete a unit and everything in it, in one transaction, after a safety snapshot of all of it
    (``undo NAME`` brings it back)."""
    from core.unit_import.delete import delete_unit as delete

    unit = ctx.units.get_unit(req.name)
    if not req.confirmed:
        raise ConfirmationRequired(f"Deleting unit {unit.name!r} needs confirmation.", kind="confirm_delete",
                                   data={"what": "unit", "name": unit.name})
    unit, snapshot_id = delete(ctx.units, ctx.home, ctx.secrets, req.name, safety_snapshot=req.safety_snapshot,
                               reporter=reporter)
    return UnitDeleted(unit, snapshot_id)


@use_case("unit.digest", target=lambda r: r.name)
def unit_digest(ctx, req: UnitRef, *, actor, reporter) -> str:
    from core.unit.digest import unit_digest as digest

    return digest(ctx.units, ctx.units.get_unit(req.name).id)


@use_case("unit.seed-demo", writes=True)
def seed_first_start(ctx, request=None, *, actor, reporter) -> Unit | None:
    """The demo unit on a fresh home's first start (never again, even if the user deletes it)."""
    from core.unit import seed

    if ctx.settings.get("app/first_start_done"):
        return None
    unit = None
    if not ctx.units.list_units():
        unit = seed.seed_unit(ctx.units, "demo", "small", 0, display_name="Demo unit")
    ctx.settings.set("app/first_start_done", 1)
    return unit


def publish_change(unit_name: str) -> None:
    from core.events import publish

    publish(unit_name)
