"""Destinations and backups opened for the length of a ``with`` block.

``use_destination`` yields the destination a backup lives at and closes it at the end (a long-lived
worker never leaks SFTP sessions); a destination passed in by the caller (tests, a worker's shared
connection) is used as it is and left open. ``open_backup`` finds a backup by id alone: the catalog
says where it is; the repository gives its manifest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.accounts.keys import Credentials
from core.accounts.packs import BlobReader, refresh_index
from core.accounts.repository import BackupHeader, Repository
from core.errors import PassphraseRequired


@contextlib.contextmanager
def use_destination(ctx, name: str, destination=None) -> Iterator[object]:
    if destination is not None:
        yield destination
        return
    from core.destinations import open_destination

    dest = open_destination(ctx.catalog.destinations.get(name), ctx.secrets)
    try:
        yield dest
    finally:
        dest.close()


@dataclass
class OpenBackup:
    entry: object           # core.catalog.BackupEntry
    repo: Repository
    keys: object            # AccountKeys
    header: BackupHeader
    manifest: dict
    locations: dict         # blob id -> (pack, offset, length, raw)
    destination: object
    _stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack, repr=False)

    def reader(self, prefetch=None) -> BlobReader:
        return BlobReader(self.repo, self.keys, self.locations, prefetch=prefetch)

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> OpenBackup:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_backup(ctx, backup_id: str, *, passphrase: str | None = None, destination=None,
                reporter=None, credentials: Credentials | None = None) -> OpenBackup:
    """The backup, unlocked and indexed; close it (or use it as a context manager) when done.

    ``credentials`` may carry the owner's passphrase or key file, the organisation's recovery key or
    an exported account key (a fresh installation restoring app-held backups)."""
    entry = ctx.catalog.backups.get(backup_id)
    stack = contextlib.ExitStack()
    try:
        dest = stack.enter_context(use_destination(ctx, entry.destination, destination))
        repo = Repository(dest, entry.destination)
        repo.check()
        keys = repo.unlock(entry.account_id, ctx.secrets, credentials=Credentials.of(passphrase, credentials))
        if not keys.can_read_content:
            raise PassphraseRequired("Reading this backup needs the owner's key; the app can only write it.")
        header, manifest = repo.read_backup(keys, backup_id)
        mark_authenticated(ctx, entry)
        locations = refresh_index(repo, keys, ctx.catalog, entry.destination, reporter)
    except BaseException:
        stack.close()
        raise
    return OpenBackup(entry, repo, keys, header, manifest, locations, dest, stack)


def mark_authenticated(ctx, entry) -> None:
    """A backup filed from a clear header (a scan without keys) is known to be real once it opens."""
    if entry.status == "unverified":
        ctx.catalog.backups.set_status(entry.id, "complete")


def needs_passphrase(ctx, backup_id: str) -> bool:
    """True when reading the backup needs the owner's passphrase (owner-held keys always do)."""
    return ctx.catalog.backups.get(backup_id).encryption == "owner"
