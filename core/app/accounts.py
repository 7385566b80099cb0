"""Use cases for accounts: add, list, show, edit, suspend or unsuspend, delete; export and reset the
account's key."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from core.app.scope import account_named
from core.app.usecase import use_case
from core.errors import AlreadyExistsError, ConfirmationRequired, InvalidInputError, NotFoundError

UNCHANGED = object()


def _home_dir(path: str, *, must_exist: bool) -> str:
    if not path:
        raise InvalidInputError("The home directory must not be empty.")
    full = os.path.abspath(os.path.expanduser(path))
    if must_exist and not os.path.isdir(full):
        raise InvalidInputError(f"The home directory {full} does not exist.", kind="home_dir_missing",
                                data={"path": full})
    return full


def _check_units(ctx, names) -> None:
    for n in names:
        ctx.units.get_unit(n)


@dataclass(frozen=True)
class AddAccount:
    username: str
    home_dir: str
    email: str = ""
    units: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    encryption: str = "app"


@use_case("account.add", writes=True, target=lambda r: r.username)
def add_account(ctx, req: AddAccount, *, actor, reporter):
    """An account owns units and a home directory (which must exist)."""
    _check_units(ctx, req.units)
    return ctx.catalog.accounts.add(req.username, _home_dir(req.home_dir, must_exist=True), email=req.email,
                                    units=req.units, excludes=req.excludes, encryption=req.encryption)


@dataclass(frozen=True)
class ListAccounts:
    include_deleted: bool = False
    tag: str | None = None           # only accounts with this tag


@use_case("account.list")
def list_accounts(ctx, req: ListAccounts | None = None, *, actor, reporter) -> list:
    req = req or ListAccounts()
    items = ctx.catalog.accounts.list(include_deleted=req.include_deleted)
    if req.tag is not None:
        ctx.catalog.tags.get(req.tag)
        items = [a for a in items if req.tag in a.tags]
    from core.app.scope import visible_to

    return [a for a in items if visible_to(actor, a.id)]


@dataclass(frozen=True)
class AccountRow:
    """An account as the accounts page lists it."""
    account: object            # core.catalog.Account
    backups: int               # backups indexed for it (with those reassigned to it)
    last_backup: str | None    # the latest one's time (ISO, UTC)
    last_size: int             # the latest one's size
    next_backup: str | None    # the soonest scheduled run of a job covering it (ISO, UTC)
    next_job: str | None

    def as_dict(self) -> dict:
        return {**self.account.as_dict(), "backups": self.backups, "last_backup": self.last_backup,
                "last_size": self.last_size, "next_backup": self.next_backup, "next_job": self.next_job}


@use_case("account.overview", target=lambda r: f"tag {r.tag}" if r and r.tag else "")
def account_overview(ctx, req: ListAccounts | None = None, *, actor, reporter) -> list[AccountRow]:
    """Every account with its latest backup and its next scheduled one, in a handful of queries
    whatever the number of accounts (the desktop's accounts page at 1,000 accounts)."""
    from core.jobs.schedule import next_runs, parse
    from core.support.clock import to_iso

    req = req or ListAccounts()
    cat = ctx.catalog
    items = list_accounts.use_case.fn(ctx, req, actor=actor, reporter=reporter)
    latest = cat.backups.latest_by_account()
    owners: dict[str, list[str]] = {}
    for uuid_, owner in cat.accounts.all_aliases().items():
        owners.setdefault(owner, []).append(uuid_)
    now = ctx.clock.now()
    upcoming = []                          # (first run, job) of every enabled job that has one
    for job in cat.jobs.list():
        if not job.enabled:
            continue
        try:
            runs = next_runs(parse(job.schedule, job.timezone), now, 1)
        except Exception:  # noqa: BLE001 - a job whose schedule no longer parses has no next run
            continue
        if runs:
            upcoming.append((to_iso(runs[0], "seconds"), job))
    upcoming.sort(key=lambda p: p[0])
    out = []
    for a in items:
        n, last, size = 0, None, 0
        for i in (a.id, *owners.get(a.id, ())):
            if i in latest:
                count, when, bytes_ = latest[i]
                n += count
                if last is None or when > last:
                    last, size = when, bytes_
        next_at = next_job = None
        for when, job in upcoming:
            spec = job.accounts
            if spec.get("all") or a.username in spec.get("usernames", ()) or spec.get("tag") in a.tags:
                next_at, next_job = when, job.name
                break
        out.append(AccountRow(a, n, last, size, next_at, next_job))
    return out


@dataclass(frozen=True)
class PreviewExcludes:
    """``patterns`` tried on an account's home directory (``name``) or on any folder (``home_dir``)."""
    patterns: tuple[str, ...]
    name: str | None = None
    home_dir: str | None = None


@use_case("account.excludes-preview", target=lambda r: r.name or r.home_dir or "")
def preview_excludes(ctx, req: PreviewExcludes, *, actor, reporter):
    """What the patterns would leave out of a backup of the home directory now (names and sizes only;
    core/accounts/excludes.py decides exactly as a backup walks). Changes nothing."""
    from core.accounts.excludes import compile_patterns, walk_home
    from core.accounts.excludes import preview_excludes as preview

    compile_patterns(req.patterns)           # a bad pattern is refused before any disk is read
    if req.home_dir:
        home = _home_dir(req.home_dir, must_exist=True)
    elif req.name:
        home = ctx.catalog.accounts.get(req.name).home_dir
    else:
        raise InvalidInputError("Name the account or the folder to try the patterns on.")
    if not os.path.isdir(home):
        raise InvalidInputError(f"The home directory {home} does not exist.", kind="home_dir_missing",
                                data={"path": home})
    reporter.stage("reading the home directory")
    entries, complete = walk_home(home, check=reporter.check)
    return preview(entries, req.patterns, complete=complete)


@dataclass(frozen=True)
class AccountRef:
    name: str    # username or UUID


@use_case("account.show", target=lambda r: r.name, account=lambda ctx, r: account_named(ctx, r.name))
def show_account(ctx, req: AccountRef, *, actor, reporter):
    return ctx.catalog.accounts.get(req.name)


@dataclass(frozen=True)
class EditAccount:
    """``None`` leaves a field as it is. Units and excludes are replaced by ``units``/``excludes`` when
    given, then ``add_*`` and ``remove_*`` apply; ``clear_excludes`` empties them first."""
    name: str
    rename: str | None = None
    email: str | None = None
    home_dir: str | None = None
    units: tuple[str, ...] | None = None
    add_units: tuple[str, ...] = ()
    remove_units: tuple[str, ...] = ()
    excludes: tuple[str, ...] | None = None
    add_excludes: tuple[str, ...] = ()
    remove_excludes: tuple[str, ...] = ()
    clear_excludes: bool = False
    max_on_demand: object = UNCHANGED     # 1..99, None for the global maximum, UNCHANGED to leave it
    priority_group: object = UNCHANGED    # a group, None for the tags' or job type's, UNCHANGED to leave it


@use_case("account.edit", writes=True, target=lambda r: r.name)
def edit_account(ctx, req: EditAccount, *, actor, reporter):
    account = ctx.catalog.accounts.get(req.name)
    units = None
    if req.units is not None or req.add_units or req.remove_units:
        _check_units(ctx, set(req.add_units) | set(req.units or ()))
        units = (set(req.units if req.units is not None else account.units) | set(req.add_units)) - set(req.remove_units)
    excludes = None
    if req.clear_excludes or req.excludes is not None or req.add_excludes or req.remove_excludes:
        excludes = [] if req.clear_excludes else list(req.excludes if req.excludes is not None else account.excludes)
        excludes += [x for x in req.add_excludes if x not in excludes]
        excludes = [x for x in excludes if x not in req.remove_excludes]
    from core.catalog.accounts import UNCHANGED as KEEP

    max_on_demand = KEEP
    if req.max_on_demand is not UNCHANGED:
        from core.app.backups import check_ondemand_max

        max_on_demand = None if req.max_on_demand is None else check_ondemand_max(req.max_on_demand)
    group = KEEP
    if req.priority_group is not UNCHANGED:
        group = req.priority_group
        if group is not None:
            ctx.catalog.priorities.get(group)
    if req.email is not None and req.email and ("@" not in req.email or any(c.isspace() for c in req.email)):
        raise InvalidInputError(f"Invalid email address {req.email!r}.")
    return ctx.catalog.accounts.edit(
        account.id, username=req.rename, email=req.email,
        home_dir=_home_dir(req.home_dir, must_exist=True) if req.home_dir else None,
        units=sorted(units) if units is not None else None, excludes=excludes, max_on_demand=max_on_demand,
        priority_group=group)


@dataclass(frozen=True)
class SetAccountStatus:
    name: str
    suspended: bool


@use_case("account.status", writes=True, target=lambda r: f"{r.name} {'suspend' if r.suspended else 'unsuspend'}")
def set_account_status(ctx, req: SetAccountStatus, *, actor, reporter):
    return ctx.catalog.accounts.set_status(req.name, "suspended" if req.suspended else "active")


@dataclass(frozen=True)
class DeleteAccount:
    name: str
    confirmed: bool = False


@use_case("account.delete", writes=True, target=lambda r: r.name)
def delete_account(ctx, req: DeleteAccount, *, actor, reporter):
    """Mark the account deleted; its backups stay at the destinations (and in the index)."""
    account = ctx.catalog.accounts.get(req.name)
    if not req.confirmed:
        raise ConfirmationRequired(f"Deleting account {account.username!r} needs confirmation.",
                                   hint="Its backups stay at the destinations.", kind="confirm_delete",
                                   data={"what": "account", "name": account.username})
    return ctx.catalog.accounts.delete(account.id)


# --- orphans and reassignment --------------------------------------------------------------------------------
ORPHAN_GRACE_DAYS = 14


@dataclass(frozen=True)
class OrphanInfo:
    account_id: str
    username: str            # the former username, as the backups name it
    backups: int
    destinations: tuple[str, ...]
    latest: str | None
    first_seen: str | None

    def to_json(self) -> dict:
        return {"account_id": self.account_id, "username": self.username, "backups": self.backups,
                "destinations": list(self.destinations), "latest": self.latest, "first_seen": self.first_seen}


def _owner(ctx, account_id: str):
    """The live account a backup filed under ``account_id`` belongs to (directly or reassigned)."""
    cat = ctx.catalog
    owner = cat.accounts.alias_owner(account_id)
    account = cat.accounts.find(owner or account_id)
    return account if account is not None and account.status != "deleted" else None


def find_orphans(ctx) -> list[OrphanInfo]:
    """Accounts that have backups in the index but are not (or no longer) in the catalog, nor
    reassigned to one. Orphans with no backups left for 14 days leave the list for good."""
    import datetime as _dt

    from core.support.clock import to_iso

    cat = ctx.catalog
    cutoff = to_iso(ctx.clock.now() - _dt.timedelta(days=ORPHAN_GRACE_DAYS))
    by_account: dict[str, list] = {}
    for b in cat.backups.list():
        if _owner(ctx, b.account_id) is None:
            by_account.setdefault(b.account_id, []).append(b)
    known = {o.account_id: o for o in cat.orphans.list()}
    out = []
    for acc, backups in by_account.items():
        names = [b.info.get("username", "") for b in backups if b.info.get("username")]
        previous = cat.accounts.find(acc)
        username = (previous.username if previous else "") or (names[-1] if names else "") or \
            (known[acc].username if acc in known else "")
        cat.orphans.upsert(acc, username, has_backups=True)
        out.append(OrphanInfo(acc, username, len(backups), tuple(sorted({b.destination for b in backups})),
                              max(b.created_at for b in backups), known[acc].first_seen if acc in known else None))
    for acc, o in known.items():
        if acc in by_account:
            continue
        if _owner(ctx, acc) is not None:
            cat.orphans.remove(acc)
            continue
        cat.orphans.upsert(acc, o.username, has_backups=False)
        row = cat.orphans.find(acc)
        if row is not None and row.empty_since is not None and row.empty_since <= cutoff:
            cat.orphans.remove(acc)
    return sorted(out, key=lambda o: (o.username, o.account_id))


@use_case("orphan.list")
def list_orphans(ctx, request=None, *, actor, reporter) -> list[OrphanInfo]:
    return find_orphans(ctx)


@dataclass(frozen=True)
class AdoptOrphan:
    account_id: str
    username: str
    home_dir: str


@use_case("orphan.adopt", writes=True, target=lambda r: f"{r.account_id} as {r.username}")
def adopt_orphan(ctx, req: AdoptOrphan, *, actor, reporter):
    """An orphan's backups become a live account's again: the account is created with the orphan's
    UUID (or a deleted account comes back), so its backups, its key and deduplication carry on."""
    cat = ctx.catalog
    if not any(o.account_id == req.account_id for o in find_orphans(ctx)):
        raise NotFoundError(f"No orphan account {req.account_id}.", kind="orphan_not_found")
    home = _home_dir(req.home_dir, must_exist=True)
    previous = cat.accounts.find(req.account_id)
    with cat.write() as c:
        if previous is not None:
            account = cat.accounts.undelete(req.account_id, req.username, home, conn=c)
        else:
            account = cat.accounts.add(req.username, home, account_id=req.account_id, conn=c)
        cat.orphans.remove(req.account_id, conn=c)
    return account


@dataclass(frozen=True)
class Assignable:
    username: str
    account_id: str | None   # the live account with that username, if any
    uuids: tuple[str, ...]   # other UUIDs whose backups carry that username

    def to_json(self) -> dict:
        return {"username": self.username, "account_id": self.account_id, "uuids": list(self.uuids)}


@use_case("account.assignable")
def list_assignable(ctx, request=None, *, actor, reporter) -> list[Assignable]:
    """Usernames whose backups sit under several UUIDs (an account recreated, or moved from another
    server): the live account's UUID, and the others that could be reassigned to it."""
    cat = ctx.catalog
    uuids: dict[str, set[str]] = {}
    for b in cat.backups.list():
        name = b.info.get("username") or ""
        if name:
            uuids.setdefault(name, set()).add(b.account_id)
    out = []
    for name, ids in sorted(uuids.items()):
        live = cat.accounts.find(name)
        live_id = live.id if live is not None and live.status != "deleted" else None
        others = sorted(i for i in ids if i != live_id and (live_id is None or cat.accounts.alias_owner(i) != live_id))
        if others and (live_id is not None or len(others) > 1):
            out.append(Assignable(name, live_id, tuple(others)))
    return out


@dataclass(frozen=True)
class Reassign:
    uuid: str
    to: str          # username


@use_case("account.reassign", writes=True, target=lambda r: f"{r.uuid} -> {r.to}")
def reassign(ctx, req: Reassign, *, actor, reporter):
    """The backups stored under ``uuid`` belong to account ``to`` from now on (listed, restored and
    retained with its own). They stay where they are at the destination, under their own key."""
    cat = ctx.catalog
    account = cat.accounts.get(req.to)
    if account.status == "deleted":
        raise InvalidInputError(f"The account {account.username!r} was deleted.")
    if req.uuid == account.id:
        raise AlreadyExistsError("Those backups already belong to that account.")
    live = cat.accounts.find(req.uuid)
    if live is not None and live.status != "deleted":
        raise InvalidInputError(f"{req.uuid} is the live account {live.username!r}; only orphaned UUIDs can be "
                                "reassigned.", kind="uuid_in_use")
    if not any(b.account_id == req.uuid for b in cat.backups.list()):
        raise NotFoundError(f"No backups are filed under {req.uuid}.", hint="Scan the destination first.")
    with cat.write() as c:
        cat.accounts.add_alias(req.uuid, account.id, conn=c)
        cat.orphans.remove(req.uuid, conn=c)
    return account


# --- the account's key -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportAccountKey:
    name: str
    out: str                    # the kit (HTML) is written here, private (0600)
    overwrite: bool = False


@dataclass(frozen=True)
class ExportedAccountKey:
    username: str
    account_id: str
    path: str


@use_case("account.key_export", writes=True, target=lambda r: r.name)
def export_account_key(ctx, req: ExportAccountKey, *, actor, reporter) -> ExportedAccountKey:
    """A printable kit holding an app-held account's key (core/accounts/kit.py): with it, any
    installation opens the account's backups. Owner-held keys are not the app's to export."""
    from core.accounts.kit import account_key_kit
    from core.errors import AlreadyExistsError
    from core.fsutil import atomic_writer

    path = Path(req.out)
    if path.is_dir():
        raise InvalidInputError(f"{path} is a folder, not a file name.", kind="out_is_folder", data={"path": str(path)})
    if not path.parent.is_dir():
        raise InvalidInputError(f"The folder {path.parent} does not exist.", kind="folder_missing",
                                data={"path": str(path.parent)})
    if not req.overwrite and (path.exists() or path.is_symlink()):
        raise AlreadyExistsError(f"The file {path} already exists.", kind="file_exists", data={"path": str(path)})
    kit = account_key_kit(ctx, req.name)
    try:
        with atomic_writer(path, mode=0o600, overwrite=req.overwrite) as fh:
            fh.write(kit.html.encode("utf-8"))
    except FileExistsError:
        raise AlreadyExistsError(f"The file {path} already exists.", kind="file_exists",
                                 data={"path": str(path)}) from None
    return ExportedAccountKey(kit.username, kit.account_id, str(path))


@dataclass(frozen=True)
class ResetAccountKey:
    name: str
    confirm: str                                            # the account's username, typed by the user
    passphrase: str | None = field(default=None, repr=False)   # owner-held: the new passphrase (else at the next backup)
    owner_key_file: str | None = None                       # owner-held: a new owner key file instead
    reason: str | None = None                               # why (needed once the installation has users)


@use_case("account.key_reset", writes=True, target=lambda r: r.name)
def reset_account_key(ctx, req: ResetAccountKey, *, actor, reporter):
    """Delete every backup made with the account's key, everywhere, and give it a new key; returns
    core.accounts.rekey.KeyResetResult (how many backups were deleted, and where)."""
    from core.accounts.rekey import reset_account_key as reset
    from core.app.backups import KeyFiles, credentials
    from core.governance.guard import require_reason

    require_reason(ctx, req.reason, "a key reset", req.name)
    return reset(ctx, req.name, confirm=req.confirm, reporter=reporter,
                 credentials=credentials(req.passphrase, KeyFiles(owner_key_file=req.owner_key_file)))
