"""What a request concerns, for the policy (core/app/policy.py): the account behind a username or a
backup id. The wrapper calls these only when a rule asks (a user acting on their own account)."""

from __future__ import annotations


def account_named(ctx, name: str | None) -> str | None:
    if not name:
        return None
    account = ctx.catalog.accounts.find(name)
    return account.id if account is not None else None


def account_of_backup(ctx, backup_id: str | None) -> str | None:
    """The account a backup belongs to (a backup filed under a reassigned UUID: the account it was
    reassigned to)."""
    if not backup_id:
        return None
    entry = ctx.catalog.backups.find(backup_id)
    if entry is None:
        return None
    return ctx.catalog.accounts.alias_owner(entry.account_id) or entry.account_id


def visible_to(actor, account_id: str) -> bool:
    """Listings show a user only their own accounts' things; admins and helpdesk see everything."""
    from core.app.actor import USER

    return actor.role != USER or account_id in actor.accounts
