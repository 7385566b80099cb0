"""Use cases for backup tokens (core/governance/tokens.py): a user's status, create, reset, and an
admin's ``allow-now`` for a password-less user's token that is still waiting.

Creating or resetting needs the user's password (a password-less user has none: their new token
waits ``tokens/wait_hours``, 24 by default, unless an admin allows it now). The token is in the
result once and never again; every admin gets an email each time."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.app.usecase import use_case
from core.errors import AlreadyExistsError, InvalidInputError

DEFAULT_WAIT_HOURS = 24


@dataclass(frozen=True)
class TokenStatus:
    username: str
    state: str                 # none | pending | valid
    created_at: str | None
    valid_from: str | None
    resets: int

    def to_json(self) -> dict:
        return {"username": self.username, "state": self.state, "created_at": self.created_at,
                "valid_from": self.valid_from, "resets": self.resets}


def _status(ctx, user) -> TokenStatus:
    from core.governance import tokens
    from core.support.clock import now_iso

    record = ctx.catalog.tokens.get(user.id)
    state = tokens.state(record, now_iso(ctx.clock))
    return TokenStatus(user.username, state, record.created_at if record else None,
                       record.valid_from if record else None, record.resets if record else 0)


def _me(ctx, actor):
    if actor.user_id is None:
        raise InvalidInputError("Backup tokens belong to users; this installation has none yet.", kind="no_users")
    return ctx.catalog.users.get(actor.user_id)


@use_case("token.status")
def token_status(ctx, request=None, *, actor, reporter) -> TokenStatus:
    return _status(ctx, _me(ctx, actor))


@dataclass(frozen=True)
class MakeToken:
    password: str | None = field(default=None, repr=False)   # the user's password (password-less users: None)


@dataclass(frozen=True)
class NewToken:
    token: str = field(repr=False)      # shown once; only its hash is stored
    status: TokenStatus = None
    notified: object = None             # core.governance.notify.Sent: the admins told

    def to_json(self) -> dict:
        return {"token": self.token, **self.status.to_json(), "notified": self.notified.as_dict()}


def wait_hours(ctx) -> int:
    from core.governance.guard import TOKEN_WAIT_KEY

    return max(0, ctx.catalog.settings.get_int(TOKEN_WAIT_KEY, DEFAULT_WAIT_HOURS))


def _make(ctx, actor, req: MakeToken, *, reset: bool) -> NewToken:
    from core.app.users import SignInFailed
    from core.governance import notify, passwords, tokens
    from core.logsetup import register_secret
    from core.support.clock import now_iso, to_iso

    user = _me(ctx, actor)
    existing = ctx.catalog.tokens.get(user.id)
    if existing is not None and not reset:
        raise AlreadyExistsError(f"{user.username} has a backup token already; reset it to get a new one.",
                                 kind="token_exists")
    if not user.password_less:
        if req.password:
            register_secret(req.password)
        if not req.password:
            raise InvalidInputError("Making a backup token needs your password.", kind="token_password_missing")
        if not passwords.verify_password(ctx.catalog.users.password_hash(user.id), req.password):
            raise SignInFailed("The password is wrong; no token was made.", kind="wrong_password")
    now = ctx.clock.now()
    valid = to_iso(tokens.valid_from(now, password_less=user.password_less, wait_hours=wait_hours(ctx)))
    token = tokens.new_token()
    register_secret(token)
    ctx.catalog.tokens.put(user.id, tokens.token_hash(token), valid)
    sent = notify.token_changed(ctx, user, reset=existing is not None, by=actor.name, valid_from=valid,
                                now=now_iso(ctx.clock))
    return NewToken(token, _status(ctx, user), sent)


@use_case("token.create", writes=True, target=lambda r: "own token")
def create_token(ctx, req: MakeToken, *, actor, reporter) -> NewToken:
    return _make(ctx, actor, req, reset=False)


@use_case("token.reset", writes=True, target=lambda r: "own token")
def reset_token(ctx, req: MakeToken, *, actor, reporter) -> NewToken:
    """A new token; the old one stops working at once."""
    return _make(ctx, actor, req, reset=True)


@dataclass(frozen=True)
class AllowNow:
    username: str


@use_case("token.allow-now", writes=True, target=lambda r: r.username)
def allow_now(ctx, req: AllowNow, *, actor, reporter) -> TokenStatus:
    """A password-less user's waiting token becomes valid now."""
    from core.errors import NotFoundError

    user = ctx.catalog.users.get(req.username)
    if ctx.catalog.tokens.allow_now(user.id) is None:
        raise NotFoundError(f"{user.username} has no backup token.", kind="token_not_found",
                            data={"name": user.username})
    return _status(ctx, user)
