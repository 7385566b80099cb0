"""Accounts: the overview the accounts page lists, add and manage an account, its key, its tags, the
excludes preview; orphans and assignable UUIDs. Each builder calls one core/app use case."""

from __future__ import annotations

from core.app import accounts, tags, units
from desktop.ops import Task

UNCHANGED = accounts.UNCHANGED


def overview(ctx, tag: str | None = None) -> Task:
    """Every account with its latest and next backup (core/app/accounts.py AccountRow)."""
    def fn(reporter):
        return accounts.account_overview(ctx, accounts.ListAccounts(tag=tag), reporter=reporter)
    return fn


def show(ctx, name: str) -> Task:
    def fn(reporter):
        return accounts.show_account(ctx, accounts.AccountRef(name), reporter=reporter)
    return fn


def add(ctx, username: str, home_dir: str, *, email: str = "", unit_names=(), encryption: str = "app") -> Task:
    def fn(reporter):
        return accounts.add_account(ctx, accounts.AddAccount(username, home_dir, email=email, units=tuple(unit_names),
                                                             encryption=encryption), reporter=reporter)
    return fn


def edit(ctx, name: str, *, email: str | None = None, excludes: tuple[str, ...] | None = None,
         max_on_demand=UNCHANGED, priority_group=UNCHANGED, unit_names: tuple[str, ...] | None = None) -> Task:
    """``max_on_demand``/``priority_group``: a value, None for the default, UNCHANGED to leave it."""
    def fn(reporter):
        return accounts.edit_account(ctx, accounts.EditAccount(
            name, email=email, excludes=excludes, clear_excludes=excludes == (), units=unit_names,
            max_on_demand=max_on_demand, priority_group=priority_group), reporter=reporter)
    return fn


def set_suspended(ctx, name: str, suspended: bool) -> Task:
    def fn(reporter):
        return accounts.set_account_status(ctx, accounts.SetAccountStatus(name, suspended), reporter=reporter)
    return fn


def preview_excludes(ctx, name: str, patterns: tuple[str, ...]) -> Task:
    """What ``patterns`` would leave out of the account's home directory now (nothing is saved)."""
    def fn(reporter):
        return accounts.preview_excludes(ctx, accounts.PreviewExcludes(tuple(patterns), name=name), reporter=reporter)
    return fn


def export_key(ctx, name: str, out: str, *, overwrite: bool = False) -> Task:
    def fn(reporter):
        return accounts.export_account_key(ctx, accounts.ExportAccountKey(name, out, overwrite), reporter=reporter)
    return fn


def reset_key(ctx, name: str, typed: str, passphrase: str | None = None, owner_key_file: str | None = None, *,
              reason: str | None = None) -> Task:
    """Delete every backup made with the account's key and give it a new one; ``typed`` must be the
    username (core checks it). An owner-held account takes the owner's new passphrase or key file."""
    def fn(reporter):
        return accounts.reset_account_key(ctx, accounts.ResetAccountKey(name, typed, passphrase or None,
                                                                        owner_key_file or None, reason=reason),
                                          reporter=reporter)
    return fn


def unit_names(ctx) -> list[str]:
    return [s.unit.name for s in units.list_units(ctx)]


# --- tags of one account ------------------------------------------------------------------------------
def set_tags(ctx, name: str, chosen: tuple[str, ...]) -> Task:
    def fn(reporter):
        tags.set_account_tags(ctx, tags.SetAccountTags(name, chosen), reporter=reporter)
        return accounts.show_account(ctx, accounts.AccountRef(name), reporter=reporter)
    return fn


# --- orphans and assignable UUIDs -----------------------------------------------------------------------
def orphans(ctx) -> Task:
    def fn(reporter):
        return accounts.list_orphans(ctx, reporter=reporter)
    return fn


def adopt(ctx, account_id: str, username: str, home_dir: str) -> Task:
    def fn(reporter):
        return accounts.adopt_orphan(ctx, accounts.AdoptOrphan(account_id, username, home_dir), reporter=reporter)
    return fn


def assignable(ctx) -> Task:
    def fn(reporter):
        return accounts.list_assignable(ctx, reporter=reporter)
    return fn


def reassign(ctx, uuid: str, to: str) -> Task:
    def fn(reporter):
        return accounts.reassign(ctx, accounts.Reassign(uuid, to), reporter=reporter)
    return fn
