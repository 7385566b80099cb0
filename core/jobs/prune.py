"""Prune: data no backup needs any more leaves the destination, in two phases, safely.

Forgetting a backup (by hand or by retention) removes only its backup object; its blobs stay in
their packs until prune finds them unreferenced. Prune works per account at one destination:

1. **References**: every backup object *the destination lists* (not only those this catalog knows:
   another machine may share the destination) is read with the account's keys, and every blob it
   uses is collected (app-held keys read the manifest; write-only owner keys read the backup's
   cache object, which lists its blobs). A backup that cannot be read stops the prune of that
   account: nothing is removed on a guess.
2. **Mark**: a pack none of whose indexed blobs is referenced (and a pack with no index, left by
   an interrupted run) is *condemned*: recorded with the time in ``accounts/<uuid>/condemned``.
   A pack referenced again leaves the list.
3. **Sweep**: a pack condemned at least ``grace`` ago (default one hour) and still unreferenced now
   is deleted, then its index; the list is rewritten without it. An index whose pack is gone is
   deleted too.

Why this is safe when killed at any moment or when two machines share the destination: a backup
treats the packs condemned when it starts as absent (it uploads their blobs again instead of
referring to them), and just before writing its backup object it reads the list again and stops if
a pack it refers to was condemned meanwhile. So no backup object ever refers to a condemned pack,
and a pack is only deleted after a grace longer than that last check takes. A kill between two
deletions leaves packs that are gone or indexes without packs; the next prune finishes the work
(backups never deduplicate against an index whose pack is gone). Two prunes at once only delay a
deletion (the last one to write the list resets the others' timers).

``plan`` is pure (the dry run prints it); ``run`` gathers what it needs, plans, and executes exactly
that plan.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from core.errors import IntegrityError, UnitvaultError
from core.support.clock import to_iso

DEFAULT_GRACE = _dt.timedelta(hours=1)
KEEP, CONDEMN, DELETE, WAIT = "keep", "condemn", "delete", "wait"


@dataclass(frozen=True)
class PackDecision:
    pack_id: str
    action: str          # keep | condemn (new, deleted after the grace) | wait (condemned, grace not over) | delete
    reason: str
    size: int = 0

    def as_dict(self) -> dict:
        return {"pack": self.pack_id, "action": self.action, "reason": self.reason, "size": self.size}


@dataclass(frozen=True)
class PrunePlan:
    account_id: str
    decisions: tuple[PackDecision, ...]
    condemned: dict                          # the list to write: pack id -> condemned since (ISO)
    orphan_indexes: tuple[str, ...] = ()     # indexes whose pack is gone: deleted
    skipped: str | None = None               # why this account was not pruned

    def count(self, action: str) -> int:
        return sum(1 for d in self.decisions if d.action == action)

    def bytes(self, action: str) -> int:
        return sum(d.size for d in self.decisions if d.action == action)

    def as_dict(self) -> dict:
        return {"account_id": self.account_id, "skipped": self.skipped,
                "decisions": [d.as_dict() for d in self.decisions], "orphan_indexes": list(self.orphan_indexes),
                "counts": {a: self.count(a) for a in (KEEP, CONDEMN, WAIT, DELETE)},
                "bytes_deleted": self.bytes(DELETE)}


def plan(account_id: str, packs: dict[str, tuple[int, float | None]], indexes: dict[str, set[str]],
         referenced: set[str], condemned: dict[str, str], now: _dt.datetime,
         grace: _dt.timedelta = DEFAULT_GRACE) -> PrunePlan:
    """Pure. ``packs``: pack id -> (size, modification time or None) as listed; ``indexes``: pack id
    -> the blobs its index places there; ``referenced``: blobs some backup uses; ``condemned``: the
    list as read. A pack younger than the grace is not condemned: a run may be about to refer to it."""
    decisions = []
    new_list: dict[str, str] = {}
    deadline = to_iso(now - grace)
    young_after = (now - grace).timestamp()
    # Blobs stored in a pack that is not marked: a marked pack whose used blobs all have such a copy
    # (a backup stored them again rather than refer to the marked pack) is as good as unused.
    stored_elsewhere: set[str] = set()
    for pid, blobs in indexes.items():
        if pid in packs and pid not in condemned:
            stored_elsewhere |= blobs & referenced
    for pid in sorted(packs):
        size, mtime = packs[pid]
        used = indexes.get(pid, set()) & referenced
        copied = pid in condemned and used and used <= stored_elsewhere
        if used and not copied:
            decisions.append(PackDecision(pid, KEEP, f"{len(used)} blob{'s' if len(used) != 1 else ''} in use", size))
            continue
        why = ("no index (an interrupted run)" if pid not in indexes else
               "what backups use from it is stored again in other packs" if copied else "no backup uses it")
        since = condemned.get(pid)
        if since is None and mtime is not None and mtime > young_after:
            decisions.append(PackDecision(pid, KEEP, f"{why}, but newer than the grace (a run may still use it)",
                                          size))
        elif since is None:
            new_list[pid] = to_iso(now)
            decisions.append(PackDecision(pid, CONDEMN, f"{why}; deleted by a prune after the grace", size))
        elif since <= deadline:
            decisions.append(PackDecision(pid, DELETE, f"{why}; condemned since {since}", size))
        else:
            new_list[pid] = since
            decisions.append(PackDecision(pid, WAIT, f"{why}; condemned since {since}, grace not over", size))
    orphans = tuple(sorted(set(indexes) - set(packs)))
    return PrunePlan(account_id, tuple(decisions), new_list, orphans)


# --- the destination side ------------------------------------------------------------------------------
def referenced_by(repo, keys, backup_id: str) -> set[str]:
    from core.accounts.verify import _cached_blobs, referenced_blobs

    if keys.can_read_content:
        _header, manifest = repo.read_backup(keys, backup_id)
        return set(referenced_blobs(manifest))
    repo.authenticate_backup(keys, backup_id)
    return set(_cached_blobs(repo.read_cache(keys, backup_id)))


@dataclass
class PruneResult:
    destination: str
    plans: list = field(default_factory=list)
    deleted_packs: int = 0
    deleted_bytes: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"destination": self.destination, "dry_run": self.dry_run, "deleted_packs": self.deleted_packs,
                "deleted_bytes": self.deleted_bytes, "accounts": [p.as_dict() for p in self.plans]}


def prune_destination(ctx, name: str, *, dry_run: bool = False, grace: _dt.timedelta = DEFAULT_GRACE,
                      destination=None, reporter=None, credentials=None) -> PruneResult:
    from core.accounts.opened import use_destination
    from core.accounts.repository import Repository

    result = PruneResult(name, dry_run=dry_run)
    ctx.catalog.destinations.get(name)
    with use_destination(ctx, name, destination) as dest:
        repo = Repository(dest, name)
        if not repo.check():
            return result
        accounts = repo.list_accounts()
        if reporter is not None:
            reporter.stage("pruning", len(accounts))
        for acc in accounts:
            p = _prune_account(ctx, repo, name, acc, dry_run, grace, credentials)
            result.plans.append(p)
            if not dry_run and p.skipped is None:
                result.deleted_packs += p.count(DELETE)
                result.deleted_bytes += p.bytes(DELETE)
            if reporter is not None:
                reporter.advance()
    return result


def _prune_account(ctx, repo, name: str, acc: str, dry_run: bool, grace, credentials) -> PrunePlan:
    from core.accounts.keys import Credentials

    try:
        keys = repo.unlock(acc, ctx.secrets, credentials=credentials or Credentials())
    except UnitvaultError as exc:
        return PrunePlan(acc, (), {}, skipped=f"its key cannot be opened here ({exc.message})")
    referenced: set[str] = set()
    for sid in repo.list_backup_ids(acc):
        try:
            referenced |= referenced_by(repo, keys, sid)
        except UnitvaultError as exc:
            return PrunePlan(acc, (), {}, skipped=f"backup {sid} cannot be read ({exc.message}); nothing is "
                                                  "removed while a backup might need it")
    sizes = repo.pack_sizes(acc)
    indexes: dict[str, set[str]] = {}
    for pid in repo.list_index_ids(acc):
        try:
            indexes[pid] = set(repo.read_index(keys, pid))
        except IntegrityError as exc:
            return PrunePlan(acc, (), {}, skipped=f"an index cannot be read ({exc.message})")
    listed = repo.read_condemned(acc)
    decided = plan(acc, sizes, indexes, referenced, listed, ctx.clock.now(), grace)
    if dry_run:
        return decided
    # The list is written before anything is deleted, still naming the packs about to go, so a backup
    # starting now never refers to one of them; it loses them only once they are gone.
    deleting = {d.pack_id: listed[d.pack_id] for d in decided.decisions if d.action == DELETE}
    repo.write_condemned(acc, {**decided.condemned, **deleting})
    gone = []
    for d in decided.decisions:
        if d.action != DELETE:
            continue
        repo.delete_if_present(repo.pack_path(acc, d.pack_id))
        repo.delete_if_present(repo.index_path(acc, d.pack_id))
        gone.append(d.pack_id)
    for pid in decided.orphan_indexes:
        repo.delete_if_present(repo.index_path(acc, pid))
    if deleting:
        repo.write_condemned(acc, decided.condemned)
    if gone or decided.orphan_indexes:
        ctx.catalog.blobs.forget_packs(name, acc, gone + list(decided.orphan_indexes))
    return decided
