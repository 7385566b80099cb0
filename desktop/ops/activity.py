"""Activity: finished operations (what, who, when, result).

Until the audit log lands, the history is the queue's finished items (every workstation's backups,
restores and downloads, kept ``queue.keep_days``) plus what this window did itself (exports,
imports, locks, ...; ``SessionLog``). ``activity()`` is the one data source the page reads, so it can
switch to the audit log without the page changing."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from core.app import queue
from core.support.clock import now_iso
from desktop.ops import Task

KIND_TITLES = {"backup": "Backup", "restore": "Restore", "download": "Download"}
FINISHED = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class ActivityEntry:
    when: str               # ISO 8601, UTC
    kind: str               # backup | restore | download | export | import | ...
    what: str               # one line
    who: str
    result: str             # done | failed | cancelled
    detail: str = ""        # the reason of a failure, or a summary
    account: str = ""


class SessionLog:
    """What this window did that the queue does not record (thread-safe; newest last)."""

    def __init__(self, clock=None):
        self.clock = clock
        self._entries: list[ActivityEntry] = []
        self._lock = threading.Lock()

    def add(self, kind: str, what: str, result: str, *, who: str, detail: str = "", account: str = "") -> ActivityEntry:
        from core.support.clock import SYSTEM_CLOCK

        entry = ActivityEntry(now_iso(self.clock or SYSTEM_CLOCK), kind, what, who, result, detail, account)
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self) -> list[ActivityEntry]:
        with self._lock:
            return list(self._entries)


def describe_item(item) -> str:
    """A queue item in one line: "Backup of alice to offsite", "Restore of files from backup 2027…"."""
    r = item.request
    who = item.username or r.get("account") or item.account_id or "?"
    if item.kind == "backup":
        text = f"Backup of {who} to {item.destination}"
        return text + (f" (job {item.job})" if item.job else " (on demand)")
    what = r.get("items", "")
    paths = r.get("paths") or ()
    if paths:
        what += f" ({len(paths)} path{'s' if len(paths) != 1 else ''})"
    verb = "Restore" if item.kind == "restore" else "Download"
    extra = f", {r.get('mode')}" if item.kind == "restore" and r.get("mode") else ""
    return f"{verb} of {what} from backup {r.get('backup_id', '?')} of {who}{extra}"


def item_entry(item, actor: str) -> ActivityEntry:
    detail = item.error or ""
    if not detail and item.result:
        res = item.result
        if item.kind == "backup" and res.get("backup_id"):
            detail = f"backup {res['backup_id']}"
        elif item.kind == "restore":
            detail = f"{res.get('files_restored', 0)} files restored"
        elif item.kind == "download":
            detail = ", ".join(res.get("files", []))
    who = f"job {item.job}" if item.job else actor
    return ActivityEntry(item.finished_at or item.created_at, item.kind, describe_item(item), who, item.state, detail,
                         item.username or "")


def activity(ctx, session: SessionLog | None = None) -> Task:
    """Every finished operation, newest first."""
    def fn(reporter) -> list[ActivityEntry]:
        listing = queue.list_queue(ctx, queue.ListQueue(recent_hours=24 * queue.show_settings(ctx).keep_days,
                                                        limit=1000), reporter=reporter)
        out = [item_entry(i, str(ctx.actor)) for i in listing.items if i.state in FINISHED]
        if session is not None:
            out += session.entries()
        out.sort(key=lambda e: e.when, reverse=True)
        return out
    return fn
