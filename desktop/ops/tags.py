"""Tags (name, colour, priority group) and priority groups; the settings shared by every workstation
on the catalog (on-demand limits, download TTL)."""

from __future__ import annotations

from core.app import settings, tags
from desktop.ops import Task

UNCHANGED = tags.UNCHANGED


def listing(ctx) -> list:
    """Every tag (one small query): core.catalog Tag (name, color, priority_group, accounts)."""
    return tags.list_tags(ctx)


def random_color() -> str:
    return tags.random_color()


def add(ctx, name: str, color: str | None, group: str | None) -> Task:
    def fn(reporter):
        return tags.add_tag(ctx, tags.AddTag(name, color or None, group or None), reporter=reporter)
    return fn


def edit(ctx, name: str, *, rename: str | None = None, color: str | None = None, group=UNCHANGED) -> Task:
    def fn(reporter):
        return tags.edit_tag(ctx, tags.EditTag(name, rename=rename or None, color=color or None,
                                               priority_group=group), reporter=reporter)
    return fn


def remove(ctx, name: str) -> Task:
    def fn(reporter):
        return tags.remove_tag(ctx, tags.TagRef(name), reporter=reporter)
    return fn


def priorities(ctx) -> dict:
    """{"groups": [PriorityGroup], "kinds": {kind: group}} (one small query)."""
    return tags.list_priorities(ctx)


def set_priority(ctx, name: str, value: int | None, *, remove: bool = False) -> Task:
    def fn(reporter):
        return tags.set_priority(ctx, tags.SetPriority(name, value, remove), reporter=reporter)
    return fn


def set_kind_priority(ctx, kind: str, group: str) -> Task:
    def fn(reporter):
        return tags.set_kind_priority(ctx, tags.SetKindPriority(kind, group), reporter=reporter)
    return fn


def backup_settings(ctx):
    """On-demand limits (core/app/settings.py BackupSettings)."""
    return settings.show_backup_settings(ctx)


def set_backup_settings(ctx, *, ondemand_max=None, ondemand_keep=None, ondemand_ttl_days=None) -> Task:
    def fn(reporter):
        return settings.set_backup_settings(ctx, settings.SetBackupSettings(ondemand_max, ondemand_keep,
                                                                            ondemand_ttl_days), reporter=reporter)
    return fn


def backup_limits(ctx) -> Task:
    """The General tab's account-backup settings, by the names its spin boxes go by."""
    def fn(reporter):
        limits = settings.show_backup_settings(ctx, reporter=reporter)
        return {"download_ttl": settings.show_retention(ctx, reporter=reporter).download_ttl_days,
                "ondemand_max": limits.ondemand_max, "ondemand_keep": limits.ondemand_keep,
                "ondemand_ttl_days": limits.ondemand_ttl_days}
    return fn


def set_download_ttl(ctx, days: int) -> Task:
    def fn(reporter):
        return settings.set_retention(ctx, settings.SetRetention(download_ttl_days=int(days)),
                                      reporter=reporter).download_ttl_days
    return fn
