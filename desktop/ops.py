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


# --- undo exactly one import ------------------------------------------------------------------------------
@dataclass(frozen=True)
class UndoPreview:
    """What restoring one safety snapshot would change (the plan), before anything is changed."""
    snapshot: Any  # core.unit_import.safety.SafetySnapshot
    preview: Any  # core.unit_import.ImportPreview against the unit as it is now


def preview_undo(ctx, snapshot_id: str) -> Task:
    """Read the safety snapshot an import kept and plan its restore (writes nothing)."""
    def fn(reporter: Reporter) -> UndoPreview:
        from core.unit_import.undo import preview_safety_snapshot

        info, _source, preview_obj = preview_safety_snapshot(ctx.units, ctx.home, ctx.secrets, snapshot_id,
                                                             reporter)
        return UndoPreview(info, preview_obj)
    return fn


def undo_import(ctx, undo_preview: UndoPreview) -> Task:
    """Restore exactly that snapshot, as previewed, and record it as undone (like ``unitvault undo``,
    but for the snapshot of the import the wizard shows, not the unit's latest one)."""
    def fn(reporter: Reporter):
        from core.unit_import.undo import restore_safety_snapshot

        return restore_safety_snapshot(ctx.units, ctx.home, ctx.secrets, undo_preview.snapshot.id, reporter,
                                       preview=undo_preview.preview, _kind="undo")
    return fn


# --- watching the store for changes made elsewhere (the CLI, another window) ----------------------------------
def unit_revisions(ctx) -> Task:
    """``{unit id: (name, revision)}``: every committed change to a unit bumps its revision, and a
    deleted unit drops out, so comparing two answers tells whether the views are stale."""
    def fn(reporter: Reporter) -> dict[str, tuple[str, int | None]]:
        store = ctx.units
        with store.read() as conn:
            return {u.id: (u.name, store.revision(u.id, conn)) for u in store.list_units(conn)}
    return fn


# --- the log: GUI operations are written like CLI commands ------------------------------------------------
def logged(operation: str, detail: str, task: Task) -> Task:
    """Write ``operation`` to the log when it starts and how it ended, as the CLI does for a command.

    ``detail`` names what it works on (units, files), never a password: the log's filter redacts
    registered secrets as a second line of defence."""
    def fn(reporter: Reporter):
        from core.errors import Cancelled, UnitvaultError
        from core.logsetup import get_logger

        log = get_logger("desktop")
        log.info("operation: %s %s", operation, detail)
        try:
            result = task(reporter)
        except Cancelled:
            log.info("cancelled: %s", operation)
            raise
        except UnitvaultError as exc:
            log.info("failed: %s: %s", operation, exc.message)
            raise
        log.info("done: %s%s", operation, _outcome(result))
        return result
    return fn


def _outcome(result) -> str:
    written = getattr(result, "written", None)
    if written is not None:
        return f": {len(written)} written, {len(getattr(result, 'failed', []) or [])} failed"
    path = getattr(result, "path", None)
    if path is not None:
        return f": wrote {path}"
    unit = getattr(result, "unit", None)
    if unit is not None and hasattr(result, "snapshot_id"):
        snap = result.snapshot_id or "none"
        return f": unit {unit.name}, safety snapshot {snap}"
    return ""


# --- settings: the organisation's recovery key, key derivation, safety snapshots ---------------------------
# These call core's bundle and settings functions as `unitvault recovery-key`, `kdf` and the snapshot
# setting do; they move to the shared use cases once those exist.
RECOVERY_FILES = ("recovery.key", "recovery.pub", "recovery-kit.html")


@dataclass(frozen=True)
class RecoveryKit:
    """A new recovery key pair's files (the private key is never kept by the app)."""
    public_key: str
    folder: Path
    files: dict[str, Path]
    configured: bool


def create_recovery_key(ctx, folder: Path, *, use: bool = True, overwrite: bool = False) -> Task:
    """Write recovery.key, recovery.pub and the printable recovery-kit.html into ``folder``; with
    ``use``, new exports add a recovery slot for it."""
    def fn(reporter: Reporter) -> RecoveryKit:
        from core.bundle import format_private_key, format_public_key, generate_recovery_key
        from core.bundle.kit import recovery_kit_html
        from core.errors import AlreadyExistsError, InvalidInputError
        from core.fsutil import atomic_write_bytes
        from core.logsetup import register_secret

        out = Path(folder).expanduser()
        if out.exists() and not out.is_dir():
            raise InvalidInputError(f"{out} is not a folder.")
        out.mkdir(parents=True, exist_ok=True)
        files = {name: out / name for name in RECOVERY_FILES}
        if not overwrite:
            taken = [p for p in files.values() if p.exists()]
            if taken:
                raise AlreadyExistsError(f"The file {taken[0]} already exists.", kind="file_exists",
                                         data={"path": str(taken[0])})
        private, public = generate_recovery_key()
        sec, pub = format_private_key(private), format_public_key(public)
        register_secret(sec)
        atomic_write_bytes(files["recovery.key"], (
            "# Unitvault recovery key. Keep it offline; it opens every bundle exported with its public key.\n"
            f"# public key: {pub}\n{sec}\n").encode())
        atomic_write_bytes(files["recovery.pub"], f"{pub}\n".encode(), mode=0o644)
        atomic_write_bytes(files["recovery-kit.html"], recovery_kit_html(private, public).encode("utf-8"))
        if use:
            ctx.settings.set("recovery/public_key", pub)
        return RecoveryKit(pub, out, files, use)
    return fn


def use_recovery_key(ctx, public_key_file: Path) -> Task:
    """New exports add a recovery slot for the public key in ``public_key_file`` (recovery.pub)."""
    def fn(reporter: Reporter) -> str:
        from core.bundle import format_public_key, parse_public_key
        from core.errors import InvalidInputError, NotFoundError

        path = Path(public_key_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFoundError(f"No file {path}.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"{path} cannot be read as a public key file ({exc.__class__.__name__}).") \
                from None
        lines = [x for x in text.splitlines() if x.strip() and not x.lstrip().startswith("#")]
        if "UVSEC1-" in "".join("".join(lines).split()).upper():
            raise InvalidInputError("That file holds the private recovery key; choose the public key "
                                    "(recovery.pub).")
        pub = format_public_key(parse_public_key("\n".join(lines)))
        ctx.settings.set("recovery/public_key", pub)
        return pub
    return fn


def clear_recovery_key(ctx) -> Task:
    def fn(reporter: Reporter) -> None:
        ctx.settings.set("recovery/public_key", None)
    return fn


@dataclass(frozen=True)
class KdfStatus:
    kdf: Any  # core.bundle.KdfParams new exports use
    calibrated: bool


def kdf_status(ctx) -> KdfStatus:
    from core.bundle import default_kdf

    return KdfStatus(default_kdf(ctx.settings), ctx.settings.get("kdf/m_kib") is not None)


def calibrate_kdf(ctx) -> Task:
    """Measure Argon2id here (a few seconds) and store parameters taking about half a second to a second."""
    def fn(reporter: Reporter) -> KdfStatus:
        from core.bundle import calibrate_kdf as calibrate

        reporter.stage("calibrating key derivation")
        kdf = calibrate()
        ctx.settings.set("kdf/m_kib", kdf.m_kib)
        ctx.settings.set("kdf/t", kdf.t)
        ctx.settings.set("kdf/p", kdf.p)
        return kdf_status(ctx)
    return fn


def reset_kdf(ctx) -> Task:
    def fn(reporter: Reporter) -> KdfStatus:
        for key in ("kdf/m_kib", "kdf/t", "kdf/p"):
            ctx.settings.set(key, None)
        return kdf_status(ctx)
    return fn


def snapshots_kept(ctx) -> int:
    from core.unit_import.safety import keep_count

    return keep_count(ctx.home)


def set_snapshots_kept(ctx, count: int) -> Task:
    """How many safety snapshots to keep per unit (the oldest beyond it go at the next import)."""
    def fn(reporter: Reporter) -> int:
        from core.errors import InvalidInputError
        from core.unit_import.safety import KEEP_SETTING, keep_count

        if not 1 <= int(count) <= 1000:
            raise InvalidInputError("Keep between 1 and 1,000 safety snapshots per unit.")
        ctx.settings.set(KEEP_SETTING, int(count))
        return keep_count(ctx.home)
    return fn
