"""``backup download``: units as ``.uvault`` bundles (a password protects them), files as ``.tar.zst``.

Downloads go under the home's ``downloads/`` unless another directory is chosen, are recorded in
``downloads/downloads.json``, and expire after a TTL (default 7 days): ``expire_downloads`` removes
expired files inside ``downloads/`` (files written elsewhere are only forgotten) and runs at the start
of every backup command.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from core.accounts.opened import open_backup
from core.accounts.restore.plan import parse_restore_items
from core.accounts.restore.units import BackupUnitSource, find_unit_items
from core.accounts.tarball import write_files_tar
from core.errors import AlreadyExistsError, InvalidInputError
from core.fsutil import atomic_write_bytes
from core.progress import Reporter
from core.support.clock import timestamp
from core.unit.records import SECTIONS

DEFAULT_TTL_DAYS = 7
TTL_SETTING = "downloads/ttl_days"
REGISTRY = "downloads.json"


@dataclass(frozen=True)
class Download:
    path: str
    backup_id: str
    kind: str          # unit | files
    size: int
    created: float
    expires: float

    def as_dict(self) -> dict:
        return {"path": self.path, "backup": self.backup_id, "kind": self.kind, "size": self.size,
                "created": _iso(self.created), "expires": _iso(self.expires)}


def _iso(t: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _registry_path(home) -> Path:
    return Path(home.downloads_dir) / REGISTRY


def _load(home) -> list[Download]:
    try:
        raw = json.loads(_registry_path(home).read_text())
        return [Download(**d) for d in raw]
    except (OSError, ValueError, TypeError):
        return []


def _save(home, items: list[Download]) -> None:
    atomic_write_bytes(_registry_path(home), json.dumps([d.__dict__ for d in items], indent=1).encode())


def ttl_seconds(ctx) -> float:
    return ctx.settings.get_int(TTL_SETTING, DEFAULT_TTL_DAYS) * 86400


def list_downloads(ctx) -> list[Download]:
    return [d for d in _load(ctx.home) if os.path.exists(d.path)]


def expire_downloads(ctx, now: float | None = None) -> list[str]:
    """Remove expired downloads; returns the paths removed or forgotten."""
    now = timestamp(ctx.clock) if now is None else now
    items = _load(ctx.home)
    if not items:
        return []
    root = Path(ctx.home.downloads_dir).resolve()
    keep, gone = [], []
    for d in items:
        if d.expires > now and os.path.exists(d.path):
            keep.append(d)
            continue
        p = Path(d.path)
        if p.parent.resolve() == root:
            try:
                p.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                keep.append(d)
                continue
        gone.append(d.path)
    if gone:
        _save(ctx.home, keep)
    return gone


def download_backup(ctx, backup_id: str, *, items: str, out_dir: str | None = None,
                      bundle_password: str | None = None, passphrase: str | None = None,
                      paths=None, overwrite: bool = False, destination=None,
                      reporter: Reporter | None = None, credentials=None) -> list[Download]:
    reporter = reporter or Reporter()
    selection = parse_restore_items(items)
    if selection.account:
        raise InvalidInputError("Account settings cannot be downloaded; choose units or files.")
    if selection.units and not bundle_password:
        raise InvalidInputError("A unit download needs a password for its bundle.")
    out = Path(out_dir) if out_dir else Path(ctx.home.downloads_dir)
    out.mkdir(parents=True, exist_ok=True)
    snap = open_backup(ctx, backup_id, passphrase=passphrase, destination=destination, reporter=reporter,
                       credentials=credentials)
    made: list[Download] = []
    now = timestamp(ctx.clock)
    ttl = ttl_seconds(ctx)
    try:
        if selection.units:
            from core.bundle.writer import write_bundle

            for item, sections in find_unit_items(snap.manifest, selection):
                target = out / f"{backup_id}-{item['name']}.uvault"

                def section_iter(section, item=item):
                    for _s, wire in BackupUnitSource(snap, item, (section,)).records(reporter):
                        yield wire

                write_bundle(target, unit_id=item["unit_id"], unit_name=item["name"],
                             sections={s: section_iter(s) for s in SECTIONS if s in sections},
                             password=bundle_password, overwrite=overwrite, reporter=reporter,
                             created=snap.header.created)
                made.append(Download(str(target), backup_id, "unit", target.stat().st_size, now, now + ttl))
        if selection.files:
            target = out / f"{backup_id}-files.tar.zst"
            if overwrite:
                from core.fsutil import check_replaceable

                check_replaceable(target)
            elif target.exists() or target.is_symlink():
                raise AlreadyExistsError(f"The file {target} already exists.", kind="file_exists",
                                         data={"path": str(target)})
            write_files_tar(snap, target, paths, reporter)
            made.append(Download(str(target), backup_id, "files", target.stat().st_size, now, now + ttl))
    finally:
        snap.close()
    registry = [d for d in _load(ctx.home) if d.path not in {m.path for m in made}]
    _save(ctx.home, registry + made)
    return made
