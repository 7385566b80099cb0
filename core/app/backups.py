"""Use cases for account backups: back up now, list, show, verify, plan and restore, download.

Expired downloads are removed at the start of every backup operation (their TTL is a setting).
Owner-held keys: the owner's passphrase comes in the request (never stored); a missing one is a
``PassphraseRequired``, not a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from core.app.usecase import use_case
from core.errors import ConfirmationRequired, InvalidInputError


def _expire(ctx) -> None:
    from core.accounts.download import expire_downloads

    expire_downloads(ctx)


# --- back up ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupNow:
    account: str
    destination: str
    items: str | tuple[str, ...] | None = None     # account, units, files (default: all three)
    passphrase: str | None = field(default=None, repr=False)


@use_case("backup.now", writes=True, target=lambda r: f"{r.account} -> {r.destination}")
def backup_now(ctx, req: BackupNow, *, actor, reporter):
    """One backup of an account at a destination; returns core.accounts.backup.BackupResult."""
    from core.accounts.backup import backup_account, parse_items

    _expire(ctx)
    items = parse_items(req.items)
    ctx.catalog.accounts.get(req.account)
    ctx.catalog.destinations.get(req.destination)
    return backup_account(ctx, req.account, req.destination, items=items, passphrase=req.passphrase,
                          reporter=reporter)


# --- list and show -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListBackups:
    account: str
    destination: str | None = None


@dataclass(frozen=True)
class BackupListing:
    account: object         # core.catalog.Account
    backups: list           # core.catalog.BackupEntry, oldest first


@use_case("backup.list", target=lambda r: r.account)
def list_backups(ctx, req: ListBackups, *, actor, reporter) -> BackupListing:
    _expire(ctx)
    account = ctx.catalog.accounts.get(req.account)
    return BackupListing(account, ctx.catalog.backups.list(account.id, req.destination))


@dataclass(frozen=True)
class BackupRef:
    backup_id: str


@use_case("backup.show", target=lambda r: r.backup_id)
def show_backup(ctx, req: BackupRef, *, actor, reporter):
    """The index entry (kind, items, size, whose key: ``encryption`` is "owner" when the owner's
    passphrase is needed to read it)."""
    return ctx.catalog.backups.get(req.backup_id)


# --- verify ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VerifyBackup:
    backup_id: str
    read_data: bool = False
    passphrase: str | None = field(default=None, repr=False)


@use_case("backup.verify", target=lambda r: r.backup_id + (" (read data)" if r.read_data else ""))
def verify_backup(ctx, req: VerifyBackup, *, actor, reporter):
    """Structure, and with ``read_data`` every blob downloaded and authenticated; returns
    core.accounts.verify.VerifyResult (``ok`` and the problems, each naming its object)."""
    from core.accounts.verify import verify_backup as verify

    _expire(ctx)
    return verify(ctx, req.backup_id, read_data=req.read_data, passphrase=req.passphrase, reporter=reporter)


# --- restore ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RestoreBackup:
    backup_id: str
    items: str                                  # account,units[:UNIT[/SECTION]],files
    mode: str                                   # merge | terminate
    paths: tuple[str, ...] = ()                 # only these paths of the home directory
    to: str | None = None                       # files into this folder instead of the home directory
    suspend: bool = False                       # suspend the account afterwards
    passphrase: str | None = field(default=None, repr=False)
    dry_run: bool = False                       # plan only
    confirmed: bool = False                     # a terminate restore removes what it restores first

    def with_passphrase(self, passphrase: str | None) -> RestoreBackup:
        return replace(self, passphrase=passphrase)


@dataclass(frozen=True)
class RestoreOutcome:
    plan: object                 # core.accounts.restore.AccountRestorePlan
    result: object | None        # core.accounts.restore.RestoreResult; None for a dry run

    @property
    def ok(self) -> bool:
        return self.result is None or self.result.ok


def check_restore(req: RestoreBackup):
    """Refuse a request that cannot work (items, mode, paths, a terminate not confirmed) before any
    passphrase is asked for; returns the parsed item selection."""
    from core.accounts.restore import parse_restore_items
    from core.accounts.restore.plan import check_mode

    selection = parse_restore_items(req.items)
    check_mode(req.mode)
    if req.paths and not selection.files:
        raise InvalidInputError("Chosen paths are files; add the files to what is restored.", kind="paths_need_files")
    if req.mode == "terminate" and not req.confirmed and not req.dry_run:
        raise ConfirmationRequired("A terminate restore removes what it restores first; it needs confirmation.",
                                   kind="confirm_terminate")
    return selection


@use_case("backup.restore", writes=True,
          target=lambda r: f"{r.backup_id} {r.items} ({r.mode}{', dry run' if r.dry_run else ''})")
def restore_backup(ctx, req: RestoreBackup, *, actor, reporter) -> RestoreOutcome:
    """Plan the restore (nothing written), and unless it is a dry run, execute exactly that plan."""
    from core.accounts.opened import open_backup
    from core.accounts.restore import apply_restore, plan_restore

    selection = check_restore(req)
    _expire(ctx)
    with open_backup(ctx, req.backup_id, passphrase=req.passphrase, reporter=reporter) as snap:
        plan = plan_restore(ctx, snap, selection, mode=req.mode, paths=req.paths or None, to=req.to,
                            suspend=req.suspend, reporter=reporter)
        if req.dry_run:
            return RestoreOutcome(plan, None)
        return RestoreOutcome(plan, apply_restore(ctx, snap, plan, reporter))


# --- downloads ---------------------------------------------------------------------------------------------
def download_needs_password(items: str) -> bool:
    """Units are downloaded as bundles, which need a password of their own."""
    from core.accounts.restore import parse_restore_items

    return bool(parse_restore_items(items).units)


@dataclass(frozen=True)
class DownloadBackup:
    backup_id: str
    items: str                                  # units[:UNIT],files
    paths: tuple[str, ...] = ()
    out_dir: str | None = None                  # default: the home's downloads folder
    overwrite: bool = False
    bundle_password: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)


@use_case("backup.download", writes=True, target=lambda r: f"{r.backup_id} {r.items}")
def download_backup(ctx, req: DownloadBackup, *, actor, reporter) -> list:
    """Units as .uvault bundles, files as .tar.zst; each download expires after the TTL."""
    from core.accounts.download import download_backup as download
    from core.app.bundles import check_password

    _expire(ctx)
    if download_needs_password(req.items):
        if not req.bundle_password:
            raise InvalidInputError("A unit download needs a password for its bundle.", kind="bundle_password_missing")
        check_password(req.bundle_password)
    return download(ctx, req.backup_id, items=req.items, out_dir=req.out_dir, bundle_password=req.bundle_password,
                    passphrase=req.passphrase, paths=list(req.paths) or None, overwrite=req.overwrite,
                    reporter=reporter)


@use_case("backup.downloads")
def list_downloads(ctx, request=None, *, actor, reporter) -> list:
    from core.accounts.download import list_downloads as listing

    _expire(ctx)
    return listing(ctx)

