"""Use cases for bundles: check a password, export units, inspect a bundle, verify written bundles."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.app.usecase import use_case
from core.errors import InvalidInputError, UnitvaultError


# --- passwords ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PasswordFeedback:
    ok: bool              # at least the floor every bundle password must reach
    problem: str          # why not, when not ok
    score: int            # 0 (very weak) .. 4 (strong)
    advice: str

    @property
    def weak(self) -> bool:
        return self.score < 2


def min_password() -> int:
    from core.bundle.limits import MIN_PASSWORD

    return MIN_PASSWORD


def password_feedback(password: str) -> PasswordFeedback:
    """Pure and quick (called on every keystroke by the GUI): the 4-character floor, then strength."""
    from core.bundle import password_strength

    floor = min_password()
    score, advice = password_strength(password)
    if len(password) < floor:
        return PasswordFeedback(False, f"The password needs at least {floor} characters.", score, advice)
    return PasswordFeedback(True, "", score, advice)


def check_password(password: str) -> str:
    """The floor as a refusal (the same rule the bundle writer applies)."""
    feedback = password_feedback(password)
    if not feedback.ok:
        raise InvalidInputError(feedback.problem, kind="password_too_short")
    return password


# --- export ---------------------------------------------------------------------------------------------
def default_bundle_name(unit: str) -> str:
    """The file name a bundle of ``unit`` gets by default (the batch template, now)."""
    from core.bundle.export import DEFAULT_TEMPLATE, bundle_name

    return bundle_name(DEFAULT_TEMPLATE, unit)


@dataclass(frozen=True)
class ExportTarget:
    """Where an export goes: one unit to a file, or one bundle per unit into a folder.

    ``folder=None`` decides by what ``out`` is: an existing folder, or (one unit) a file name."""
    units: tuple[str, ...]
    out: Path
    folder: bool | None = None
    name_template: str | None = None
    overwrite: bool = False

    @property
    def into_folder(self) -> bool:
        if self.folder is not None:
            return self.folder
        return len(self.units) != 1 or Path(self.out).is_dir()


@dataclass(frozen=True)
class ExportUnits:
    target: ExportTarget
    password: str = field(repr=False)
    recovery: bool = True      # add a slot for the configured organisation recovery key


@dataclass(frozen=True)
class ExportResult:
    written: list          # core.bundle.WriteResult per bundle
    failed: list           # (unit name, UnitvaultError)
    folder: Path           # where the bundles went
    recovery_slot: bool

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict:
        return {"written": [{"unit": w.unit_name, "path": str(w.path), "size": w.size, "counts": w.counts}
                            for w in self.written],
                "failed": [{"unit": n, "error": e.message, "kind": e.kind} for n, e in self.failed],
                "folder": str(self.folder), "recovery_slot": self.recovery_slot}


def _check_target(ctx, t: ExportTarget) -> None:
    from core.bundle.export import DEFAULT_TEMPLATE, check_template
    from core.bundle.writer import check_out_path

    if not t.units:
        raise InvalidInputError("Choose at least one unit to export.")
    if t.into_folder:
        check_template(t.name_template or DEFAULT_TEMPLATE)
        if not Path(t.out).is_dir():
            raise InvalidInputError(f"The folder {t.out} does not exist.", kind="folder_missing",
                                    data={"path": str(t.out)})
        return
    if len(t.units) > 1:
        raise InvalidInputError("One file holds one unit; choose a folder for several.", kind="one_file_many_units")
    if t.name_template:
        raise InvalidInputError("A name template names the files in a folder; a single file has its own name.",
                                kind="template_without_folder")
    check_out_path(t.out, t.overwrite)
    ctx.units.get_unit(t.units[0])


@use_case("bundle.export-check", target=lambda t: ",".join(t.units))
def check_export(ctx, target: ExportTarget, *, actor, reporter) -> ExportTarget:
    """Refuse a target that cannot work before anyone types a password."""
    _check_target(ctx, target)
    return target


@use_case("bundle.export", writes=True, target=lambda r: f"{','.join(r.target.units)} -> {r.target.out}",
          audit_detail=lambda r: {"written": len(r.written), "failed": [n for n, _ in r.failed]})
def export_units(ctx, req: ExportUnits, *, actor, reporter) -> ExportResult:
    """One bundle per unit (each with its own salt and file key). In a folder, a failing unit does not
    stop the others; a cancel stops the batch (bundles already written stay)."""
    from core import bundle
    from core.logsetup import register_secret

    register_secret(req.password)
    t = req.target
    _check_target(ctx, t)
    check_password(req.password)
    kdf = bundle.default_kdf(ctx.settings)
    public = bundle.configured_recovery_public_key(ctx.settings) if req.recovery else None
    if not t.into_folder:
        written = bundle.export_unit(ctx.units, t.units[0], t.out, password=req.password,
                                     recovery_public_key=public, kdf=kdf, overwrite=t.overwrite, reporter=reporter)
        return ExportResult([written], [], Path(t.out).parent, public is not None)
    batch = bundle.export_units(ctx.units, list(t.units), t.out, name_template=t.name_template or bundle.DEFAULT_TEMPLATE,
                                password=req.password, recovery_public_key=public, kdf=kdf, overwrite=t.overwrite,
                                reporter=reporter)
    return ExportResult(batch.written, batch.failed, Path(t.out), public is not None)


# --- inspect --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BundleKey:
    """How to open a bundle: its password, or the organisation's recovery key file."""
    password: str | None = field(default=None, repr=False)
    recovery_key_file: Path | None = None

    @property
    def given(self) -> bool:
        return self.password is not None or self.recovery_key_file is not None


def open_bundle_with(path, key: BundleKey):
    """The bundle opened (header checked, key slot opened) with a password or the recovery key."""
    from core.bundle import load_recovery_identity, open_bundle

    if key.recovery_key_file is not None:
        return open_bundle(path, recovery_identity=load_recovery_identity(key.recovery_key_file))
    return open_bundle(path, password=key.password)


@dataclass(frozen=True)
class InspectBundle:
    path: Path
    key: BundleKey = field(default_factory=BundleKey)


@dataclass(frozen=True)
class Inspection:
    header: object          # core.bundle.HeaderInfo
    manifest: object | None  # core.bundle.Manifest, when a key was given and every check passed

    def to_json(self) -> dict:
        out = dict(self.header.as_json())
        if self.manifest is not None:
            out["manifest"] = self.manifest.as_json()
        return out


@use_case("bundle.inspect", target=lambda r: str(r.path))
def inspect_bundle(ctx, req: InspectBundle, *, actor, reporter) -> Inspection:
    """Without a key: the header only (nothing is decrypted). With one: authenticate every chunk, check
    the manifest against the data and validate every record."""
    from core.bundle import read_header

    if not req.key.given:
        return Inspection(read_header(req.path), None)
    opened = open_bundle_with(req.path, req.key)
    try:
        manifest = opened.scan(reporter)
    finally:
        _close(opened)
    return Inspection(opened.header, manifest)


@dataclass(frozen=True)
class VerifyBundles:
    paths: tuple[Path, ...]
    password: str = field(repr=False)


@use_case("bundle.verify", target=lambda r: ", ".join(str(p) for p in r.paths))
def verify_bundles(ctx, req: VerifyBundles, *, actor, reporter) -> list[tuple[Path, object]]:
    """Open each written bundle with the same password and scan it whole (the export dialog's Verify)."""
    out = []
    for path in req.paths:
        opened = open_bundle_with(path, BundleKey(req.password))
        try:
            out.append((path, opened.scan(reporter)))
        finally:
            _close(opened)
    return out


def _close(opened) -> None:
    close = getattr(opened, "close", None)
    if close:
        close()


__all__ = ["BundleKey", "ExportResult", "ExportTarget", "ExportUnits", "InspectBundle", "Inspection",
           "PasswordFeedback", "UnitvaultError", "VerifyBundles", "check_export", "check_password",
           "export_units", "inspect_bundle", "min_password", "password_feedback", "verify_bundles"]
