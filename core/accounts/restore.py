"""``backup restore``: account settings, units (whole or per section) and files from one snapshot.

File restores never write outside the target: names are checked (no '..', no absolute paths, no empty
parts), every parent is opened relative to its parent with O_NOFOLLOW (a symlink planted in the target
is refused, never followed), each file is written under a temp name then renamed, and symlinks are
recreated as links with their original target. ``terminate`` removes what is restored first;
``merge`` keeps live data where both exist.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from core.accounts.snapshot import open_snapshot
from core.accounts.tree import CHUNKS, MODE, MTIME, PATH, TARGET, TYPE
from core.errors import ConfirmationRequired, IntegrityError, InvalidInputError, NotFoundError, UnitvaultError
from core.progress import Reporter
from core.unit.records import SECTIONS

MODES = ("merge", "terminate")
WRITERS = 6                   # threads creating small files (creation, not bandwidth, is the cost)
PARALLEL_FILE_MAX = 4 << 20   # files up to this size are written by the workers
WINDOW_FILES = 512
WINDOW_BYTES = 64 << 20


@dataclass(frozen=True)
class ItemSelection:
    account: bool = False
    units: dict = field(default_factory=dict)   # unit name (or "*") -> tuple of sections
    files: bool = False


def parse_restore_items(text: str) -> ItemSelection:
    """``account,units[:UNIT[/SECTION]],files`` (units may repeat with different names/sections)."""
    if not text:
        raise InvalidInputError("Choose what to restore with --items.", hint="Use account, units[:UNIT[/SECTION]], files.")
    account = files = False
    units: dict[str, set] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part == "account":
            account = True
        elif part == "files":
            files = True
        elif part == "units" or part.startswith("units:"):
            rest = part[6:] if part.startswith("units:") else ""
            name, _, section = rest.partition("/")
            name = name or "*"
            if section and section not in SECTIONS:
                raise InvalidInputError(f"Unknown section {section!r}.", hint=f"Use one of {', '.join(SECTIONS)}.")
            units.setdefault(name, set()).update([section] if section else SECTIONS)
        else:
            raise InvalidInputError(f"Unknown restore item {part!r}.", hint="Use account, units[:UNIT[/SECTION]], files.")
    return ItemSelection(account, {k: tuple(s for s in SECTIONS if s in v) for k, v in units.items()}, files)


@dataclass(frozen=True)
class FileRestoreResult:
    restored: int
    skipped: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]    # (path, reason)
    target: str


@dataclass(frozen=True)
class RestoreResult:
    snapshot_id: str
    account: str
    account_restored: bool
    units: tuple[tuple[str, str], ...]      # (unit name, what happened)
    files: FileRestoreResult | None
    suspended: bool

    @property
    def ok(self) -> bool:
        return self.files is None or not self.files.failed


# --- names -------------------------------------------------------------------------------------
def check_rel_path(path: bytes) -> list[bytes]:
    if not isinstance(path, bytes) or not path or path.startswith(b"/") or b"\x00" in path:
        raise ValueError("unsafe name")
    parts = path.split(b"/")
    if any(p in (b"", b".", b"..") for p in parts):
        raise ValueError("unsafe name")
    return parts


def _selected(path: bytes, wanted: list[bytes] | None) -> bool:
    if wanted is None:
        return True
    return any(path == w or path.startswith(w + b"/") for w in wanted)


class _Dirs:
    """Parent directories opened relative to the target root, never through a symlink (LRU of fds)."""

    def __init__(self, root_fd: int, size: int = 128):
        self.root_fd = root_fd
        self._fds: OrderedDict[tuple, int] = OrderedDict()
        self._size = size

    def open(self, parts: list[bytes], create: bool = True) -> int:
        key = tuple(parts)
        if not key:
            return self.root_fd
        fd = self._fds.get(key)
        if fd is not None:
            self._fds.move_to_end(key)
            return fd
        parent = self.open(parts[:-1], create)
        name = parts[-1]
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
        try:
            fd = os.open(name, flags, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                raise
            try:
                os.mkdir(name, 0o700, dir_fd=parent)
            except FileExistsError:
                pass
            fd = os.open(name, flags, dir_fd=parent)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise OSError(errno.ENOTDIR, "a parent is a symlink or not a directory") from None
            raise
        self._fds[key] = fd
        while len(self._fds) > self._size:
            _k, old = self._fds.popitem(last=False)
            os.close(old)
        return fd

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()


def _lexists(name: bytes, dir_fd: int):
    try:
        return os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return None


def _remove(name: bytes, dir_fd: int) -> None:
    st = _lexists(name, dir_fd)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(name, dir_fd=dir_fd)  # fd-based: never follows symlinks inside
    else:
        os.unlink(name, dir_fd=dir_fd)


def _tmp_name(name: bytes) -> bytes:
    return b"." + name[:80] + b".uvrestore-" + os.urandom(6).hex().encode()


def restore_files(snap, target: str, *, paths=None, mode: str = "merge", reporter: Reporter | None = None) -> FileRestoreResult:
    reporter = reporter or Reporter()
    files = snap.manifest.get("files")
    if files is None:
        raise NotFoundError(f"Snapshot {snap.entry.id} holds no files.")
    wanted = None
    if paths:
        wanted = []
        for p in paths:
            p = os.fsencode(p).strip(b"/")
            try:
                check_rel_path(p)
            except ValueError:
                raise InvalidInputError(f"The path {os.fsdecode(p)!r} is not a relative path inside the home directory.") from None
            wanted.append(p)
    entries = [e for e in files.get("entries", []) if _selected(e[PATH], wanted)]
    if wanted is not None and not entries:
        raise NotFoundError("None of the chosen paths is in the snapshot.")
    os.makedirs(target, exist_ok=True)
    root_fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    dirs = _Dirs(root_fd)
    skipped: list[str] = []
    failed: list[tuple[str, str]] = []
    restored = 0
    dir_attrs: list[tuple[list[bytes], int, int]] = []
    try:
        if mode == "terminate":
            reporter.stage("removing")
            if wanted is None:
                for name in os.listdir(root_fd):
                    _remove(name if isinstance(name, bytes) else os.fsencode(name), root_fd)
            else:
                for w in wanted:
                    parts = w.split(b"/")
                    try:
                        _remove(parts[-1], dirs.open(parts[:-1], create=False))
                    except FileNotFoundError:
                        pass
                    except OSError as exc:
                        failed.append((os.fsdecode(w), f"cannot remove: {exc.strerror}"))
        order: list[str] = []
        seen = set()
        for e in entries:
            for c in e[CHUNKS]:
                loc = snap.locations.get(c)
                if loc and loc[0] not in seen:
                    seen.add(loc[0])
                    order.append(loc[0])
        reader = snap.reader(prefetch=order)
        total = sum(e[4] for e in entries if e[TYPE] == "f")
        reporter.stage("restoring files", total, "bytes")
        pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="uv-restore")
        window: deque = deque()
        in_flight = [0]

        def drain(limit: int) -> None:
            nonlocal restored
            while len(window) > limit or (window and in_flight[0] > WINDOW_BYTES):
                shown_, size_, fut = window.popleft()
                in_flight[0] -= size_
                try:
                    fut.result()
                    restored += 1
                    reporter.advance(size_)
                except OSError as exc:
                    failed.append((shown_, exc.strerror or type(exc).__name__))

        try:
            for e in entries:
                path = e[PATH]
                shown = os.fsdecode(path)
                try:
                    parts = check_rel_path(path)
                except ValueError:
                    failed.append((shown, "unsafe name in the snapshot (refused)"))
                    continue
                try:
                    pfd = dirs.open(parts[:-1])
                    name = parts[-1]
                    existing = _lexists(name, pfd)
                    kind = e[TYPE]
                    if kind == "d":
                        if existing is not None and not stat.S_ISDIR(existing.st_mode):
                            if mode == "merge":
                                skipped.append(shown)
                                continue
                            _remove(name, pfd)
                            existing = None
                        if existing is None:
                            os.mkdir(name, 0o700, dir_fd=pfd)
                            dir_attrs.append((parts, e[MODE], e[MTIME]))
                            restored += 1
                        elif mode == "terminate":
                            dir_attrs.append((parts, e[MODE], e[MTIME]))
                        continue
                    if existing is not None and mode == "merge":
                        skipped.append(shown)
                        reporter.advance(e[4] if kind == "f" else 0)
                        continue
                    if existing is not None and stat.S_ISDIR(existing.st_mode):
                        _remove(name, pfd)
                    tmp = _tmp_name(name)
                    if kind == "l":
                        os.symlink(e[TARGET], tmp, dir_fd=pfd)
                        try:
                            os.utime(tmp, ns=(e[MTIME], e[MTIME]), dir_fd=pfd, follow_symlinks=False)
                            os.rename(tmp, name, src_dir_fd=pfd, dst_dir_fd=pfd)
                        except BaseException:
                            _silent_unlink(tmp, pfd)
                            raise
                        restored += 1
                        continue
                    if e[4] <= PARALLEL_FILE_MAX:
                        # Small files: blobs are authenticated here; creating and writing the file runs on a
                        # worker (file creation dominates on ext4). The worker gets its own dup of the
                        # parent's fd, so the LRU of directory fds can never close it underneath.
                        parts = [reader.get(c) for c in e[CHUNKS]]
                        wfd = os.dup(pfd)
                        window.append((shown, e[4], pool.submit(_write_file, wfd, name, tmp, parts, e[MODE], e[MTIME])))
                        in_flight[0] += e[4]
                        drain(WINDOW_FILES)
                        continue
                    _write_file(os.dup(pfd), name, tmp, (reader.get(c) for c in e[CHUNKS]), e[MODE], e[MTIME],
                                reporter)
                    restored += 1
                except IntegrityError as exc:
                    failed.append((shown, exc.message))
                except OSError as exc:
                    failed.append((shown, exc.strerror or type(exc).__name__))
            drain(0)
        finally:
            try:
                drain(0)
            finally:
                pool.shutdown(wait=True)
                reader.close()
        for parts, dmode, mtime in reversed(dir_attrs):   # children first, so their writes don't bump mtimes
            try:
                fd = dirs.open(parts, create=False)
                os.fchmod(fd, dmode)
                os.utime(fd, ns=(mtime, mtime))
            except OSError as exc:
                failed.append((os.fsdecode(b"/".join(parts)), exc.strerror or type(exc).__name__))
    finally:
        dirs.close()
        os.close(root_fd)
    reporter.finish()
    return FileRestoreResult(restored, tuple(skipped), tuple(failed), str(target))


def _write_file(dir_fd: int, name: bytes, tmp: bytes, parts, mode: int, mtime: int, reporter=None) -> None:
    """Write ``parts`` to ``tmp`` (created exclusively, never through a link), then rename it to ``name``.
    Closes ``dir_fd`` (a dup owned by this call)."""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd)
        try:
            try:
                for data in parts:
                    view = memoryview(data)
                    while view:
                        n = os.write(fd, view)
                        view = view[n:]
                    if reporter is not None:
                        reporter.advance(len(data))
                os.fchmod(fd, mode)
                os.utime(fd, ns=(mtime, mtime))
            finally:
                os.close(fd)
            os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            _silent_unlink(tmp, dir_fd)
            raise
    finally:
        os.close(dir_fd)


def _silent_unlink(name: bytes, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


# --- units ---------------------------------------------------------------------------------------
class SnapshotUnitSource:
    """A RecordSource (core.restore) over one unit stored in a snapshot."""

    def __init__(self, snap, unit_item: dict, sections=SECTIONS):
        self.snap = snap
        self.item = unit_item
        self.sections = tuple(sections)
        self.source_unit_id = unit_item["unit_id"]
        self.source_unit_name = unit_item["name"]
        self.created = snap.header.created
        self.app_version = snap.manifest.get("app_version", "")
        self.counts = {s: unit_item["sections"][s]["count"] for s in SECTIONS}

    def expected_counts(self) -> dict[str, int]:
        return {s: self.counts[s] for s in self.sections}

    def records(self, reporter=None):
        import msgpack

        reader = self.snap.reader()
        try:
            for section in SECTIONS:   # insert order matters: workspaces before profiles
                if section not in self.sections:
                    continue
                unpacker = msgpack.Unpacker(raw=False, strict_map_key=True, max_buffer_size=64 << 20,
                                            ext_hook=_refuse_ext)
                for c in self.item["sections"][section]["chunks"]:
                    if reporter is not None:
                        reporter.check()
                    unpacker.feed(reader.get(c))
                    for wire in unpacker:
                        yield section, wire
        finally:
            reader.close()


def _refuse_ext(code, data):
    raise ValueError("extension types are not allowed")


def find_unit_items(manifest: dict, selection: ItemSelection) -> list[tuple[dict, tuple]]:
    units = manifest.get("units")
    if units is None:
        raise NotFoundError("The snapshot holds no units.")
    out = []
    for name, sections in selection.units.items():
        if name == "*":
            out.extend((u, sections) for u in units)
            continue
        match = [u for u in units if u["name"] == name]
        if not match:
            raise NotFoundError(f"The snapshot holds no unit named {name!r}.")
        out.append((match[0], sections))
    return out


def restore_units(ctx, snap, selection: ItemSelection, mode: str, reporter: Reporter) -> list[tuple[str, str]]:
    from core import restore as imp

    done = []
    for item, sections in find_unit_items(snap.manifest, selection):
        source = SnapshotUnitSource(snap, item, sections)
        preview = imp.preview_import(ctx.units, source, item["name"], mode="replace" if mode == "terminate" else "merge",
                                     sections=sections)
        imp.apply_import(ctx.units, ctx.home, ctx.secrets, source, preview, safety_snapshot=True,
                         allow_other_unit=True, reporter=reporter)
        done.append((item["name"], "replaced" if mode == "terminate" else "merged"))
    return done


def restore_account_settings(ctx, snap, mode: str) -> None:
    saved = snap.manifest.get("account_settings")
    if saved is None:
        raise NotFoundError("The snapshot holds no account settings.")
    cat = ctx.catalog
    live = cat.find_account(saved["id"])
    if live is None or live.status == "deleted":
        if live is None:
            cat.add_account(saved["username"], saved["home_dir"], email=saved.get("email", ""),
                            units=saved.get("units", []), excludes=saved.get("excludes", []),
                            encryption=saved.get("encryption", "app"), account_id=saved["id"])
            return
        raise InvalidInputError(f"The account {saved['username']!r} was deleted; its settings cannot be restored onto it.")
    if mode == "terminate":
        cat.edit_account(live.id, email=saved.get("email", ""), home_dir=saved["home_dir"],
                         units=saved.get("units", []), excludes=saved.get("excludes", []))
    else:  # merge: live values win; only what is missing is added
        cat.edit_account(live.id, email=live.email or saved.get("email", ""),
                         units=sorted(set(live.units) | set(saved.get("units", []))),
                         excludes=list(live.excludes) + [x for x in saved.get("excludes", []) if x not in live.excludes])


# --- the operation --------------------------------------------------------------------------------
def restore_snapshot(ctx, snapshot_id: str, *, items: str | ItemSelection, mode: str = "merge", paths=None,
                     to: str | None = None, suspend: bool = False, yes: bool = False,
                     passphrase: str | None = None, destination=None,
                     reporter: Reporter | None = None) -> RestoreResult:
    reporter = reporter or Reporter()
    if mode not in MODES:
        raise InvalidInputError(f"Unknown restore mode {mode!r}.", hint="Use merge or terminate.")
    selection = items if isinstance(items, ItemSelection) else parse_restore_items(items)
    if paths and not selection.files:
        raise InvalidInputError("--path chooses files; add 'files' to --items.")
    if mode == "terminate" and not yes:
        raise ConfirmationRequired("A terminate restore removes what it restores first and needs --yes.")
    entry = ctx.catalog.get_snapshot(snapshot_id)
    snap = open_snapshot(ctx, snapshot_id, passphrase=passphrase, destination=destination, reporter=reporter)
    try:
        account = ctx.catalog.find_account(entry.account_id)
        account_done = False
        if selection.account:
            restore_account_settings(ctx, snap, mode)
            account_done = True
            account = ctx.catalog.find_account(entry.account_id)
        units_done: list = []
        if selection.units:
            units_done = restore_units(ctx, snap, selection, mode, reporter)
        files_result = None
        if selection.files:
            target = to
            if target is None:
                if account is None or account.status == "deleted":
                    raise InvalidInputError("The account is not in the catalog; choose a target with --to.")
                target = account.home_dir
            files_result = restore_files(snap, target, paths=paths, mode=mode, reporter=reporter)
        suspended = False
        if suspend and account is not None and account.status != "deleted":
            ctx.catalog.set_account_status(account.id, "suspended")
            suspended = True
    finally:
        snap.close()
    name = account.username if account else entry.info.get("username", entry.account_id)
    return RestoreResult(snapshot_id, name, account_done, tuple(units_done), files_result, suspended)


__all__ = ["restore_snapshot", "restore_files", "parse_restore_items", "SnapshotUnitSource", "RestoreResult",
           "FileRestoreResult", "UnitvaultError"]
