"""Account restore: settings, units (whole or per section) and files from one backup.

Decide, then act: ``plan_restore`` reads the backup and the target and returns an
``AccountRestorePlan`` (restored, kept, skipped, removed; the units' import previews) without writing
anything; ``apply_restore`` executes exactly that plan. Modules: ``plan`` (the pure plan), ``files``
(the file writer and the read-only look at the target), ``units`` and ``settings``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from core.accounts.restore.files import FileRestoreResult, restore_files
from core.accounts.restore.live import read_live
from core.accounts.restore.plan import (
    MODES,
    AccountRestorePlan,
    FilesPlan,
    ItemSelection,
    check_mode,
    entry_ok,
    parse_paths,
    parse_restore_items,
    plan_files,
    plan_settings,
    selected,
)
from core.accounts.restore.settings import apply_settings
from core.accounts.restore.units import BackupUnitSource, apply_units, find_unit_items, plan_units
from core.errors import InvalidInputError, NotFoundError
from core.progress import Reporter


@dataclass(frozen=True)
class RestoreResult:
    backup_id: str
    account: str
    account_restored: bool
    units: tuple[tuple[str, str], ...]      # (unit name, what happened)
    files: FileRestoreResult | None
    suspended: bool

    @property
    def ok(self) -> bool:
        return self.files is None or not self.files.failed


def plan_restore(ctx, snap, selection: ItemSelection, *, mode: str, paths=None, to: str | None = None,
                 suspend: bool = False, reporter: Reporter | None = None) -> AccountRestorePlan:
    """What restoring ``selection`` from the opened backup ``snap`` would do. Writes nothing."""
    reporter = reporter or Reporter()
    check_mode(mode)
    wanted = parse_paths(paths)
    if wanted is not None and not selection.files:
        raise InvalidInputError("Chosen paths are files; add the files to what is restored.",
                                kind="paths_need_files")
    entry = snap.entry
    account = ctx.catalog.accounts.find(entry.account_id)
    settings = None
    if selection.account:
        saved = snap.manifest.get("account_settings")
        if saved is None:
            raise NotFoundError("The backup holds no account settings.")
        settings = plan_settings(saved, account, mode)
    units = plan_units(ctx.units, snap, selection, mode, reporter) if selection.units else ()
    files = None
    if selection.files:
        manifest_files = snap.manifest.get("files")
        if manifest_files is None:
            raise NotFoundError(f"Backup {entry.id} holds no files.")
        target = to
        if target is None:
            if account is None or account.status == "deleted":
                if settings is not None and settings.action == "create":
                    target = settings.values["home_dir"]
                else:
                    raise InvalidInputError("The account is not in the catalog; choose where to restore the files.",
                                            kind="restore_target_needed")
            else:
                target = account.home_dir
        reporter.stage("reading the target")
        all_entries = manifest_files.get("entries", [])
        chosen = [e for e in all_entries if entry_ok(e) and selected(e[0], wanted)]
        files = plan_files(all_entries, wanted, mode, target, read_live(target, chosen, wanted),
                           as_root=os.geteuid() == 0, root_entry=manifest_files.get("root_entry"))
    will_exist = (account is not None and account.status != "deleted") or (settings and settings.action == "create")
    name = account.username if account else (settings.values["username"] if settings and settings.action == "create"
                                             else entry.info.get("username", entry.account_id))
    return AccountRestorePlan(entry.id, entry.account_id, name, mode, settings, units, files,
                              bool(suspend and will_exist))


def apply_restore(ctx, snap, plan: AccountRestorePlan, reporter: Reporter | None = None) -> RestoreResult:
    """Execute ``plan`` exactly: settings, then units (each refused if it changed since its preview),
    then files, then the suspension."""
    reporter = reporter or Reporter()
    account_done = False
    if plan.settings is not None:
        apply_settings(ctx.catalog, plan.settings)
        account_done = True
    units_done = apply_units(ctx, plan.units, reporter) if plan.units else []
    files_result = restore_files(snap, plan.files, reporter=reporter) if plan.files is not None else None
    suspended = False
    if plan.suspend:
        ctx.catalog.accounts.set_status(plan.account_id, "suspended")
        suspended = True
    return RestoreResult(plan.backup_id, plan.account, account_done, tuple(units_done), files_result, suspended)


def restore_backup(ctx, backup_id: str, *, items: str | ItemSelection, mode: str = "merge", paths=None,
                   to: str | None = None, suspend: bool = False, passphrase: str | None = None, destination=None,
                   reporter: Reporter | None = None, credentials=None) -> RestoreResult:
    """Open, plan and apply in one call (engine tests and scripts; the app's use case shows the plan first)."""
    from core.accounts.opened import open_backup

    reporter = reporter or Reporter()
    selection = items if isinstance(items, ItemSelection) else parse_restore_items(items)
    check_mode(mode)
    with open_backup(ctx, backup_id, passphrase=passphrase, destination=destination, reporter=reporter,
                     credentials=credentials) as snap:
        plan = plan_restore(ctx, snap, selection, mode=mode, paths=paths, to=to, suspend=suspend, reporter=reporter)
        return apply_restore(ctx, snap, plan, reporter)


__all__ = ["MODES", "AccountRestorePlan", "BackupUnitSource", "FileRestoreResult", "FilesPlan", "ItemSelection",
           "RestoreResult", "apply_restore", "find_unit_items", "parse_restore_items", "plan_restore",
           "restore_backup", "restore_files"]
