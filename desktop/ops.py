"""Task functions for the desktop: each returns ``fn(reporter)`` for the task runner and calls core only.

Like Anki's ``operations/*.py``: short builders, no UI code inside (they run on a worker thread), no
business logic (that lives in ``core``). Bundle and restore calls go through here so the GUI has one
place that knows their signatures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.progress import Reporter
from core.unit.records import SECTIONS

Task = Callable[[Reporter], Any]


# --- units ------------------------------------------------------------------------------------------
def list_units(ctx) -> Task:
    def fn(reporter: Reporter):
        store = ctx.units
        counts = store.all_counts()
        return [(u, counts.get(u.id)) for u in store.list_units()]
    return fn


@dataclass(frozen=True)
class UnitData:
    unit: Any
    counts: Any
    sections: dict[str, list[dict]]
    workspace_names: dict[str, str]


def load_unit(ctx, name: str) -> Task:
    """Every record of a unit for the browser. Building ~1M small containers would trigger repeated
    full collections of the cyclic GC (each scanning everything, GIL held: 100-200 ms stalls of the
    GUI thread on the large unit), so the GC is paused while building and the result is frozen out
    of its reach afterwards (it holds no cycles; refcounting frees it)."""
    def fn(reporter: Reporter) -> UnitData:
        import gc

        was = gc.isenabled()
        gc.disable()
        try:
            return _load(reporter)
        finally:
            gc.freeze()
            if was:
                gc.enable()

    def _load(reporter: Reporter) -> UnitData:
        store = ctx.units
        unit = store.get_unit(name)
        sections: dict[str, list[dict]] = {}
        with store.read() as conn:
            counts = store.counts(unit.id, conn)
            reporter.stage("read", sum(counts.as_dict().values()) - counts.applications)
            for section in SECTIONS:
                rows = []
                for wire in store.iter_wire(unit.id, section, conn):
                    rows.append(wire)
                    if len(rows) % 2000 == 0:
                        reporter.advance(2000)
                sections[section] = rows
        names = {w["id"]: w["name"] for w in sections["workspaces"]}
        return UnitData(unit, counts, sections, names)
    return fn


def dispose_later(data: UnitData | None) -> None:
    """Free a replaced unit's records on a helper thread, a slice at a time: one ``del`` of a 100k-record
    list would hold the GIL for tens of milliseconds and stall the GUI thread."""
    if data is None:
        return
    _trash().put(data)


_TRASH = None


def _trash():
    global _TRASH
    if _TRASH is None:
        import queue
        import threading

        _TRASH = queue.SimpleQueue()

        def drain(q=_TRASH):
            while True:
                data = q.get()
                for rows in data.sections.values():
                    while rows:
                        del rows[-500:]
                del data

        threading.Thread(target=drain, name="unitvault-dispose", daemon=True).start()
    return _TRASH


def unit_digest(ctx, name: str) -> Task:
    def fn(reporter: Reporter) -> str:
        from core.unit.digest import unit_digest as digest

        return digest(ctx.units, ctx.units.get_unit(name).id)
    return fn


# --- bundles ------------------------------------------------------------------------------------------
def password_strength(password: str) -> tuple[int, str]:
    from core.bundle import password_strength as strength

    return strength(password)


def recovery_status(ctx) -> tuple[str | None, BaseException | None]:
    """The organisation's recovery public key that exports add a slot for (its text form), or ``None``
    when none is configured; a configured but unusable key comes back as the error core raises."""
    from core.bundle import configured_recovery_public_key, format_public_key
    from core.errors import UnitvaultError

    try:
        public = configured_recovery_public_key(ctx.settings)
    except UnitvaultError as exc:
        return None, exc
    return (format_public_key(public) if public else None), None


def export_units(ctx, names: list[str], destination: Path, password: str, *, overwrite: bool = False,
                 name_template: str | None = None, recovery: bool = True) -> Task:
    """One name and a file destination: one bundle. Several names: one bundle per unit into a folder.

    Like ``unitvault export``: a recovery slot for the configured organisation key is added unless
    ``recovery`` is False (the CLI's --no-recovery)."""
    def fn(reporter: Reporter):
        from core import bundle

        kdf = bundle.default_kdf(ctx.settings)
        public = bundle.configured_recovery_public_key(ctx.settings) if recovery else None
        if len(names) == 1 and not destination.is_dir():
            return bundle.export_unit(ctx.units, names[0], destination, password=password,
                                      recovery_public_key=public, kdf=kdf, overwrite=overwrite,
                                      reporter=reporter)
        return bundle.export_units(ctx.units, names, destination,
                                   name_template=name_template or bundle.DEFAULT_TEMPLATE,
                                   password=password, recovery_public_key=public, kdf=kdf,
                                   overwrite=overwrite, reporter=reporter)
    return fn


def verify_bundles(paths: list[Path], password: str) -> Task:
    """Inspect written bundles with the same password: open + a full authenticated scan of each."""
    def fn(reporter: Reporter):
        from core import bundle

        out = []
        for path in paths:
            opened = bundle.open_bundle(path, password=password)
            try:
                out.append((path, opened.scan(reporter)))
            finally:
                close = getattr(opened, "close", None)
                if close:
                    close()
        return out
    return fn


def read_header(path: Path) -> Task:
    def fn(reporter: Reporter):
        from core import bundle

        return bundle.read_header(path)
    return fn


# --- import -------------------------------------------------------------------------------------------
@dataclass
class Validated:
    """A bundle opened with its password and validated in full, with a first preview against the unit
    the bundle came from (or that name as a new unit)."""
    path: Path
    source: Any  # core.unit_import.source.BundleSource
    preview: Any  # core.unit_import.ImportPreview

    @property
    def validation(self):
        return self.preview.validation


def open_and_validate(ctx, path: Path, password: str | None, *, recovery_key_file: Path | None = None) -> Task:
    """Open (header, password or the organisation's recovery key file), then one streaming pass:
    authenticate, validate, plan against the unit. Like ``import --recovery-key FILE``."""
    def fn(reporter: Reporter) -> Validated:
        from core.unit_import.apply import preview_import
        from core.unit_import.source import open_source

        if recovery_key_file is not None:
            from core.bundle import load_recovery_identity

            source = open_source(path, recovery_identity=load_recovery_identity(recovery_key_file))
        else:
            source = open_source(path, password=password)
        reporter.check()
        preview = preview_import(ctx.units, source, source.source_unit_name, reporter=reporter)
        return Validated(path, source, preview)
    return fn


def preview(ctx, validated: Validated, target_name: str, mode: str, sections) -> Task:
    """A new target: validate again against it (the diff needs the target's records)."""
    def fn(reporter: Reporter):
        from core.unit_import.apply import preview_import

        return preview_import(ctx.units, validated.source, target_name, mode=mode, sections=sections,
                              reporter=reporter)
    return fn


def rechoose(preview_obj, mode: str, sections) -> Task:
    """Same target, another mode or section choice: the plan only (no I/O)."""
    def fn(reporter: Reporter):
        return preview_obj.with_choice(mode, sections)
    return fn


def apply(ctx, validated: Validated, preview_obj, *, safety_snapshot: bool, allow_other_unit: bool) -> Task:
    def fn(reporter: Reporter):
        from core.unit_import.apply import apply_import

        return apply_import(ctx.units, ctx.home, ctx.secrets, validated.source, preview_obj,
                            safety_snapshot=safety_snapshot, allow_other_unit=allow_other_unit,
                            reporter=reporter)
    return fn


def undo(ctx, unit_name: str) -> Task:
    def fn(reporter: Reporter):
        from core.unit_import import undo as core_undo

        return core_undo(ctx.units, ctx.home, ctx.secrets, unit_name)
    return fn
