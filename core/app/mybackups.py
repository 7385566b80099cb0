"""Use cases for user-configured backups (the Backups module, after OpenPanel's): a user of an
account whose plan enables it chooses their own destination, schedule, what to back up and resource
limits (bandwidth, sealing threads, CPU priority), and may start a backup at any time.

Their destination's credentials and the key their backups are encrypted with live only in their
vault (core/governance/vault.py), sealed with a key derived from their password, which the signed-in
actor holds in memory. The destination itself is in the catalog as ``user.USERNAME`` (its params
only). Reading those backups (restore, download, verify) goes through ``context_for``: the user's own
vault for the user, and a refusal for anyone else; and even a caller that skipped the refusal finds
nothing it can open (tests/core/app/test_user_backups.py tries every path as an admin).
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from core.app.destinations import DestinationFields
from core.app.usecase import use_case
from core.errors import InvalidInputError, UnitvaultError


class SealedForUser(UnitvaultError):
    """Backups at a user's own destination open only for that user, signed in with their password."""

    kind = "sealed_for_user"


class UserView:
    """The context a user's own backups run in: the app's context, with the user's vault as the
    secret store (no fallback to the app's) and ``user_sealed`` set (core/accounts/backup.py makes
    the key app-held by the user, with no recovery slot)."""

    user_sealed = True

    def __init__(self, ctx, secrets):
        self._ctx = ctx
        self.secrets = secrets

    def __getattr__(self, name):
        return getattr(self._ctx, name)


@contextlib.contextmanager
def opened_vault(ctx, actor):
    """The signed-in user's vault as a secret store; sealed again and saved at the end if it changed
    (also after a failure: a key made by a backup that then failed is kept)."""
    from core.governance import vault

    sealed = ctx.catalog.users.vault(actor.user_id) if actor.user_id else None
    if actor.user_id is None or actor.vault_key is None or sealed is None:
        raise vault.VaultLocked("Your own backups' settings are sealed with your password: sign in with your "
                                "password to use them.")
    secrets = vault.VaultSecrets(vault.open_vault(actor.vault_key, actor.user_id, sealed))
    try:
        yield secrets
    finally:
        if secrets.changed:
            ctx.catalog.users.edit(actor.user_id, vault=vault.seal(actor.vault_key, actor.user_id, secrets.content()))


@contextlib.contextmanager
def context_for(ctx, actor, destination: str | None):
    """``ctx`` for the app's destinations; for a user's own destination, a view over that user's vault
    (only for that user)."""
    from core.catalog.user_backups import USER_DESTINATION_PREFIX, is_user_destination

    if not is_user_destination(destination):
        yield ctx
        return
    owner = destination[len(USER_DESTINATION_PREFIX):]
    if actor.user_id is None or actor.name != owner:
        raise SealedForUser(f"Destination {destination} holds {owner}'s own backups, sealed with {owner}'s "
                            f"password: only {owner} can open them.", data={"user": owner})
    with opened_vault(ctx, actor) as secrets:
        yield UserView(ctx, secrets)


def refuse_user_destination(destination: str | None, what: str) -> None:
    """The admin's tools (prune, scan, probes, jobs) keep away from users' own destinations."""
    from core.catalog.user_backups import is_user_destination

    if is_user_destination(destination):
        raise SealedForUser(f"Destination {destination} belongs to its user's own backups; {what} is theirs to "
                            "do.", data={"destination": destination})


# --- which account ------------------------------------------------------------------------------------
def _only_account(ctx, actor):
    if len(actor.accounts) == 1:
        return next(iter(actor.accounts))
    return None


def _account_id(ctx, name: str | None) -> str | None:
    from core.app.scope import account_named

    return account_named(ctx, name) if name else None


def my_account(ctx, actor, name: str | None):
    if name:
        account = ctx.catalog.accounts.get(name)
    else:
        account_id = _only_account(ctx, actor)
        if account_id is None:
            raise InvalidInputError("You own several accounts; choose one.", kind="account_choice_needed")
        account = ctx.catalog.accounts.get(account_id)
    if account.id not in actor.accounts:
        from core.app.policy import PermissionDenied

        raise PermissionDenied(f"{actor.name} may manage backups only of their own accounts.")
    return account


@dataclass(frozen=True)
class MyAccount:
    account: str | None = None          # the account's username; None: the user's only account


# --- show --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MyBackups:
    account: str
    config: object | None               # core.catalog.user_backups.UserBackupConfig
    destination: object | None          # core.destinations.DestinationConfig (params only)
    location: str | None
    vault_open: bool                    # this process holds the key of the user's vault
    has_secret: bool                    # the destination's credentials are in the vault
    next_run: str | None

    def to_json(self) -> dict:
        return {"account": self.account, **(self.config.as_dict() if self.config else {}),
                "location": self.location, "vault_open": self.vault_open, "has_secret": self.has_secret,
                "next_run": self.next_run}


def _next_run(config) -> str | None:
    if config is None or not config.schedule:
        return None
    import datetime as _dt

    from core.jobs.schedule import next_runs, parse
    from core.support.clock import from_iso, to_iso

    after = from_iso(config.last_run or config.created_at)
    runs = next_runs(parse(config.schedule, config.timezone), after.astimezone(_dt.UTC), 1)
    return to_iso(runs[0]) if runs else None


@use_case("mybackup.show", target=lambda r: r.account or "", account=lambda ctx, r: _account_id(ctx, r.account))
def show_my_backups(ctx, req: MyAccount | None = None, *, actor, reporter) -> MyBackups:
    from core.destinations import describe, secret_name

    account = my_account(ctx, actor, (req or MyAccount()).account)
    config = ctx.catalog.user_backups.get(account.id)
    dest = ctx.catalog.destinations.find(config.destination) if config and config.destination else None
    has_secret = False
    vault_open = False
    if actor.vault_key is not None:
        try:
            with opened_vault(ctx, actor) as secrets:
                vault_open = True
                has_secret = dest is not None and secrets.get(secret_name(dest.name)) is not None
        except UnitvaultError:
            pass
    return MyBackups(account.username, config, dest, describe(dest) if dest else None, vault_open, has_secret,
                     _next_run(config))


# --- the destination -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SetMyDestination(DestinationFields):
    type: str
    account: str | None = None


@use_case("mybackup.destination", writes=True, target=lambda r: f"{r.account or ''} ({r.type})".strip(),
          account=lambda ctx, r: _account_id(ctx, r.account))
def set_my_destination(ctx, req: SetMyDestination, *, actor, reporter):
    """The user's own destination: its params in the catalog (as ``user.USERNAME``), its credential
    in the user's vault. It is checked (written, read back, removed) before anything is saved."""
    import os

    from core.app.destinations import AddDestination, _check_reachable, build_params, check_secret
    from core.catalog.user_backups import user_destination_name
    from core.destinations import DestinationConfig, check_config, describe, secret_name
    from core.jobs.schedule import local_timezone

    account = my_account(ctx, actor, req.account)
    name = user_destination_name(actor.name)
    spec = AddDestination(name, req.type, **req.destination_fields())
    config = check_config(DestinationConfig(name, req.type, build_params(spec)))
    check_secret(req.type, req.secret)
    if req.type == "local":
        try:
            os.makedirs(config.params["path"], mode=0o700, exist_ok=True)
        except OSError as exc:
            raise InvalidInputError(f"Cannot create the folder {config.params['path']}: "
                                    f"{exc.strerror or 'not a folder'}.") from None
    with opened_vault(ctx, actor) as secrets:
        previous = secrets.get(secret_name(name))
        if req.secret:
            secrets.set(secret_name(name), req.secret)
        else:
            secrets.delete(secret_name(name))
        try:
            if req.check:
                _check_reachable(UserView(ctx, secrets), config, reporter)
        except BaseException:
            if previous is not None:
                secrets.set(secret_name(name), previous)
            else:
                secrets.delete(secret_name(name))
            raise
    cat = ctx.catalog
    with cat.write() as c:
        if cat.destinations.find(name, conn=c) is not None:
            cat.destinations.remove(name, conn=c)
        cat.destinations.add(config, conn=c)
        current = cat.user_backups.get(account.id, c)
        cat.user_backups.put(account.id, actor.user_id, destination=name,
                             items=current.items if current else ("account", "units", "files"),
                             schedule=current.schedule if current else None,
                             timezone=current.timezone if current else local_timezone(),
                             bandwidth=current.bandwidth if current else None,
                             workers=current.workers if current else None,
                             cpu_priority=current.cpu_priority if current else None, conn=c)
    return describe(config)


# --- what, when, and limits -----------------------------------------------------------------------------
UNSET = object()


@dataclass(frozen=True)
class SetMyBackups:
    account: str | None = None
    items: str | None = None             # account,units,files (a subset) or all
    schedule: str | None = None          # a schedule, or "" for on demand only
    timezone: str | None = None
    bandwidth: str | int | None = None   # bytes/s (500K, 10M); "" or 0: no limit
    workers: int | None = None           # sealing threads, 1-16; 0: the default
    cpu_priority: int | None = None      # niceness 0-19 (19: lowest); -1: unchanged


@use_case("mybackup.set", writes=True, target=lambda r: r.account or "",
          account=lambda ctx, r: _account_id(ctx, r.account))
def set_my_backups(ctx, req: SetMyBackups, *, actor, reporter):
    """Returns core.catalog.user_backups.UserBackupConfig."""
    from core.accounts.backup import parse_items
    from core.app.destinations import parse_rate
    from core.jobs.schedule import check_timezone, local_timezone, parse

    account = my_account(ctx, actor, req.account)
    current = ctx.catalog.user_backups.get(account.id)
    items = parse_items(req.items) if req.items is not None else (current.items if current else None)
    timezone = check_timezone(req.timezone) if req.timezone else (current.timezone if current else local_timezone())
    schedule = current.schedule if current else None
    if req.schedule is not None:
        schedule = parse(req.schedule, timezone).spec if req.schedule.strip() else None
    bandwidth = current.bandwidth if current else None
    if req.bandwidth is not None:
        bandwidth = None if req.bandwidth in ("", 0, "0") else parse_rate(req.bandwidth)
    workers = current.workers if current else None
    if req.workers is not None:
        if not 0 <= req.workers <= 16:
            raise InvalidInputError("The number of workers is 1 to 16 (0: the default).", kind="invalid_workers")
        workers = req.workers or None
    cpu = current.cpu_priority if current else None
    if req.cpu_priority is not None:
        if not -1 <= req.cpu_priority <= 19:
            raise InvalidInputError("The CPU priority is a niceness from 0 (normal) to 19 (lowest); -1 leaves it.",
                                    kind="invalid_cpu_priority")
        cpu = None if req.cpu_priority < 0 else req.cpu_priority
    return ctx.catalog.user_backups.put(account.id, actor.user_id,
                                        destination=current.destination if current else None,
                                        items=items or ("account", "units", "files"), schedule=schedule,
                                        timezone=timezone, bandwidth=bandwidth, workers=workers, cpu_priority=cpu)


# --- run ----------------------------------------------------------------------------------------------------
def run_niced(nice: int | None, fn):
    """Run ``fn`` in a thread of its own whose CPU priority is lowered to ``nice`` (Linux lowers one
    thread and the threads it starts; a thread's priority cannot be raised back, hence its own)."""
    import os

    if not nice:
        return fn()
    out: dict = {}

    def body():
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except (OSError, AttributeError):   # not Linux, or not allowed: run at the usual priority
            pass
        try:
            out["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            out["error"] = exc

    worker = threading.Thread(target=body, name="uv-user-backup", daemon=True)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["result"]


def _run(ctx, actor, account, reporter):
    from core.accounts.backup import backup_account
    from core.destinations import open_destination
    from core.support.clock import now_iso

    config = ctx.catalog.user_backups.get(account.id)
    if config is None or not config.destination:
        raise InvalidInputError("Choose your own destination first.", kind="mybackup_no_destination")
    with opened_vault(ctx, actor) as secrets:
        view = UserView(ctx, secrets)
        dest = open_destination(ctx.catalog.destinations.get(config.destination), secrets,
                                bandwidth_limit=config.bandwidth or 0)
        try:
            result = run_niced(config.cpu_priority, lambda: backup_account(
                view, account.username, config.destination, items=config.items, reporter=reporter, destination=dest,
                kind="on-demand", workers=config.workers))
        finally:
            dest.close()
    ctx.catalog.user_backups.set_last_run(account.id, now_iso(ctx.clock))
    return result


@use_case("mybackup.run", writes=True, target=lambda r: r.account or "",
          account=lambda ctx, r: _account_id(ctx, r.account), notify="backup",
          audit_detail=lambda r: {"backup": r.backup_id, "files": r.files, "size": r.size})
def run_my_backup(ctx, req: MyAccount | None = None, *, actor, reporter):
    """A backup of the user's account to their own destination now; returns
    core.accounts.backup.BackupResult."""
    return _run(ctx, actor, my_account(ctx, actor, (req or MyAccount()).account), reporter)


@use_case("mybackup.run-due", writes=True, target=lambda r: r.account or "",
          account=lambda ctx, r: _account_id(ctx, r.account), notify="backup", audit=lambda r: r is not None,
          audit_detail=lambda r: {"backup": r.backup_id})
def run_my_due(ctx, req: MyAccount | None = None, *, actor, reporter):
    """The user's scheduled backup when it is due (the user's own timer or the signed-in desktop app
    calls this); None when it is not."""
    from core.support.clock import now_iso

    account = my_account(ctx, actor, (req or MyAccount()).account)
    due = _next_run(ctx.catalog.user_backups.get(account.id))
    if due is None or due > now_iso(ctx.clock):
        return None
    return _run(ctx, actor, account, reporter)
