"""``backup download``: units as ``.uvault`` bundles (a password protects them), files as ``.tar.zst``.

Downloads go under the home's ``downloads/`` unless another directory is chosen, are recorded in
``downloads/downloads.json``, and expire after a TTL (default 7 days): ``expire_downloads`` removes
expired files inside ``downloads/`` (files written elsewhere are only forgotten) and runs at the start
of every backup command.
"""

from __future__ import annotations

import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

from core.accounts.opened import open_backup
from core.accounts.restore.plan import check_rel_path, entry_ok, parse_restore_items, selected
from core.accounts.restore.units import BackupUnitSource, find_unit_items
from core.accounts.tree import CHUNKS, MODE, MTIME, PATH, SIZE, TARGET, TYPE
from core.errors import AlreadyExistsError, InvalidInputError
from core.fsutil import atomic_write_bytes, atomic_writer
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


class _ChunkStream:
    """A read()-able stream over a file's blobs (for tarfile.addfile)."""

    def __init__(self, reader, chunks):
        self._reader, self._chunks, self._buf = reader, list(chunks), b""

    def read(self, n: int = -1) -> bytes:
        while (n < 0 or len(self._buf) < n) and self._chunks:
            self._buf += self._reader.get(self._chunks.pop(0))
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out


def download_backup(ctx, backup_id: str, *, items: str, out_dir: str | None = None,
                      bundle_password: str | None = None, passphrase: str | None = None,
                      paths=None, overwrite: bool = False, destination=None,
                      reporter: Reporter | None = None) -> list[Download]:
    reporter = reporter or Reporter()
    selection = parse_restore_items(items)
    if selection.account:
        raise InvalidInputError("Account settings cannot be downloaded; choose units or files.")
    if selection.units and not bundle_password:
        raise InvalidInputError("A unit download needs a password for its bundle.")
    out = Path(out_dir) if out_dir else Path(ctx.home.downloads_dir)
    out.mkdir(parents=True, exist_ok=True)
    snap = open_backup(ctx, backup_id, passphrase=passphrase, destination=destination, reporter=reporter)
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
            if target.exists() and not overwrite:
                raise AlreadyExistsError(f"The file {target} already exists.", kind="file_exists",
                                         data={"path": str(target)})
            _write_tar(snap, target, paths, reporter)
            made.append(Download(str(target), backup_id, "files", target.stat().st_size, now, now + ttl))
    finally:
        snap.close()
    registry = [d for d in _load(ctx.home) if d.path not in {m.path for m in made}]
    _save(ctx.home, registry + made)
    return made


def _write_tar(snap, target: Path, paths, reporter: Reporter) -> None:
    import zstandard

    wanted = [os.fsencode(p).strip(b"/") for p in paths] if paths else None
    entries = [e for e in snap.manifest.get("files", {}).get("entries", [])
               if entry_ok(e) and selected(e[PATH], wanted)]    # malformed entries are left out, like unsafe names
    reporter.stage("packing files", sum(e[SIZE] for e in entries if e[TYPE] == "f"), "bytes")
    reader = snap.reader()
    try:
        with atomic_writer(target, mode=0o600) as fh:
            zw = zstandard.ZstdCompressor(level=3).stream_writer(fh, closefd=False)
            with tarfile.open(fileobj=zw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for e in entries:
                    try:
                        check_rel_path(e[PATH])
                    except ValueError:
                        continue
                    info = tarfile.TarInfo("home/" + os.fsdecode(e[PATH]))
                    info.mode = e[MODE]
                    info.mtime = e[MTIME] / 1e9
                    if e[TYPE] == "d":
                        info.type = tarfile.DIRTYPE
                        tar.addfile(info)
                    elif e[TYPE] == "l":
                        info.type = tarfile.SYMTYPE
                        info.linkname = os.fsdecode(e[TARGET])
                        tar.addfile(info)
                    else:
                        info.size = e[SIZE]
                        tar.addfile(info, _ChunkStream(reader, e[CHUNKS]))
                        reporter.advance(e[SIZE])
            zw.flush(zstandard.FLUSH_FRAME)
    finally:
        reader.close()
