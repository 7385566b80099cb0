"""Use cases for users: add, list, edit, remove; sign in (a password, or the operating system's login
for a password-less user), CLI sessions, and changing one's own password.

A home with no users runs single-user as the local admin. The first user must be an admin, and the
last admin can be neither removed nor demoted, so a home with users always has one. Passwords are
hashed with argon2's PasswordHasher (core/governance/passwords.py); a user of role ``user`` also
gets a vault sealed with their password at their first sign-in (core/governance/vault.py), and the
signed-in actor holds its key in memory only.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import secrets as _secrets
from dataclasses import dataclass, field

from core.app.actor import ADMIN, USER, Actor
from core.app.usecase import use_case
from core.errors import ConfirmationRequired, InvalidInputError, UnitvaultError

SESSION_FILE = "session"


class SignInFailed(UnitvaultError):
    """One message for an unknown user and a wrong password, so neither is told apart."""

    kind = "sign_in_failed"


def os_login() -> str:
    """The operating system's login name of this process (how a password-less user is vouched for)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name at all (a container without a passwd entry)
        return ""


# --- status and sign-in --------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccessStatus:
    governed: bool               # users exist: someone must sign in
    os_login: str                # this process's login name
    os_user: str | None          # a password-less user of that name, signed in without a password
    session_user: str | None     # the user of this home's CLI session, if one is open

    def to_json(self) -> dict:
        return {"governed": self.governed, "os_login": self.os_login, "os_user": self.os_user,
                "session_user": self.session_user}


@use_case("user.status")
def access_status(ctx, request=None, *, actor, reporter) -> AccessStatus:
    users = ctx.catalog.users
    governed = users.count() > 0
    login = os_login()
    os_user = None
    if governed and login:
        found = users.find(login)
        if found is not None and found.password_less and found.username == login:
            os_user = found.username
    session = _read_session(ctx)
    session_user = None
    if session is not None:
        from core.support.clock import now_iso

        user = users.session_user(_session_hash(session), now_iso(ctx.clock))
        session_user = user.username if user else None
    return AccessStatus(governed, login, os_user, session_user)


@dataclass(frozen=True)
class SignIn:
    username: str
    password: str | None = field(default=None, repr=False)   # None: a password-less user, vouched for by the OS login


def _open_or_make_vault(ctx, user, password: str):
    """The key of the user's vault (made now, empty, if they have none): only users of role user
    configure their own backups."""
    from core.governance import vault

    if user.role != USER:
        return None
    sealed = ctx.catalog.users.vault(user.id)
    if sealed is None:
        key = vault.new_key(password)
        ctx.catalog.users.edit(user.id, vault=vault.seal(key, user.id, vault.VaultSecrets().content()))
        return key
    key = vault.key_for(sealed, password)
    vault.open_vault(key, user.id, sealed)        # the key must open it (else: sealed under another password)
    return key


@use_case("user.sign-in", target=lambda r: r.username, audit=lambda actor: False)   # failures only: every CLI
                                                                                   # command signs in
def sign_in(ctx, req: SignIn, *, actor, reporter) -> Actor:
    """The signed-in actor. A wrong password and an unknown user fail alike; a password-less user is
    signed in only by a process running under the OS login of the same name."""
    from core.governance import guard, passwords
    from core.logsetup import register_secret

    users = ctx.catalog.users
    user = users.find(req.username) if isinstance(req.username, str) else None
    if req.password is not None:
        register_secret(req.password)
        stored = users.password_hash(user.id) if user is not None else None
        if not passwords.verify_password(stored, req.password):
            raise SignInFailed("The user name or the password is wrong.")
        if passwords.needs_rehash(stored):
            users.edit(user.id, password_hash=passwords.hash_password(req.password))
        key = None
        try:
            key = _open_or_make_vault(ctx, user, req.password)
        except UnitvaultError as exc:   # a damaged vault: signed in, but their own backups say why they cannot run
            from core.logsetup import get_logger

            get_logger("users").warning("the vault of %s cannot be opened: %s", user.username, exc.message)
        return guard.user_facts(ctx, users.get(user.id), key)
    if user is None or not user.password_less:
        raise SignInFailed("The user name or the password is wrong.")
    if os_login() != user.username:
        raise SignInFailed(f"{user.username} has no password: they are signed in by the operating system's login "
                           f"of the same name, and this process runs as {os_login() or 'nobody'}.",
                           kind="os_login_mismatch")
    return guard.user_facts(ctx, user)


@use_case("user.whoami")
def whoami(ctx, request=None, *, actor, reporter) -> Actor:
    return actor


# --- CLI sessions --------------------------------------------------------------------------------------
def _session_path(ctx):
    return ctx.home.root / SESSION_FILE


def _session_hash(secret: str) -> str:
    return hashlib.sha256(b"unitvault session\x00" + secret.encode()).hexdigest()


def _read_session(ctx) -> str | None:
    path = _session_path(ctx)
    try:
        with path.open("rb") as f:
            raw = f.read(4096)
        doc = json.loads(raw)
    except (OSError, ValueError):
        return None
    secret = doc.get("secret") if isinstance(doc, dict) else None
    return secret if isinstance(secret, str) and len(secret) < 200 else None


@dataclass(frozen=True)
class SessionStarted:
    username: str
    expires_at: str
    path: str


@use_case("user.session-start", writes=True, target=lambda r: "")
def start_session(ctx, request=None, *, actor, reporter) -> SessionStarted:
    """A session for later commands in this home (a private file in it; the catalog keeps only its
    hash). It stands for the user's sign-in, never for their password: what needs the password
    (their own backups' vault) still asks for it."""
    import datetime as _dt

    from core.fsutil import atomic_write_bytes
    from core.governance.guard import DEFAULT_SESSION_HOURS, SESSION_HOURS_KEY
    from core.support.clock import to_iso

    if actor.user_id is None:
        raise InvalidInputError("Sessions are for users; this installation has none yet.", kind="no_users")
    hours = ctx.catalog.settings.get_int(SESSION_HOURS_KEY, DEFAULT_SESSION_HOURS)
    expires = to_iso(ctx.clock.now() + _dt.timedelta(hours=max(1, hours)))
    secret = _secrets.token_urlsafe(32)
    ctx.catalog.users.add_session(actor.user_id, _session_hash(secret), expires)
    path = _session_path(ctx)
    atomic_write_bytes(path, json.dumps({"user": actor.name, "secret": secret}).encode(), mode=0o600)
    return SessionStarted(actor.name, expires, str(path))


@use_case("user.session-resume")
def resume_session(ctx, request=None, *, actor, reporter) -> Actor | None:
    """Who this process is without signing in: the user of this home's open session, else a
    password-less user named like the OS login, else nobody (None)."""
    from core.governance import guard
    from core.support.clock import now_iso

    if not guard.users_exist(ctx):
        return None
    users = ctx.catalog.users
    secret = _read_session(ctx)
    if secret is not None:
        user = users.session_user(_session_hash(secret), now_iso(ctx.clock))
        if user is not None:
            return guard.user_facts(ctx, user)
    login = os_login()
    user = users.find(login) if login else None
    if user is not None and user.password_less and user.username == login:
        return guard.user_facts(ctx, user)
    return None


@use_case("user.session-end", writes=True, audit=lambda ended: bool(ended))
def end_session(ctx, request=None, *, actor, reporter) -> bool:
    secret = _read_session(ctx)
    path = _session_path(ctx)
    if secret is not None:
        ctx.catalog.users.end_session(_session_hash(secret))
    try:
        os.unlink(path)
    except FileNotFoundError:
        return secret is not None
    return True


# --- one's own password ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangePassword:
    old: str = field(repr=False)
    new: str = field(repr=False)


@use_case("user.password", writes=True, target=lambda r: "own password")
def change_password(ctx, req: ChangePassword, *, actor, reporter) -> Actor:
    """The old password proves it is the user; their vault is sealed again under the new one, and
    their CLI sessions end."""
    from core.catalog.users import UNCHANGED
    from core.governance import guard, passwords, vault
    from core.logsetup import register_secret

    register_secret(req.old)
    register_secret(req.new)
    if actor.user_id is None:
        raise InvalidInputError("Passwords are for users; this installation has none yet.", kind="no_users")
    users = ctx.catalog.users
    if not passwords.verify_password(users.password_hash(actor.user_id), req.old):
        raise SignInFailed("The current password is wrong.", kind="wrong_password")
    new_hash = passwords.hash_password(req.new)
    sealed = users.vault(actor.user_id)
    new_vault = UNCHANGED
    key = None
    if sealed is not None:
        old_key = vault.key_for(sealed, req.old)
        content = vault.open_vault(old_key, actor.user_id, sealed)
        key = vault.new_key(req.new)
        new_vault = vault.seal(key, actor.user_id, content)
    with ctx.catalog.write() as c:
        users.edit(actor.user_id, password_hash=new_hash, vault=new_vault, conn=c)
        users.end_sessions(actor.user_id, conn=c)
    return guard.user_facts(ctx, users.get(actor.user_id), key)


# --- managing users (admins) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddUser:
    username: str
    role: str
    password: str | None = field(default=None, repr=False)
    password_less: bool = False
    email: str = ""
    accounts: tuple[str, ...] = ()      # usernames (or ids) of the accounts a user owns


def _account_ids(ctx, names) -> tuple[str, ...]:
    out = []
    for name in names or ():
        account = ctx.catalog.accounts.get(name)
        out.append(account.id)
    return tuple(out)


def _password_hash(password: str | None, password_less: bool) -> str | None:
    from core.governance import passwords
    from core.logsetup import register_secret

    if password_less:
        if password:
            raise InvalidInputError("A password-less user has no password.", kind="password_and_password_less")
        return None
    if not password:
        raise InvalidInputError("A user needs a password, or to be password-less (signed in by the OS login).",
                                kind="user_password_missing")
    register_secret(password)
    return passwords.hash_password(password)


@use_case("user.add", writes=True, target=lambda r: f"{r.username} ({r.role})")
def add_user(ctx, req: AddUser, *, actor, reporter):
    """Returns the core.catalog.users.User. The first user of a home must be an admin (the home then
    needs someone to sign in, and someone must be able to manage it)."""
    from core.catalog.users import check_role, check_user_name

    check_user_name(req.username)
    check_role(req.role)
    users = ctx.catalog.users
    if users.count() == 0 and req.role != ADMIN:
        raise InvalidInputError("The first user must be an admin: once a user exists, everyone signs in.",
                                kind="first_user_admin")
    if req.accounts and req.role != USER:
        raise InvalidInputError("Only users of role user own accounts.", kind="accounts_for_users_only")
    accounts = _account_ids(ctx, req.accounts)
    return users.add(req.username, req.role, password_hash=_password_hash(req.password, req.password_less),
                     email=req.email, accounts=accounts)


@dataclass(frozen=True)
class UserListing:
    users: list                   # core.catalog.users.User
    account_names: dict           # account id -> username
    tokens: dict                  # user id -> none | pending | valid

    def to_json(self) -> list:
        return [{**u.as_dict(self.account_names), "token": self.tokens.get(u.id, "none")} for u in self.users]


@use_case("user.list")
def list_users(ctx, request=None, *, actor, reporter) -> UserListing:
    from core.governance import tokens
    from core.support.clock import now_iso

    users = ctx.catalog.users.list()
    names = {a.id: a.username for a in ctx.catalog.accounts.list(include_deleted=True)}
    now = now_iso(ctx.clock)
    states = {u.id: tokens.state(ctx.catalog.tokens.get(u.id), now) for u in users}
    return UserListing(users, names, states)


@dataclass(frozen=True)
class EditUser:
    username: str
    role: str | None = None
    email: str | None = None
    accounts: tuple[str, ...] | None = None
    password: str | None = field(default=None, repr=False)    # a new password (set by an admin)
    password_less: bool | None = None
    reason: str | None = None          # why (needed when a new password discards the user's vault)


@dataclass(frozen=True)
class UserEdited:
    user: object                   # core.catalog.users.User
    vault_discarded: bool          # a new password: the user's own backup settings and key are gone


def _keep_an_admin(ctx, user, new_role: str | None, removing: bool = False) -> None:
    if user.role != ADMIN or (new_role in (None, ADMIN) and not removing):
        return
    if ctx.catalog.users.count_role(ADMIN) <= 1:
        raise InvalidInputError(f"{user.username} is the last admin; make another user an admin first.",
                                kind="last_admin")


@use_case("user.edit", writes=True, target=lambda r: r.username)
def edit_user(ctx, req: EditUser, *, actor, reporter) -> UserEdited:
    from core.catalog.users import UNCHANGED, check_role

    users = ctx.catalog.users
    user = users.get(req.username)
    if req.role is not None:
        check_role(req.role)
    _keep_an_admin(ctx, user, req.role)
    role = req.role or user.role
    if req.accounts is not None and req.accounts and role != USER:
        raise InvalidInputError("Only users of role user own accounts.", kind="accounts_for_users_only")
    accounts = _account_ids(ctx, req.accounts) if req.accounts is not None else (() if role != USER else None)
    password_hash = UNCHANGED
    discard = False
    if req.password is not None or req.password_less is not None:
        password_hash = _password_hash(req.password, bool(req.password_less))
        discard = users.vault(user.id) is not None
        if discard and not (req.reason or "").strip():
            raise ConfirmationRequired(f"A new password discards {user.username}'s own backup settings and the key of "
                                       "their own backups (sealed with their old password, which nobody else "
                                       "knows); give a reason.", kind="reason_required",
                                       data={"what": "password reset", "name": user.username})
    with ctx.catalog.write() as c:
        edited = users.edit(user.id, role=req.role, email=req.email, password_hash=password_hash,
                            accounts=accounts, vault=None if discard else UNCHANGED, conn=c)
        if password_hash is not UNCHANGED or (req.role is not None and req.role != user.role):
            users.end_sessions(user.id, conn=c)
    return UserEdited(edited, discard)


@dataclass(frozen=True)
class RemoveUser:
    username: str
    confirmed: bool = False


@use_case("user.remove", writes=True, target=lambda r: r.username)
def remove_user(ctx, req: RemoveUser, *, actor, reporter):
    users = ctx.catalog.users
    user = users.get(req.username)
    _keep_an_admin(ctx, user, None, removing=True)
    if not req.confirmed:
        raise ConfirmationRequired(f"Removing user {user.username!r} needs confirmation.", kind="confirm_delete",
                                   data={"what": "user", "name": user.username})
    return users.remove(user.id)


# --- what the signed-in user may do (for shells that hide what they may not) -----------------------------------
@dataclass(frozen=True)
class Permissions:
    username: str
    role: str
    governed: bool                 # users exist (a token, sign-out and the like mean something)
    password_less: bool
    actions: frozenset             # every action the policy allows this actor for something they may act on

    def may(self, action: str) -> bool:
        return action in self.actions

    def to_json(self) -> dict:
        return {"username": self.username, "role": self.role, "governed": self.governed,
                "password_less": self.password_less, "actions": sorted(self.actions)}


@use_case("user.permissions", quiet=True)
def my_permissions(ctx, request=None, *, actor, reporter) -> Permissions:
    """Every action the policy allows the actor now, in this environment (mode, backups enabled):
    an action that depends on what it acts on counts when the actor may do it for one of their own
    accounts or units. A shell hides the controls of the rest; the policy still decides each call."""
    from core.app import policy
    from core.governance import guard

    governed = ctx.catalog.users.count() > 0
    env = guard.environment(ctx, governed)
    targets = [policy.Target("", env=env)]
    targets += [policy.Target("", account=a, env=env) for a in sorted(actor.accounts)]
    targets += [policy.Target("", unit=u, env=env) for u in sorted(actor.units)]
    allowed = set()
    for action, rule in policy.RULES.items():
        if rule == policy.VIA:
            continue
        if any(policy.allowed(actor, action, t).ok for t in targets):
            allowed.add(action)
    return Permissions(actor.name, actor.role, governed, actor.password_less, frozenset(allowed))
