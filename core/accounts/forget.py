"""Forgetting a backup and locking one: the destination first, then the catalog.

A forgotten backup's object goes from the destination before its index row, so a rescan never brings
it back; its data (packs) stays until prune finds it unreferenced. A lock is written to the
destination too (repository.py), so a rescan keeps it.
"""

from __future__ import annotations

from core.accounts.opened import use_destination
from core.accounts.repository import Repository
from core.errors import UnitvaultError
from core.support.clock import now_iso


class BackupLockedError(UnitvaultError):
    """A locked backup cannot be removed until it is unlocked or its lock expires."""

    kind = "backup_locked"


def check_not_locked(ctx, entry) -> None:
    if entry.lock_active(now_iso(ctx.clock)):
        until = f" until {entry.locked_until}" if entry.locked_until else ""
        raise BackupLockedError(f"Backup {entry.id} is locked{until}; it is kept.",
                                data={"id": entry.id, "until": entry.locked_until})


def forget_backup(ctx, entry, *, destination=None) -> None:
    check_not_locked(ctx, entry)
    with use_destination(ctx, entry.destination, destination) as dest:
        repo = Repository(dest, entry.destination)
        repo.delete_backup(entry.account_id, entry.id)
        repo.delete_lock(entry.account_id, entry.id)
    ctx.catalog.backups.remove(entry.id)


def lock_backup(ctx, entry, *, until: str | None, reason: str | None, destination=None):
    with use_destination(ctx, entry.destination, destination) as dest:
        Repository(dest, entry.destination).write_lock(entry.account_id, entry.id, until, reason)
    return ctx.catalog.backups.set_lock(entry.id, True, until=until, reason=reason)


def unlock_backup(ctx, entry, *, destination=None):
    with use_destination(ctx, entry.destination, destination) as dest:
        Repository(dest, entry.destination).delete_lock(entry.account_id, entry.id)
    return ctx.catalog.backups.set_lock(entry.id, False)
