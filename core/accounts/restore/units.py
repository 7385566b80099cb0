"""Units in an account restore: each unit item of a backup is a record source for core/unit_import,
so a unit comes back through the same validate, preview and apply (with a safety snapshot) as an
imported bundle. Terminate replaces the chosen sections; merge keeps every live record."""

from __future__ import annotations

from core.accounts.restore.plan import ItemSelection, UnitRestorePlan
from core.errors import NotFoundError
from core.progress import Reporter
from core.support.strict_msgpack import unpacker
from core.unit.records import SECTIONS


class BackupUnitSource:
    """A RecordSource (core.unit_import) over one unit stored in a backup."""

    def __init__(self, snap, unit_item: dict, sections=SECTIONS):
        self.snap = snap
        self.item = unit_item
        self.sections = tuple(sections)
        self.source_unit_id = unit_item["unit_id"]
        self.source_unit_name = unit_item["name"]
        self.created = snap.header.created
        self.app_version = snap.manifest.get("app_version", "")
        self.counts = {s: unit_item["sections"][s]["count"] for s in SECTIONS}

    def expected_counts(self) -> dict[str, int]:
        return {s: self.counts[s] for s in self.sections}

    def records(self, reporter=None):
        reader = self.snap.reader()
        try:
            for section in SECTIONS:   # insert order matters: workspaces before profiles
                if section not in self.sections:
                    continue
                up = unpacker()
                for c in self.item["sections"][section]["chunks"]:
                    if reporter is not None:
                        reporter.check()
                    up.feed(reader.get(c))
                    for wire in up:
                        yield section, wire
        finally:
            reader.close()


def find_unit_items(manifest: dict, selection: ItemSelection) -> list[tuple[dict, tuple]]:
    units = manifest.get("units")
    if units is None:
        raise NotFoundError("The backup holds no units.")
    out = []
    for name, sections in selection.units.items():
        if name == "*":
            out.extend((u, sections) for u in units)
            continue
        match = [u for u in units if u["name"] == name]
        if not match:
            raise NotFoundError(f"The backup holds no unit named {name!r}.")
        out.append((match[0], sections))
    return out


def plan_units(store, snap, selection: ItemSelection, mode: str, reporter: Reporter) -> tuple[UnitRestorePlan, ...]:
    """Validate each chosen unit of the backup and preview it against the live unit (writes nothing)."""
    from core.unit_import import preview_import

    plans = []
    for item, sections in find_unit_items(snap.manifest, selection):
        source = BackupUnitSource(snap, item, sections)
        preview = preview_import(store, source, item["name"], mode="replace" if mode == "terminate" else "merge",
                                 sections=sections, reporter=reporter)
        plans.append(UnitRestorePlan(item["name"], tuple(sections), source, preview))
    return tuple(plans)


def unit_changes(store, snap, unit: UnitRestorePlan, section: str, kind: str, reporter: Reporter):
    """Every key of one kind of change in one section of a unit that a dry run of this backup planned,
    in key order: read again from the opened backup ``snap`` and the store (``ImportPreview.iter_changes``)."""
    item = next((u for u in snap.manifest.get("units") or ()
                 if u.get("name") == unit.name and u.get("unit_id") == unit.source.source_unit_id), None)
    if item is None:
        raise NotFoundError(f"The backup holds no unit named {unit.name!r}.")
    return unit.preview.iter_changes(store, BackupUnitSource(snap, item, unit.sections), section, kind, reporter)


def apply_units(ctx, plans: tuple[UnitRestorePlan, ...], reporter: Reporter) -> list[tuple[str, str]]:
    """Apply each unit's preview exactly (refused if the unit changed since), with a safety snapshot."""
    from core.unit_import import apply_import

    done = []
    for p in plans:
        apply_import(ctx.units, ctx.home, ctx.secrets, p.source, p.preview, safety_snapshot=True,
                     allow_other_unit=True, reporter=reporter)
        done.append((p.name, "replaced" if p.preview.plan.mode == "replace" else "merged"))
    return done
