"""Who may do what, from the desktop: signing in, the signed-in user's permissions, users, backup
tokens, the backup mode and plans, the audit log and the mail server. Each builder calls one
core/app use case (core/app/users.py, tokens.py, modes.py, audit.py, notify.py); the rules live
there. The instant helpers at the top answer from one small query and may run on the GUI thread."""

from __future__ import annotations

from pathlib import Path

from core.app import audit, modes, notify, tokens, users
from desktop.ops import Task

TOKEN_KINDS = frozenset({"backup_token_missing", "backup_token_wrong"})    # asking for the token helps


# --- instant helpers (GUI thread) ---------------------------------------------------------------------
def access_status(ctx) -> users.AccessStatus:
    return users.access_status(ctx)


def needs_sign_in(ctx) -> bool:
    """Users exist and nobody is signed in on this context yet."""
    return access_status(ctx).governed and ctx.actor.user_id is None


def permissions(ctx) -> users.Permissions:
    return users.my_permissions(ctx)


def sign_out(ctx) -> None:
    """Forget who was signed in, and the backup token they gave (the context is the window's)."""
    from core.app.actor import LOCAL_ADMIN

    ctx.actor = LOCAL_ADMIN
    ctx.backup_token = None


def present_token(ctx, token: str) -> None:
    """The backup token the user typed, presented with their exports, backups and downloads until
    they sign out (core checks it each time)."""
    from core.logsetup import register_secret

    token = token.strip()
    register_secret(token)
    ctx.backup_token = token or None


# --- signing in ------------------------------------------------------------------------------------------
def sign_in(ctx, username: str, password: str | None) -> Task:
    """The signed-in actor (core/app/actor.py); a wrong password and an unknown user fail alike."""
    def fn(reporter):
        return users.sign_in(ctx, users.SignIn(username, password), reporter=reporter)
    return fn


# --- users -----------------------------------------------------------------------------------------------
def list_users(ctx) -> Task:
    def fn(reporter) -> users.UserListing:
        return users.list_users(ctx, reporter=reporter)
    return fn


def account_names(ctx) -> list[str]:
    from core.app import accounts

    return [a.username for a in accounts.list_accounts(ctx)]


def add_user(ctx, username: str, role: str, password: str | None, password_less: bool, email: str,
             accounts: tuple[str, ...]) -> Task:
    def fn(reporter):
        return users.add_user(ctx, users.AddUser(username, role, password, password_less, email, accounts),
                              reporter=reporter)
    return fn


def edit_user(ctx, username: str, *, role: str | None = None, email: str | None = None,
              accounts: tuple[str, ...] | None = None, password: str | None = None,
              password_less: bool | None = None, reason: str | None = None) -> Task:
    def fn(reporter) -> users.UserEdited:
        return users.edit_user(ctx, users.EditUser(username, role=role, email=email, accounts=accounts,
                                                   password=password, password_less=password_less, reason=reason),
                               reporter=reporter)
    return fn


def remove_user(ctx, username: str) -> Task:
    def fn(reporter):
        return users.remove_user(ctx, users.RemoveUser(username, confirmed=True), reporter=reporter)
    return fn


def change_password(ctx, old: str, new: str) -> Task:
    def fn(reporter):
        return users.change_password(ctx, users.ChangePassword(old, new), reporter=reporter)
    return fn


# --- backup tokens ------------------------------------------------------------------------------------------
def token_status(ctx) -> Task:
    def fn(reporter) -> tokens.TokenStatus:
        return tokens.token_status(ctx, reporter=reporter)
    return fn


def make_token(ctx, password: str | None, *, reset: bool) -> Task:
    """A new token (shown once: the result holds it, nothing else ever will)."""
    def fn(reporter) -> tokens.NewToken:
        make = tokens.reset_token if reset else tokens.create_token
        return make(ctx, tokens.MakeToken(password), reporter=reporter)
    return fn


def allow_now(ctx, username: str) -> Task:
    def fn(reporter) -> tokens.TokenStatus:
        return tokens.allow_now(ctx, tokens.AllowNow(username), reporter=reporter)
    return fn


# --- the backup mode and plans --------------------------------------------------------------------------------
def show_mode(ctx) -> Task:
    def fn(reporter) -> modes.ModeInfo:
        return modes.show_mode(ctx, reporter=reporter)
    return fn


def set_mode(ctx, mode: str) -> Task:
    def fn(reporter) -> modes.ModeInfo:
        return modes.set_mode(ctx, modes.SetMode(mode), reporter=reporter)
    return fn


def add_plan(ctx, name: str, backups: bool) -> Task:
    def fn(reporter):
        return modes.add_plan(ctx, modes.PlanSpec(name, backups), reporter=reporter)
    return fn


def edit_plan(ctx, name: str, backups: bool) -> Task:
    def fn(reporter):
        return modes.edit_plan(ctx, modes.PlanSpec(name, backups), reporter=reporter)
    return fn


def remove_plan(ctx, name: str) -> Task:
    def fn(reporter) -> None:
        return modes.remove_plan(ctx, modes.PlanRef(name), reporter=reporter)
    return fn


def assign_plan(ctx, account: str, plan: str | None) -> Task:
    def fn(reporter):
        return modes.assign_plan(ctx, modes.AssignPlan(account, plan), reporter=reporter)
    return fn


# --- access settings ----------------------------------------------------------------------------------------------
def show_access(ctx) -> Task:
    def fn(reporter) -> modes.AccessSettings:
        return modes.show_access(ctx, reporter=reporter)
    return fn


def set_access(ctx, *, backups_enabled: bool | None = None, token_wait_hours: int | None = None,
               session_hours: int | None = None) -> Task:
    def fn(reporter) -> modes.AccessSettings:
        return modes.set_access(ctx, modes.SetAccess(backups_enabled, token_wait_hours, session_hours),
                                reporter=reporter)
    return fn


# --- the audit log ------------------------------------------------------------------------------------------------
def list_audit(ctx, *, limit: int = 1000, actor: str | None = None, action: str | None = None) -> Task:
    def fn(reporter) -> list:
        return audit.list_audit(ctx, audit.ListAudit(limit=limit, actor=actor or None, action=action or None),
                                reporter=reporter)
    return fn


def verify_audit(ctx) -> Task:
    def fn(reporter):
        return audit.verify_audit(ctx, reporter=reporter)
    return fn


def export_audit(ctx, out: Path, *, overwrite: bool = False) -> Task:
    def fn(reporter) -> audit.AuditExported:
        return audit.export_audit(ctx, audit.ExportAudit(Path(out), overwrite=overwrite), reporter=reporter)
    return fn


# --- the mail server ----------------------------------------------------------------------------------------------
def show_smtp(ctx) -> Task:
    def fn(reporter) -> dict:
        return notify.show_smtp(ctx, reporter=reporter)
    return fn


def set_smtp(ctx, *, host: str, port: int, security: str, username: str, sender: str,
             password: str | None) -> Task:
    def fn(reporter) -> dict:
        return notify.set_smtp(ctx, notify.SetSmtp(host=host, port=port, security=security, username=username,
                                                   sender=sender, password=password or None), reporter=reporter)
    return fn


def test_mail(ctx, to: tuple[str, ...] = ()) -> Task:
    def fn(reporter):
        return notify.test_mail(ctx, notify.TestMail(tuple(to)), reporter=reporter)
    return fn
