"""``account key reset`` (JetBackup's "reset encryption key"): a new key for an account.

Every backup sealed with the old key is deleted, at every destination that holds the account, with
the packs, indexes and other objects of the account there; the catalog forgets them. Then the old
key is replaced: an app-held account gets a new app key at once (key objects are made by the next
backup at each destination); an owner-held account gets a new key from the owner's new passphrase
(or key file) now if one is given, else at its next backup. The caller must type the account's
username to confirm: there is no undo. Locked backups are deleted too (a lock keeps a backup from
retention, not from its key being destroyed). A destination that cannot be reached stops the reset
before the key is replaced; running it again finishes the job.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from core.accounts.keys import Credentials, new_owner_writer
from core.accounts.opened import use_destination
from core.accounts.repository import Repository, app_secret_name
from core.errors import ConfirmationRequired
from core.progress import Reporter


@dataclass(frozen=True)
class KeyResetResult:
    account: str
    deleted_backups: int
    destinations: tuple[str, ...]       # where objects of the account were deleted
    new_key_ready: bool                 # False: an owner-held account's next backup asks for the passphrase


def reset_account_key(ctx, account_name: str, *, confirm: str, credentials: Credentials | None = None,
                      reporter: Reporter | None = None, destinations: dict | None = None) -> KeyResetResult:
    """Delete every backup of the account and give it a new key (see the module's docstring).
    ``confirm`` must be the account's username. ``destinations`` maps names to open destinations
    (tests); others are opened from the catalog."""
    reporter = reporter or Reporter()
    account = ctx.catalog.accounts.get(account_name)
    if confirm != account.username:
        raise ConfirmationRequired(
            f"Resetting the key of account {account.username} deletes every backup made with it; type the "
            "account's username to confirm.", kind="typed_confirmation_needed", data={"expected": account.username})
    deleted: set[str] = set()
    touched: list[str] = []
    for config in ctx.catalog.destinations.list():
        name = config.name
        reporter.stage(f"deleting at {name}")
        with use_destination(ctx, name, (destinations or {}).get(name)) as dest:
            repo = Repository(dest, name)
            if repo.check() and repo.list_account_objects(account.id):
                deleted.update(repo.delete_account(account.id, reporter))
                touched.append(name)
        for entry in ctx.catalog.backups.list(account.id, name):
            deleted.add(entry.id)
            ctx.catalog.backups.remove(entry.id)
        ctx.catalog.blobs.forget_packs(name, account.id)
    for entry in ctx.catalog.backups.list(account.id):      # indexed at destinations no longer configured
        deleted.add(entry.id)
        ctx.catalog.backups.remove(entry.id)
    secret = app_secret_name(account.id)
    ready = True
    if account.encryption == "app":
        ctx.secrets.set(secret, os.urandom(32))
    else:
        ctx.secrets.delete(secret)
        creds = credentials or Credentials()
        if creds.has_owner_secret:
            ctx.secrets.set(secret, new_owner_writer(account.id, creds).to_secret())
        else:
            ready = False
    reporter.finish()
    return KeyResetResult(account.username, len(deleted), tuple(touched), ready)
