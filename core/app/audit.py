"""Use cases for the audit log (written by the one wrapper, core/app/usecase.py, never here): list
it, verify its hash chain (the first entry that breaks it is named), export it as CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from core.app.usecase import use_case
from core.errors import InvalidInputError

CSV_COLUMNS = ("seq", "at", "actor", "role", "action", "target", "outcome", "reason", "error", "detail", "hash")


@dataclass(frozen=True)
class ListAudit:
    limit: int = 100
    before: int | None = None          # entries older than this sequence number (paging back)
    actor: str | None = None
    action: str | None = None          # an action or an area (token, user, mode...)
    since: str | None = None           # an ISO time


@use_case("audit.list", target=lambda r: " ".join(f"{k}={v}" for k, v in (("actor", r.actor),
                                                                           ("action", r.action)) if v))
def list_audit(ctx, req: ListAudit | None = None, *, actor, reporter) -> list:
    """Newest first: core.governance.audit.AuditEntry."""
    req = req or ListAudit()
    if not 1 <= req.limit <= 100_000:
        raise InvalidInputError("Show from 1 to 100,000 entries.")
    return ctx.catalog.audit.list(limit=req.limit, before=req.before, actor=req.actor, action=req.action,
                                  since=req.since)


@use_case("audit.verify", audit=True, audit_detail=lambda r: {"ok": r.ok, "entries": r.entries,
                                                               **({"bad_entry": r.seq} if r.seq else {})})
def verify_audit(ctx, request=None, *, actor, reporter):
    """core.governance.audit.ChainCheck: ok, or the first entry that was changed, removed or moved."""
    from core.governance.audit import verify_chain

    cat = ctx.catalog
    with cat.read() as c:                       # the head and the entries of one moment
        head = cat.audit.head(c)
        return verify_chain(cat.audit.iter_all(c), head)


def csv_row(entry) -> list:
    d = entry.details
    rest = {k: v for k, v in d.items() if k not in ("reason", "error", "refused")}
    import json

    return [entry.seq, entry.at, entry.actor, entry.role, entry.action, _cell(entry.target), entry.outcome,
            _cell(d.get("reason", "")), _cell(d.get("error", d.get("refused", ""))),
            _cell(json.dumps(rest, ensure_ascii=False, sort_keys=True)) if rest else "", entry.hash]


def _cell(text) -> str:
    """A spreadsheet never runs a cell as a formula (CSV injection)."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass(frozen=True)
class ExportAudit:
    out: Path
    overwrite: bool = False


@dataclass(frozen=True)
class AuditExported:
    path: str
    entries: int


@use_case("audit.export", audit=True, target=lambda r: str(r.out), audit_detail=lambda r: {"entries": r.entries})
def export_audit(ctx, req: ExportAudit, *, actor, reporter) -> AuditExported:
    """Every entry, oldest first, as CSV (UTF-8 with a header row), written atomically."""
    from core.errors import AlreadyExistsError
    from core.fsutil import atomic_write_bytes

    out = Path(req.out)
    if out.exists() and not req.overwrite:
        raise AlreadyExistsError(f"{out} exists.", kind="file_exists", data={"path": str(out)})
    if out.is_dir():
        raise InvalidInputError(f"{out} is a folder.", kind="not_a_regular_file", data={"path": str(out)})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for entry in ctx.catalog.audit.iter_all():
        writer.writerow(csv_row(entry))
        n += 1
        if n % 1000 == 0:
            reporter.check()
    atomic_write_bytes(out, buf.getvalue().encode("utf-8"), mode=0o600)
    return AuditExported(str(out), n)
