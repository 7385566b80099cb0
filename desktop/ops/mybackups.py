"""A user's own backups (user-configured mode, when their account's plan enables the Backups module):
what is set, their destination, what and when, limits, and a backup now. Each builder calls one
core/app/mybackups.py use case as the signed-in user; the vault key those need is the one the
signed-in actor holds in memory (desktop/signin.py puts it on the context)."""

from __future__ import annotations

from core.app import mybackups
from desktop.ops import Task

SetMyDestination = mybackups.SetMyDestination
SetMyBackups = mybackups.SetMyBackups


def show(ctx, account: str | None = None) -> Task:
    """``account``: which of the user's accounts (None: their only one)."""
    def fn(reporter) -> mybackups.MyBackups:
        return mybackups.show_my_backups(ctx, mybackups.MyAccount(account), reporter=reporter)
    return fn


def set_destination(ctx, request: mybackups.SetMyDestination) -> Task:
    """Checked (written, read back, removed) before it is saved; returns where it is."""
    def fn(reporter) -> str:
        return mybackups.set_my_destination(ctx, request, reporter=reporter)
    return fn


def save(ctx, request: mybackups.SetMyBackups) -> Task:
    def fn(reporter):
        return mybackups.set_my_backups(ctx, request, reporter=reporter)
    return fn


def run_now(ctx, account: str | None = None) -> Task:
    """A backup to the user's own destination now (core asks for the backup token first)."""
    def fn(reporter):
        return mybackups.run_my_backup(ctx, mybackups.MyAccount(account), reporter=reporter)
    return fn
