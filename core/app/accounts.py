"""Use cases for accounts: add, list, show, edit, suspend or unsuspend, delete."""

from __future__ import annotations

import os
from dataclasses import dataclass

from core.app.usecase import use_case
from core.errors import ConfirmationRequired, InvalidInputError


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


@use_case("account.list")
def list_accounts(ctx, req: ListAccounts | None = None, *, actor, reporter) -> list:
    return ctx.catalog.accounts.list(include_deleted=bool(req and req.include_deleted))


@dataclass(frozen=True)
class AccountRef:
    name: str    # username or UUID


@use_case("account.show", target=lambda r: r.name)
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
    return ctx.catalog.accounts.edit(
        account.id, username=req.rename, email=req.email,
        home_dir=_home_dir(req.home_dir, must_exist=True) if req.home_dir else None,
        units=sorted(units) if units is not None else None, excludes=excludes)


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
