"""Use cases for account backups: back up now, list, show, verify, plan and restore, download.

Expired downloads are removed at the start of every backup operation (their TTL is a setting).
Owner-held keys: the owner's passphrase (or key file) comes in the request (never stored); a missing
one is a ``PassphraseRequired``, not a wrong password. It is needed once per installation to back
up (afterwards backups run unattended) and every time to read. A fresh installation reads app-held
backups with the organisation's recovery key file or the account's exported key (``KeyFiles``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from core.app.scope import account_named, account_of_backup
from core.app.usecase import use_case
from core.errors import ConfirmationRequired, InvalidInputError

if TYPE_CHECKING:
    from core.jobs.retention import Decisions


def _expire(ctx) -> None:
    from core.accounts.download import expire_downloads

    expire_downloads(ctx)


# --- keys given as files ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyFiles:
    """Keys given as files (each read with the secret-file cap, never stored): the organisation's
    recovery key or an account's exported key (a fresh installation reading app-held backups), or
    the owner's key file (an owner who reads with a key file instead of a passphrase)."""

    recovery_key_file: str | None = None
    account_key_file: str | None = None
    owner_key_file: str | None = None


def credentials(passphrase: str | None, keys: KeyFiles | None):
    """core.accounts.keys.Credentials from a request's passphrase and key files."""
    from core.accounts.keys import Credentials, load_account_key, load_owner_key

    keys = keys or KeyFiles()
    recovery = None
    if keys.recovery_key_file:
        from core.bundle.keys import load_recovery_identity

        recovery = load_recovery_identity(keys.recovery_key_file)
    return Credentials(passphrase=passphrase,
                       owner_key=load_owner_key(keys.owner_key_file) if keys.owner_key_file else None,
                       recovery=recovery,
                       account_key=load_account_key(keys.account_key_file) if keys.account_key_file else None)


# --- on-demand limits (catalog-wide settings, shared by every workstation) --------------------------------
ONDEMAND_MAX, ONDEMAND_KEEP, ONDEMAND_TTL = "ondemand/max", "ondemand/keep", "ondemand/ttl_days"
DEFAULT_ONDEMAND_MAX, DEFAULT_ONDEMAND_KEEP, DEFAULT_ONDEMAND_TTL = 10, 10, 30


def check_ondemand_max(n: int) -> int:
    if not isinstance(n, int) or not 1 <= n <= 99:
        raise InvalidInputError("The maximum of on-demand backups is a number from 1 to 99.", kind="invalid_max")
    return n


def ondemand_limit(ctx, account) -> int:
    """How many on-demand backups the account may have: its own maximum, else the global one."""
    if account.max_on_demand is not None:
        return account.max_on_demand
    return ctx.catalog.settings.get_int(ONDEMAND_MAX, DEFAULT_ONDEMAND_MAX)


# --- back up ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BackupNow:
    account: str
    destination: str
    items: str | tuple[str, ...] | None = None     # account, units, files (default: all three)
    passphrase: str | None = field(default=None, repr=False)
    keys: KeyFiles = field(default_factory=KeyFiles)
    job: str | None = None                          # a scheduled run of this job; None: on demand


class OnDemandLimitError(InvalidInputError):
    kind = "ondemand_limit"


@use_case("backup.now", writes=True, target=lambda r: f"{r.account} -> {r.destination}"
          + (f" (job {r.job})" if r.job else " (on demand)"), account=lambda ctx, r: account_named(ctx, r.account),
          notify="backup", audit_detail=lambda r: {"backup": r.backup_id, "files": r.files, "size": r.size})
def backup_now(ctx, req: BackupNow, *, actor, reporter):
    """One backup of an account at a destination; returns core.accounts.backup.BackupResult.

    On demand (no job): refused beyond the account's maximum of on-demand backups (kept ones count,
    expired ones not), and given a TTL; on-demand backups never count toward a job's rotation."""
    import datetime as _dt

    from core.accounts.backup import backup_account, parse_items
    from core.app.mybackups import refuse_user_destination
    from core.support.clock import now_iso, to_iso

    _expire(ctx)
    items = parse_items(req.items)
    account = ctx.catalog.accounts.get(req.account)
    ctx.catalog.destinations.get(req.destination)
    refuse_user_destination(req.destination, "backing up there")
    if req.job is not None:
        ctx.catalog.jobs.get(req.job)
        return backup_account(ctx, req.account, req.destination, items=items, reporter=reporter,
                              credentials=credentials(req.passphrase, req.keys), kind="scheduled", job=req.job)
    now = now_iso(ctx.clock)
    existing = [b for b in ctx.catalog.backups.list(account.id)
                if b.job is None and not (b.expires_at and b.expires_at <= now)]
    limit = ondemand_limit(ctx, account)
    if len(existing) >= limit:
        raise OnDemandLimitError(f"{account.username} has {len(existing)} on-demand backups, the most allowed "
                                 f"({limit}); nothing was backed up.",
                                 hint="Forget or wait for an older on-demand backup to expire, or raise the maximum.",
                                 data={"account": account.username, "count": len(existing), "limit": limit})
    ttl = ctx.catalog.settings.get_int(ONDEMAND_TTL, DEFAULT_ONDEMAND_TTL)
    expires = to_iso(ctx.clock.now() + _dt.timedelta(days=ttl))
    return backup_account(ctx, req.account, req.destination, items=items, reporter=reporter,
                          credentials=credentials(req.passphrase, req.keys), kind="on-demand", expires_at=expires)


@dataclass(frozen=True)
class BackupTarget:
    account: str
    destination: str


@use_case("backup.owner_key_needed", target=lambda r: f"{r.account} -> {r.destination}")
def owner_key_needed(ctx, req: BackupTarget, *, actor, reporter) -> bool:
    """True when backing up this account to this destination needs the owner's passphrase now (an
    owner-held key this installation was not given yet, or one of repository format 1)."""
    from core.accounts.backup import backup_needs_owner_secret

    return backup_needs_owner_secret(ctx, req.account, req.destination)


# --- list and show -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListBackups:
    account: str
    destination: str | None = None


@dataclass(frozen=True)
class BackupListing:
    account: object | None  # core.catalog.Account; None for an orphan
    name: str               # the username (or the orphan's former username)
    backups: list           # core.catalog.BackupEntry, oldest first


@use_case("backup.list", target=lambda r: r.account, account=lambda ctx, r: account_named(ctx, r.account))
def list_backups(ctx, req: ListBackups, *, actor, reporter) -> BackupListing:
    """An account's backups (with those reassigned to it), by username or UUID; an orphan's by its UUID
    or former username."""
    from core.app.accounts import find_orphans
    from core.errors import NotFoundError

    _expire(ctx)
    cat = ctx.catalog
    account = cat.accounts.find(req.account)
    if account is not None and account.status != "deleted":
        ids, name = [account.id, *cat.accounts.aliases(account.id)], account.username
    else:
        orphans = [o for o in find_orphans(ctx) if req.account in (o.account_id, o.username)]
        if not orphans:
            raise NotFoundError(f"No account or orphan named {req.account!r}.", kind="account_not_found",
                                data={"name": req.account})
        ids, name = [o.account_id for o in orphans], orphans[0].username or req.account
        account = None
    backups = [b for i in ids for b in cat.backups.list(i, req.destination)]
    backups.sort(key=lambda b: (b.created_at, b.id))
    return BackupListing(account, name, backups)


@dataclass(frozen=True)
class BackupRef:
    backup_id: str


@use_case("backup.show", target=lambda r: r.backup_id, account=lambda ctx, r: account_of_backup(ctx, r.backup_id))
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
    keys: KeyFiles = field(default_factory=KeyFiles)


@use_case("backup.verify", target=lambda r: r.backup_id + (" (read data)" if r.read_data else ""),
          account=lambda ctx, r: account_of_backup(ctx, r.backup_id))
def verify_backup(ctx, req: VerifyBackup, *, actor, reporter):
    """Structure, and with ``read_data`` every blob downloaded and authenticated; returns
    core.accounts.verify.VerifyResult (``ok`` and the problems, each naming its object)."""
    from core.accounts.verify import verify_backup as verify
    from core.app.mybackups import context_for

    _expire(ctx)
    with context_for(ctx, actor, ctx.catalog.backups.get(req.backup_id).destination) as rctx:
        return verify(rctx, req.backup_id, read_data=req.read_data, credentials=credentials(req.passphrase, req.keys),
                      reporter=reporter)


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
    keys: KeyFiles = field(default_factory=KeyFiles)
    accept_conditions: bool = False             # the user accepted every restore condition shown

    def with_passphrase(self, passphrase: str | None) -> RestoreBackup:
        return replace(self, passphrase=passphrase)


@dataclass(frozen=True)
class RestoreOutcome:
    plan: object                 # core.accounts.restore.AccountRestorePlan
    result: object | None        # core.accounts.restore.RestoreResult; None for a dry run
    conditions: tuple = ()       # the restore conditions that were (or must be) accepted

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
          target=lambda r: f"{r.backup_id} {r.items} ({r.mode}{', dry run' if r.dry_run else ''})",
          account=lambda ctx, r: account_of_backup(ctx, r.backup_id), notify="restore")
def restore_backup(ctx, req: RestoreBackup, *, actor, reporter) -> RestoreOutcome:
    """Plan the restore (nothing written), and unless it is a dry run, execute exactly that plan."""
    from core.accounts.opened import open_backup
    from core.accounts.restore import apply_restore, plan_restore

    selection = check_restore(req)
    conditions = tuple(ctx.catalog.conditions.list())
    if conditions and not req.accept_conditions and not req.dry_run:
        raise ConditionsNotAccepted("Restoring needs every restore condition accepted: "
                                    + " ".join(f"({i}) {c.text}" for i, c in enumerate(conditions, 1)),
                                    data={"conditions": [c.text for c in conditions]})
    from core.app.mybackups import context_for

    _expire(ctx)
    with context_for(ctx, actor, ctx.catalog.backups.get(req.backup_id).destination) as rctx, \
            open_backup(rctx, req.backup_id, credentials=credentials(req.passphrase, req.keys), reporter=reporter) as snap:
        plan = plan_restore(rctx, snap, selection, mode=req.mode, paths=req.paths or None, to=req.to,
                            suspend=req.suspend, reporter=reporter)
        if req.dry_run:
            return RestoreOutcome(plan, None, conditions)
        return RestoreOutcome(plan, apply_restore(rctx, snap, plan, reporter), conditions)


@dataclass(frozen=True)
class RestoreUnitChanges:
    restore: RestoreBackup     # the request whose dry run planned the unit
    unit: object               # core.accounts.restore.UnitRestorePlan, from that dry run
    section: str
    kind: str                  # added | removed | changed | kept
    start: int = 0             # keys passed over first (those already shown)
    count: int | None = None   # at most this many (None: all the rest)

    @property
    def backup_id(self) -> str:
        return self.restore.backup_id


@use_case("backup.restore_changes", target=lambda r: f"{r.backup_id} unit {r.unit.name}: {r.section} {r.kind}",
          account=lambda ctx, r: account_of_backup(ctx, r.backup_id))
def list_restore_changes(ctx, req: RestoreUnitChanges, *, actor, reporter) -> Iterator[str]:
    """Keys of one kind of change in one section of a unit that a restore's dry run planned, beyond
    the first ones its plan lists, in key order: the backup is opened again (with the request's
    credentials) and the unit streams from it and from the store, as the dry run read them. The
    iterator reads as it is consumed and holds the backup open until it is exhausted or closed
    (``reporter``: its progress and cancel); memory stays flat at any size. Writes nothing."""
    import itertools

    from core.app.imports import check_change_kind

    check_change_kind(req.section, req.kind)
    if req.start < 0 or (req.count is not None and req.count < 0):
        raise InvalidInputError("A start and a count of keys are never negative.")

    def keys() -> Iterator[str]:
        from core.accounts.opened import open_backup
        from core.accounts.restore.units import unit_changes
        from core.app.mybackups import context_for

        r = req.restore
        with context_for(ctx, actor, ctx.catalog.backups.get(r.backup_id).destination) as rctx, \
                open_backup(rctx, r.backup_id, credentials=credentials(r.passphrase, r.keys), reporter=reporter) as snap:
            found = unit_changes(rctx.units, snap, req.unit, req.section, req.kind, reporter)
            yield from itertools.islice(found, req.start, None if req.count is None else req.start + req.count)
    return keys()


class ConditionsNotAccepted(ConfirmationRequired):
    kind = "conditions_not_accepted"


# --- restore conditions ------------------------------------------------------------------------------------
@use_case("condition.list")
def list_conditions(ctx, request=None, *, actor, reporter) -> list:
    return ctx.catalog.conditions.list()


@dataclass(frozen=True)
class AddCondition:
    text: str


@use_case("condition.add", writes=True)
def add_condition(ctx, req: AddCondition, *, actor, reporter):
    return ctx.catalog.conditions.add(req.text)


@dataclass(frozen=True)
class RemoveCondition:
    condition_id: int


@use_case("condition.remove", writes=True, target=lambda r: str(r.condition_id))
def remove_condition(ctx, req: RemoveCondition, *, actor, reporter) -> None:
    ctx.catalog.conditions.remove(req.condition_id)


# --- forget, lock, retention ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForgetBackup:
    backup_id: str
    confirmed: bool = False


@use_case("backup.forget", writes=True, target=lambda r: r.backup_id)
def forget_backup(ctx, req: ForgetBackup, *, actor, reporter):
    """Delete one backup (its data is removed later by prune, once nothing needs it). A locked backup
    is refused."""
    from core.accounts.forget import check_not_locked
    from core.accounts.forget import forget_backup as forget

    entry = ctx.catalog.backups.get(req.backup_id)
    check_not_locked(ctx, entry)
    if not req.confirmed:
        raise ConfirmationRequired(f"Forgetting backup {entry.id} needs confirmation.", kind="confirm_delete",
                                   data={"what": "backup", "name": entry.id})
    forget(ctx, entry)
    return entry


@dataclass(frozen=True)
class LockBackup:
    backup_id: str
    locked: bool = True
    until: str | None = None       # ISO date or time (UTC); None: until unlocked
    reason: str | None = None


def parse_until(text: str | None, clock) -> str | None:
    """``2027-01-31`` (end of that day, UTC), a full ISO time, or ``30d``/``12h`` from now."""
    import datetime as _dt
    import re

    from core.support.clock import from_iso, to_iso

    if text in (None, ""):
        return None
    text = text.strip()
    m = re.fullmatch(r"(\d+)\s*([dh])", text)
    if m:
        delta = _dt.timedelta(days=int(m.group(1))) if m.group(2) == "d" else _dt.timedelta(hours=int(m.group(1)))
        return to_iso(clock.now() + delta)
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return to_iso(from_iso(text + "T23:59:59Z"))
        return to_iso(from_iso(text))
    except ValueError:
        raise InvalidInputError(f"Invalid date {text!r}.", hint="Use YYYY-MM-DD, an ISO time, or 30d / 12h.",
                                kind="invalid_date") from None


@use_case("backup.lock", writes=True, target=lambda r: f"{r.backup_id} {'lock' if r.locked else 'unlock'}")
def lock_backup(ctx, req: LockBackup, *, actor, reporter):
    """Lock a backup against rotation, TTL, forget and prune (until a date, or until unlocked); the lock
    is stored at the destination too, so a rescan keeps it."""
    from core.accounts.forget import lock_backup as lock
    from core.accounts.forget import unlock_backup as unlock
    from core.support.clock import now_iso

    entry = ctx.catalog.backups.get(req.backup_id)
    if not req.locked:
        return unlock(ctx, entry)
    until = parse_until(req.until, ctx.clock)
    if until is not None and until <= now_iso(ctx.clock):
        raise InvalidInputError("The lock would end in the past.", kind="invalid_date")
    reason = (req.reason or "").strip()
    if len(reason) > 500 or any(ord(ch) < 32 for ch in reason):
        raise InvalidInputError("A lock reason is one line of at most 500 characters.")
    return lock(ctx, entry, until=until, reason=reason or None)


@dataclass(frozen=True)
class RunRetention:
    dry_run: bool = False
    destination: str | None = None


@dataclass(frozen=True)
class RetentionRun:
    decisions: Decisions        # a Decision for every backup considered
    removed: tuple[str, ...]    # ids actually forgotten (none in a dry run)
    failed: tuple[tuple[str, str], ...]
    dry_run: bool
    to_remove: Sequence = ()    # the decisions to remove (removed, or to be in a dry run), in order

    def to_json(self) -> dict:
        return {"dry_run": self.dry_run, "decisions": self.decisions.as_dicts(),
                "removed": list(self.removed), "failed": [{"id": i, "error": e} for i, e in self.failed]}


def retention_policies(ctx):
    from core.jobs.retention import JobPolicy, OnDemandPolicy

    jobs = {j.name: JobPolicy(j.keep_last, j.keep_daily, j.keep_weekly, j.keep_monthly, j.timezone)
            for j in ctx.catalog.jobs.list()}
    return jobs, OnDemandPolicy(ctx.catalog.settings.get_int(ONDEMAND_KEEP, DEFAULT_ONDEMAND_KEEP))


@use_case("backup.retention", writes=True, target=lambda r: ("dry run" if r.dry_run else "")
          + (f" {r.destination}" if r.destination else ""))
def run_retention(ctx, req: RunRetention, *, actor, reporter) -> RetentionRun:
    """Apply every job's rotation and the on-demand rules (core/jobs/retention.py says which and why);
    a dry run only shows the decisions. Removed backups are forgotten one by one (a failure is
    reported and the rest go on); their data goes with the next prune."""
    from core.accounts.forget import forget_backup as forget
    from core.errors import Cancelled, UnitvaultError
    from core.jobs.retention import decide_series

    jobs, on_demand = retention_policies(ctx)
    # users' own backups are theirs: the admin's retention never decides about them
    series, marks = ctx.catalog.backups.retention_series(req.destination, users=False)
    outcome = decide_series(series, marks, jobs, on_demand, ctx.clock.now())
    if req.dry_run:
        return RetentionRun(outcome.decisions, (), (), True, outcome.remove)
    removed, failed = [], []
    reporter.stage("removing", len(outcome.remove))
    for d in outcome.remove:
        try:
            forget(ctx, ctx.catalog.backups.get(d.backup_id))
            removed.append(d.backup_id)
        except Cancelled:
            raise
        except UnitvaultError as exc:
            failed.append((d.backup_id, exc.message))
        reporter.advance()
    return RetentionRun(outcome.decisions, tuple(removed), tuple(failed), False, outcome.remove)


# --- prune --------------------------------------------------------------------------------------------------
PRUNE_GRACE = "prune/grace_minutes"
DEFAULT_PRUNE_GRACE = 60


@dataclass(frozen=True)
class PruneDestination:
    destination: str
    dry_run: bool = False


@use_case("backup.prune", writes=True, target=lambda r: r.destination + (" (dry run)" if r.dry_run else ""))
def prune_destination(ctx, req: PruneDestination, *, actor, reporter):
    """Remove the data no backup at the destination uses any more, in two phases (core/jobs/prune.py):
    unused packs are marked first and deleted by a later prune once the grace is over."""
    import datetime as _dt

    from core.app.mybackups import refuse_user_destination
    from core.jobs.prune import prune_destination as prune

    refuse_user_destination(req.destination, "pruning it")
    grace = _dt.timedelta(minutes=ctx.catalog.settings.get_int(PRUNE_GRACE, DEFAULT_PRUNE_GRACE))
    return prune(ctx, req.destination, dry_run=req.dry_run, grace=grace, reporter=reporter)


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
    keys: KeyFiles = field(default_factory=KeyFiles)


@use_case("backup.download", writes=True, target=lambda r: f"{r.backup_id} {r.items}",
          account=lambda ctx, r: account_of_backup(ctx, r.backup_id))
def download_backup(ctx, req: DownloadBackup, *, actor, reporter) -> list:
    """Units as .uvault bundles, files as .tar.zst; each download expires after the TTL."""
    from core.accounts.download import download_backup as download
    from core.app.bundles import check_password
    from core.app.mybackups import context_for

    _expire(ctx)
    if download_needs_password(req.items):
        if not req.bundle_password:
            raise InvalidInputError("A unit download needs a password for its bundle.", kind="bundle_password_missing")
        check_password(req.bundle_password)
    with context_for(ctx, actor, ctx.catalog.backups.get(req.backup_id).destination) as rctx:
        return download(rctx, req.backup_id, items=req.items, out_dir=req.out_dir, bundle_password=req.bundle_password,
                        credentials=credentials(req.passphrase, req.keys), paths=list(req.paths) or None,
                        overwrite=req.overwrite, reporter=reporter)


@use_case("backup.downloads")
def list_downloads(ctx, request=None, *, actor, reporter) -> list:
    from core.accounts.download import list_downloads as listing

    _expire(ctx)
    return listing(ctx)



# --- what a backup holds -------------------------------------------------------------------------------------
def restore_path(raw: bytes) -> str:
    """A path of a backup's file index (bytes) as restore and download requests take it."""
    from core.accounts.contents import restore_path as as_request

    return as_request(raw)


@dataclass(frozen=True)
class BrowseBackup:
    backup_id: str
    passphrase: str | None = field(default=None, repr=False)
    keys: KeyFiles = field(default_factory=KeyFiles)


@use_case("backup.browse", target=lambda r: r.backup_id, account=lambda ctx, r: account_of_backup(ctx, r.backup_id))
def browse_backup(ctx, req: BrowseBackup, *, actor, reporter):
    """What a backup holds (core/accounts/contents.py BackupContents): its account settings, its units
    with their sections and counts, and an index of its files. Reads the manifest only."""
    from core.accounts.contents import read_contents

    return read_contents(ctx, req.backup_id, credentials=credentials(req.passphrase, req.keys), reporter=reporter)


@dataclass(frozen=True)
class ListBackupEntries:
    backup_id: str
    path: str = ""                               # a folder (or file) of the home directory, as a shell gives it
    passphrase: str | None = field(default=None, repr=False)
    keys: KeyFiles = field(default_factory=KeyFiles)


@dataclass(frozen=True)
class BackupEntries:
    backup_id: str
    path: str                 # the folder listed, as text ("" for the home directory)
    entries: tuple            # core.accounts.contents.FileNode: a folder's children, or the one file asked for
    total_entries: int        # in the whole backup
    total_size: int

    def to_json(self) -> list[dict]:
        return [n.as_dict() for n in self.entries]


@use_case("backup.ls", target=lambda r: f"{r.backup_id} {r.path}".rstrip(),
          account=lambda ctx, r: account_of_backup(ctx, r.backup_id))
def list_backup_entries(ctx, req: ListBackupEntries, *, actor, reporter) -> BackupEntries:
    """The entries of a backup's files under ``path`` (a folder's children; a file: itself), names as
    escaped text (core/support/names.py)."""
    import os

    from core.accounts.contents import read_contents
    from core.accounts.restore.plan import parse_paths
    from core.errors import NotFoundError
    from core.support.names import escape_name

    wanted = parse_paths([req.path]) if req.path.strip("/") else None
    raw = wanted[0] if wanted else b""
    contents = read_contents(ctx, req.backup_id, credentials=credentials(req.passphrase, req.keys), reporter=reporter)
    index = contents.files
    if index is None:
        raise NotFoundError(f"Backup {req.backup_id} holds no files.", kind="backup_has_no_files")
    if raw:
        node = index.node(raw)
        if node is None:
            raise NotFoundError(f"Backup {req.backup_id} holds nothing at {escape_name(os.fsencode(req.path))}.",
                                kind="backup_path_not_found")
        entries = tuple(index.children(raw)) if node.is_dir else (node,)
    else:
        entries = tuple(index.children(b""))
    return BackupEntries(req.backup_id, escape_name(raw), entries, index.total_entries, index.total_size)
