"""Account backups: back up on demand (queued), list, lock, verify, forget; what a backup holds; restore
plans and queued restores; downloads; retention and restore conditions.

Work that takes long (backups, restores, downloads) is queued (core/app/queue.py) and run by the
app's own workers; an owner's passphrase given here is held in this process's memory only, for the
item that needs it (docs/queue.md)."""

from __future__ import annotations

from core.app import backups, queue
from desktop.ops import Task

KeyFiles = backups.KeyFiles
restore_path = backups.restore_path      # a path of a backup's file index, as requests take it


def keys(recovery_key_file: str = "", account_key_file: str = "", owner_key_file: str = "") -> backups.KeyFiles:
    return backups.KeyFiles(recovery_key_file or None, account_key_file or None, owner_key_file or None)


# --- back up -------------------------------------------------------------------------------------------
def owner_key_needed(ctx, account: str, destination: str) -> Task:
    """True when backing up this account there needs the owner's passphrase now."""
    def fn(reporter) -> bool:
        return backups.owner_key_needed(ctx, backups.BackupTarget(account, destination), reporter=reporter)
    return fn


def queue_backup(ctx, account: str, destination: str, items: str, passphrase: str | None = None,
                 key_files: backups.KeyFiles | None = None) -> Task:
    """An on-demand backup, queued; returns the queue item."""
    def fn(reporter):
        request = backups.BackupNow(account, destination, items, passphrase or None, keys=key_files or KeyFiles())
        return queue.queue_work(ctx, queue.QueueWork(request), reporter=reporter)
    return fn


# --- list, lock, verify, forget ------------------------------------------------------------------------
def list_backups(ctx, account: str) -> Task:
    """core/app/backups.py BackupListing (the account's backups, oldest first)."""
    def fn(reporter):
        return backups.list_backups(ctx, backups.ListBackups(account), reporter=reporter)
    return fn


def lock(ctx, backup_id: str, *, until: str | None = None, reason: str | None = None) -> Task:
    def fn(reporter):
        return backups.lock_backup(ctx, backups.LockBackup(backup_id, True, until or None, reason or None),
                                   reporter=reporter)
    return fn


def unlock(ctx, backup_id: str) -> Task:
    def fn(reporter):
        return backups.lock_backup(ctx, backups.LockBackup(backup_id, False), reporter=reporter)
    return fn


def verify(ctx, backup_id: str, *, read_data: bool = False, passphrase: str | None = None,
           key_files: backups.KeyFiles | None = None) -> Task:
    def fn(reporter):
        return backups.verify_backup(ctx, backups.VerifyBackup(backup_id, read_data, passphrase or None,
                                                               keys=key_files or KeyFiles()), reporter=reporter)
    return fn


def forget(ctx, backup_id: str) -> Task:
    def fn(reporter):
        return backups.forget_backup(ctx, backups.ForgetBackup(backup_id, confirmed=True), reporter=reporter)
    return fn


def show(ctx, backup_id: str) -> Task:
    def fn(reporter):
        return backups.show_backup(ctx, backups.BackupRef(backup_id), reporter=reporter)
    return fn


# --- what a backup holds ---------------------------------------------------------------------------------
def browse(ctx, backup_id: str, passphrase: str | None = None, key_files: backups.KeyFiles | None = None) -> Task:
    """core/accounts/contents.py BackupContents: settings, units, a file index (the manifest only)."""
    def fn(reporter):
        return backups.browse_backup(ctx, backups.BrowseBackup(backup_id, passphrase or None,
                                                               keys=key_files or KeyFiles()), reporter=reporter)
    return fn


# --- restore ---------------------------------------------------------------------------------------------
def restore_request(backup_id: str, items: str, mode: str, *, paths=(), suspend: bool = False,
                    passphrase: str | None = None, key_files: backups.KeyFiles | None = None,
                    accept_conditions: bool = False, to: str | None = None) -> backups.RestoreBackup:
    return backups.RestoreBackup(backup_id, items, mode, paths=tuple(paths), to=to or None, suspend=suspend,
                                 passphrase=passphrase or None, confirmed=mode == "terminate",
                                 keys=key_files or KeyFiles(), accept_conditions=accept_conditions)


def check_restore(request: backups.RestoreBackup) -> None:
    """Refuse a request that cannot work before anything is read (instant)."""
    backups.check_restore(request)


def plan_restores(ctx, requests: list[backups.RestoreBackup]) -> Task:
    """The dry run of each request: core/app/backups.py RestoreOutcome (plan, no result), in order."""
    from dataclasses import replace

    def fn(reporter):
        return [backups.restore_backup(ctx, replace(r, dry_run=True), reporter=reporter) for r in requests]
    return fn


def restore_changes(ctx, request: backups.RestoreBackup, unit, section: str, kind: str, start: int, n: int) -> Task:
    """The next ``n`` keys of one kind of change in a section of a unit a restore's dry run planned,
    after the first ``start`` (the backup is opened again; the rest stream on demand)."""
    from dataclasses import replace

    def fn(reporter):
        return list(backups.list_restore_changes(ctx, backups.RestoreUnitChanges(
            replace(request, dry_run=True), unit, section, kind, start, n), reporter=reporter))
    return fn


def queue_restores(ctx, requests: list[backups.RestoreBackup]) -> Task:
    """Queue each restore (one item per backup); returns the queue items."""
    def fn(reporter):
        return [queue.queue_work(ctx, queue.QueueWork(r), reporter=reporter) for r in requests]
    return fn


def conditions(ctx) -> list:
    """The restore conditions an admin defined (one small query)."""
    return backups.list_conditions(ctx)


def add_condition(ctx, text: str) -> Task:
    def fn(reporter):
        return backups.add_condition(ctx, backups.AddCondition(text), reporter=reporter)
    return fn


def remove_condition(ctx, condition_id: int) -> Task:
    def fn(reporter):
        return backups.remove_condition(ctx, backups.RemoveCondition(condition_id), reporter=reporter)
    return fn


# --- downloads ----------------------------------------------------------------------------------------------
def download_needs_password(items: str) -> bool:
    return backups.download_needs_password(items)


def queue_download(ctx, backup_id: str, items: str, *, paths=(), bundle_password: str | None = None,
                   passphrase: str | None = None, key_files: backups.KeyFiles | None = None) -> Task:
    def fn(reporter):
        request = backups.DownloadBackup(backup_id, items, paths=tuple(paths), bundle_password=bundle_password or None,
                                         passphrase=passphrase or None, keys=key_files or KeyFiles())
        return queue.queue_work(ctx, queue.QueueWork(request), reporter=reporter)
    return fn


def downloads(ctx) -> Task:
    """core/accounts/download.py Download records not yet expired."""
    def fn(reporter):
        return backups.list_downloads(ctx, reporter=reporter)
    return fn


# --- retention -------------------------------------------------------------------------------------------------
def retention(ctx, *, dry_run: bool) -> Task:
    def fn(reporter):
        return backups.run_retention(ctx, backups.RunRetention(dry_run=dry_run), reporter=reporter)
    return fn
