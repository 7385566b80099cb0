"""The wrapper's side of governance (core/app/usecase.py calls these, and nothing else does):

- ``resolve``: the actor with fresh facts from the catalog (role, accounts, units, the Backups module),
  or nobody when users exist and no one signed in;
- ``target``: what the policy needs to know about a request;
- ``check_token``: the backup token a shell presented (``ctx.backup_token``), for the operations
  that start a backup, a download or an export;
- ``record``: the audit entry of an operation, and ``tell``: its notifications.

A home without users pays one small query per operation for all of this.
"""

from __future__ import annotations

import dataclasses

from core.app.actor import ANONYMOUS, LOCAL_ADMIN, NOBODY, SYSTEM, Actor
from core.app.policy import ADMIN_CONFIGURED, MODES, Env, Target
from core.errors import UnitvaultError
from core.logsetup import get_logger

log = get_logger("governance")

MODE_KEY = "governance/mode"
BACKUPS_ENABLED_KEY = "governance/backups_enabled"
TOKEN_WAIT_KEY = "tokens/wait_hours"
SESSION_HOURS_KEY = "sessions/hours"
DEFAULT_SESSION_HOURS = 12


class BackupTokenError(UnitvaultError):
    """Starting a backup, a download or an export needs the user's valid backup token."""

    kind = "backup_token_wrong"


def mode(ctx) -> str:
    value = ctx.catalog.settings.get(MODE_KEY)
    return value if value in MODES else ADMIN_CONFIGURED


def backups_enabled(ctx) -> bool:
    return ctx.catalog.settings.get(BACKUPS_ENABLED_KEY, "1") != "0"


def require_reason(ctx, reason: str | None, what: str, name: str) -> None:
    """Imports in replace mode and key resets ask for a reason (recorded in the audit log) once the
    installation has users; a single-user home records one when given."""
    from core.errors import ConfirmationRequired

    if (reason or "").strip() or ctx.catalog.users.count() == 0:
        return
    raise ConfirmationRequired(f"{what[0].upper()}{what[1:]} of {name!r} needs a reason, which the audit log keeps; "
                               "nothing was changed.", kind="reason_required", data={"what": what, "name": name})


def environment(ctx, governed: bool) -> Env:
    return Env(governed, lambda: mode(ctx), lambda: backups_enabled(ctx))


def users_exist(ctx) -> bool:
    """Whether the installation has users, the question every operation starts with. A home's SQLite
    catalog is asked through the standard library, read-only, so a command that needs no catalog
    (inspecting a bundle) neither loads the database layer nor makes or migrates the catalog; a
    catalog that does not exist yet has no users. Anything else asks the catalog itself."""
    if "catalog" in ctx.__dict__:
        return ctx.catalog.users.count() > 0
    known = _sqlite_users_exist(ctx.home.catalog_url)
    return known if known is not None else ctx.catalog.users.count() > 0


def _sqlite_users_exist(url: str) -> bool | None:
    """True/False for a SQLite catalog file read directly; None when it cannot tell."""
    import os
    import sqlite3
    from urllib.parse import quote

    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = url[len(prefix):]
    if not path or path == ":memory:":
        return None
    if not os.path.exists(path):
        return False
    try:
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'").fetchone() is None:
            return False
        return conn.execute("SELECT EXISTS (SELECT 1 FROM users)").fetchone()[0] == 1
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def user_facts(ctx, user, vault_key=None) -> Actor:
    """The actor a signed-in user is now: role, the accounts they own and those accounts' units, and
    which of them have the Backups module (user-configured mode and a plan that enables it)."""
    accounts = frozenset(user.accounts)
    units = ctx.catalog.accounts.units_of(accounts)
    module = frozenset()
    if accounts and mode(ctx) != ADMIN_CONFIGURED:
        module = accounts & ctx.catalog.plans.accounts_with_backups()
    return Actor(user.username, user.role, user.id, accounts, frozenset(units), module, user.password_less, vault_key)


def resolve(ctx, actor: Actor | None, *, peek: bool = False) -> tuple[Actor, bool]:
    """(the actor with fresh facts, whether users exist). ``peek``: for the use cases that look
    after the stores themselves, find out without opening the catalog (which would make or migrate it)."""
    actor = actor or ctx.actor
    if actor.role == SYSTEM:
        return actor, True
    governed = _users_exist_peek(ctx) if peek and "catalog" not in ctx.__dict__ else users_exist(ctx)
    if not governed:
        return (actor if actor.user_id is None else ANONYMOUS), False
    if actor is LOCAL_ADMIN or actor == LOCAL_ADMIN:
        return ANONYMOUS, True
    if actor.user_id is None:
        return actor, True            # an actor made by the caller (tests): its role as given
    user = ctx.catalog.users.find(actor.user_id)
    if user is None:
        return ANONYMOUS, True
    return user_facts(ctx, user, actor.vault_key), True


def _users_exist_peek(ctx) -> bool:
    """Whether the catalog holds users, read without making, migrating or locking it. A catalog that
    does not exist yet, predates users, or cannot be reached holds none that could sign in (and the
    use cases that peek report such a catalog themselves). A home's SQLite file is read as
    ``users_exist`` reads it; only a server (or a file the standard library cannot read) needs the
    database layer."""
    import os

    known = _sqlite_users_exist(ctx.home.catalog_url)
    if known is not None:
        return known
    from sqlalchemy import func, inspect, select
    from sqlalchemy.engine import make_url

    from core.catalog.database import VERSION_TABLE
    from core.catalog.tables import users
    from core.db import make_engine, stored_revision

    url = ctx.home.catalog_url
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not (parsed.database and os.path.exists(parsed.database)):
            return False
        engine = make_engine(url)
    except Exception:  # noqa: BLE001 - a catalog that cannot be opened holds no users we could ask about
        return False
    try:
        with engine.connect() as conn:
            if stored_revision(conn, VERSION_TABLE) is None or not inspect(conn).has_table(users.name):
                return False
            return int(conn.execute(select(func.count()).select_from(users)).scalar()) > 0
    except Exception:  # noqa: BLE001
        return False
    finally:
        engine.dispose()


def target(ctx, case, request, text: str, env: Env) -> Target:
    """The request's target with lazy lookups: the account it concerns (only when a rule asks)."""
    from core.app.usecase import REGISTRY

    via = _via(case, request) if case.via else None
    scope_case = REGISTRY.get(via) if via else (None if case.via else case)
    scope_request = getattr(request, "request", request) if via else request
    account = None
    if scope_case is not None and scope_case.account is not None:
        account = lambda: scope_case.account(ctx, scope_request)  # noqa: E731
    unit = _safely(scope_case.unit, scope_request) if scope_case is not None and scope_case.unit else None
    return Target(text, account=account, unit=unit, via=via, env=env)


def _via(case, request) -> str | None:
    """The action a queued request stands for. Work that cannot be queued at all is refused as the
    invalid request it is (its own message), not as a permission nobody has."""
    try:
        return case.via(request)
    except UnitvaultError:
        raise
    except Exception:  # noqa: BLE001 - a malformed request: the policy refuses it
        return None


def _safely(fn, request):
    """A describer of a malformed request describes nothing (the use case itself refuses it)."""
    try:
        return fn(request)
    except Exception:  # noqa: BLE001
        return None


def needs_token(case, request, actor: Actor, governed: bool) -> bool:
    from core.app.policy import BACKUP_STARTS

    if not governed or actor.role in (SYSTEM, NOBODY) or actor.user_id is None:
        return False
    action = _safely(case.via, request) if case.via else case.action
    if action not in BACKUP_STARTS:
        return False
    if case.needs_token is not None:
        return bool(case.needs_token(request))
    return True


def check_token(ctx, actor: Actor) -> None:
    from core.governance import tokens
    from core.support.clock import now_iso

    presented = getattr(ctx, "backup_token", None)
    if not presented:
        raise BackupTokenError("Starting a backup, a download or an export needs your backup token.",
                               kind="backup_token_missing")
    record = ctx.catalog.tokens.get(actor.user_id)
    if record is None:
        raise BackupTokenError(f"{actor.name} has no backup token yet; create one first.", kind="backup_token_none")
    if not tokens.matches(record.token_hash, presented):
        raise BackupTokenError("The backup token is not right (a reset replaces the old one).",
                               kind="backup_token_wrong")
    if tokens.state(record, now_iso(ctx.clock)) == tokens.PENDING:
        raise BackupTokenError(f"The backup token was made without a password, so it becomes valid at "
                               f"{record.valid_from[:16].replace('T', ' ')} UTC, unless an admin allows it now.",
                               kind="backup_token_pending", data={"valid_from": record.valid_from})


def _reason_of(request) -> str | None:
    reason = getattr(request, "reason", None)
    return reason.strip() if isinstance(reason, str) and reason.strip() else None


def record(ctx, case, actor: Actor, target: str, outcome: str, request=None, *, error: str = "",
           result=None) -> None:
    """The audit entry; a failure to write it is logged loudly and never hides the operation's outcome."""
    detail: dict = {}
    reason = _reason_of(request)
    if reason:
        detail["reason"] = reason[:500]
    if error:
        detail["error" if outcome != "refused" else "refused"] = error[:1000]
    if outcome == "done" and case.audit_detail is not None and result is not None:
        try:
            detail.update(case.audit_detail(result))
        except Exception:  # a describer must never stop an operation
            log.exception("audit detail of %s failed", case.action)
    try:
        ctx.catalog.audit.append(actor.name, actor.role, case.action, str(target)[:2000], outcome, detail)
    except Exception as exc:  # noqa: BLE001 - the operation's own outcome stands
        log.error("audit entry for %s (%s) could not be written: %s", case.action, outcome,
                  getattr(exc, "message", type(exc).__name__))


def tell(ctx, case, request, target: Target, ok: bool, error: str = "") -> None:
    """Notifications of an operation's end: the account's email, and the desktop's notice."""
    from core.governance import notify

    if getattr(request, "dry_run", False):
        return
    try:
        notify.publish(case.action, str(target), ok, error)
        if case.notify:
            notify.account_outcome(ctx, case.notify, target.account, ok, str(target), error)
    except Exception:  # noqa: BLE001 - telling must never change the outcome
        log.exception("notification of %s failed", case.action)


def with_vault_key(actor: Actor, key) -> Actor:
    return dataclasses.replace(actor, vault_key=key)
