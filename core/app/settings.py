"""Use cases for the app's settings: key derivation for new bundles, the organisation's recovery
key, how many safety snapshots to keep, how long downloads live. Each setting is written here and
read by the core module that uses it (one key name, defined where it is read)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.app.usecase import use_case
from core.errors import AlreadyExistsError, InvalidInputError


# --- key derivation ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KdfSetting:
    m_kib: int
    t: int
    p: int
    calibrated: bool

    def to_json(self) -> dict:
        return {"m_kib": self.m_kib, "t": self.t, "p": self.p, "calibrated": self.calibrated}


def _kdf_setting(ctx) -> KdfSetting:
    from core.bundle.keys import KDF_SETTINGS, default_kdf

    kdf = default_kdf(ctx.settings)
    return KdfSetting(kdf.m_kib, kdf.t, kdf.p, ctx.settings.get(KDF_SETTINGS[0]) is not None)


@use_case("settings.kdf-show")
def show_kdf(ctx, request=None, *, actor, reporter) -> KdfSetting:
    return _kdf_setting(ctx)


@use_case("settings.kdf-calibrate", writes=True)
def calibrate_kdf(ctx, request=None, *, actor, reporter) -> KdfSetting:
    """Measure Argon2id here and store parameters that take about 0.5-1 s (never below the floor)."""
    from core import bundle
    from core.bundle.keys import KDF_SETTINGS

    reporter.stage("measuring")
    kdf = bundle.calibrate_kdf()
    for key, value in zip(KDF_SETTINGS, (kdf.m_kib, kdf.t, kdf.p), strict=True):
        ctx.settings.set(key, value)
    return _kdf_setting(ctx)


@use_case("settings.kdf-reset", writes=True)
def reset_kdf(ctx, request=None, *, actor, reporter) -> KdfSetting:
    from core.bundle.keys import KDF_SETTINGS

    for key in KDF_SETTINGS:
        ctx.settings.set(key, None)
    return _kdf_setting(ctx)


# --- the organisation's recovery key ---------------------------------------------------------------
@dataclass(frozen=True)
class RecoveryKeyStatus:
    public_key: str | None        # the configured key's text form, None when none is configured
    problem: str | None = None    # a configured key that cannot be used

    def to_json(self) -> dict:
        return {"public_key": self.public_key, "problem": self.problem}


@use_case("settings.recovery-show")
def recovery_key_status(ctx, request=None, *, actor, reporter) -> RecoveryKeyStatus:
    from core.bundle.keys import configured_recovery_public_key, format_public_key
    from core.errors import UnitvaultError

    try:
        public = configured_recovery_public_key(ctx.settings)
    except UnitvaultError as exc:
        return RecoveryKeyStatus(None, exc.message)
    return RecoveryKeyStatus(format_public_key(public) if public else None)


@dataclass(frozen=True)
class CreateRecoveryKey:
    folder: Path
    overwrite: bool = False
    use: bool = False         # also configure it for new exports


@dataclass(frozen=True)
class RecoveryKeyFiles:
    public_key: str
    private_key_file: Path
    public_key_file: Path
    kit_file: Path
    configured: bool

    def to_json(self) -> dict:
        return {"public_key": self.public_key, "configured": self.configured,
                "files": {"recovery.key": str(self.private_key_file), "recovery.pub": str(self.public_key_file),
                          "recovery-kit.html": str(self.kit_file)}}


@use_case("settings.recovery-create", writes=True, target=lambda r: str(r.folder))
def create_recovery_key(ctx, req: CreateRecoveryKey, *, actor, reporter) -> RecoveryKeyFiles:
    """Write recovery.key, recovery.pub and a printable recovery-kit.html into a folder. The private
    key is never stored by the app."""
    from core.bundle import format_private_key, format_public_key, generate_recovery_key
    from core.bundle.kit import recovery_kit_html
    from core.fsutil import atomic_write_bytes
    from core.logsetup import register_secret

    out = Path(req.folder).expanduser()
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"{out} is not a folder.")
    out.mkdir(parents=True, exist_ok=True)
    files = (out / "recovery.key", out / "recovery.pub", out / "recovery-kit.html")
    if not req.overwrite:
        taken = [str(p) for p in files if p.exists()]
        if taken:
            raise AlreadyExistsError(f"The file {taken[0]} already exists.", kind="file_exists",
                                     data={"path": taken[0]})
    private, public = generate_recovery_key()
    sec, pub = format_private_key(private), format_public_key(public)
    register_secret(sec)
    atomic_write_bytes(files[0], (
        "# Unitvault recovery key. Keep it offline; it opens every bundle exported with its public key.\n"
        f"# public key: {pub}\n{sec}\n").encode())
    atomic_write_bytes(files[1], f"{pub}\n".encode(), mode=0o644)
    atomic_write_bytes(files[2], recovery_kit_html(private, public).encode("utf-8"))
    if req.use:
        _use_public_key(ctx, pub)
    return RecoveryKeyFiles(pub, *files, req.use)


@dataclass(frozen=True)
class UseRecoveryKey:
    public_key_file: Path


def _use_public_key(ctx, text: str) -> str:
    from core.bundle.keys import RECOVERY_SETTING, format_public_key, parse_public_key

    if "UVSEC1-" in "".join(text.split()).upper():
        raise InvalidInputError("That is the private recovery key; give the public key (recovery.pub).",
                                kind="private_key_given")
    pub = format_public_key(parse_public_key(text))
    ctx.settings.set(RECOVERY_SETTING, pub)
    return pub


@use_case("settings.recovery-use", writes=True, target=lambda r: str(r.public_key_file))
def use_recovery_key(ctx, req: UseRecoveryKey, *, actor, reporter) -> RecoveryKeyStatus:
    """Configure new exports to add a recovery slot for the public key in a file."""
    from core.support.secretfiles import read_secret_file

    return RecoveryKeyStatus(_use_public_key(ctx, read_secret_file(req.public_key_file, "public key")))


@use_case("settings.recovery-clear", writes=True)
def clear_recovery_key(ctx, request=None, *, actor, reporter) -> RecoveryKeyStatus:
    from core.bundle.keys import RECOVERY_SETTING

    ctx.settings.set(RECOVERY_SETTING, None)
    return RecoveryKeyStatus(None)


# --- safety snapshots and downloads -----------------------------------------------------------------
@dataclass(frozen=True)
class Retention:
    snapshots_keep: int
    download_ttl_days: int

    def to_json(self) -> dict:
        return {"snapshots_keep": self.snapshots_keep, "download_ttl_days": self.download_ttl_days}


def _retention(ctx) -> Retention:
    from core.accounts.download import DEFAULT_TTL_DAYS, TTL_SETTING
    from core.unit_import.safety import DEFAULT_KEEP, KEEP_SETTING

    return Retention(ctx.settings.get_int(KEEP_SETTING, DEFAULT_KEEP),
                     ctx.settings.get_int(TTL_SETTING, DEFAULT_TTL_DAYS))


@use_case("settings.retention-show")
def show_retention(ctx, request=None, *, actor, reporter) -> Retention:
    return _retention(ctx)


@dataclass(frozen=True)
class SetRetention:
    snapshots_keep: int | None = None
    download_ttl_days: int | None = None


@use_case("settings.retention-set", writes=True)
def set_retention(ctx, req: SetRetention, *, actor, reporter) -> Retention:
    from core.accounts.download import TTL_SETTING
    from core.unit_import.safety import KEEP_SETTING

    if req.snapshots_keep is not None:
        if not 1 <= req.snapshots_keep <= 1000:
            raise InvalidInputError("Keep between 1 and 1,000 safety snapshots per unit.")
        ctx.settings.set(KEEP_SETTING, req.snapshots_keep)
    if req.download_ttl_days is not None:
        if not 1 <= req.download_ttl_days <= 365:
            raise InvalidInputError("Downloads live between 1 and 365 days.")
        ctx.settings.set(TTL_SETTING, req.download_ttl_days)
    return _retention(ctx)


# --- backups: catalog-wide (shared by every workstation on one catalog) -----------------------------------
@dataclass(frozen=True)
class BackupSettings:
    ondemand_max: int          # on-demand backups an account may have (1-99), unless the account says otherwise
    ondemand_keep: int         # newest on-demand backups kept per account and destination
    ondemand_ttl_days: int     # an on-demand backup expires this many days after it was made

    def to_json(self) -> dict:
        return {"ondemand_max": self.ondemand_max, "ondemand_keep": self.ondemand_keep,
                "ondemand_ttl_days": self.ondemand_ttl_days}


def _backup_settings(ctx) -> BackupSettings:
    from core.app import backups as b

    s = ctx.catalog.settings
    return BackupSettings(s.get_int(b.ONDEMAND_MAX, b.DEFAULT_ONDEMAND_MAX),
                          s.get_int(b.ONDEMAND_KEEP, b.DEFAULT_ONDEMAND_KEEP),
                          s.get_int(b.ONDEMAND_TTL, b.DEFAULT_ONDEMAND_TTL))


@use_case("settings.backups-show")
def show_backup_settings(ctx, request=None, *, actor, reporter) -> BackupSettings:
    return _backup_settings(ctx)


@dataclass(frozen=True)
class SetBackupSettings:
    ondemand_max: int | None = None
    ondemand_keep: int | None = None
    ondemand_ttl_days: int | None = None


@use_case("settings.backups-set", writes=True)
def set_backup_settings(ctx, req: SetBackupSettings, *, actor, reporter) -> BackupSettings:
    from core.app import backups as b

    s = ctx.catalog.settings
    if req.ondemand_max is not None:
        s.set(b.ONDEMAND_MAX, b.check_ondemand_max(req.ondemand_max))
    if req.ondemand_keep is not None:
        if not 1 <= req.ondemand_keep <= 99:
            raise InvalidInputError("Keep from 1 to 99 on-demand backups.")
        s.set(b.ONDEMAND_KEEP, req.ondemand_keep)
    if req.ondemand_ttl_days is not None:
        if not 1 <= req.ondemand_ttl_days <= 3650:
            raise InvalidInputError("On-demand backups live from 1 to 3,650 days.")
        s.set(b.ONDEMAND_TTL, req.ondemand_ttl_days)
    return _backup_settings(ctx)
