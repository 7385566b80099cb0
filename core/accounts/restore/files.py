"""The file writer of an account restore: executes a ``FilesPlan`` (plan.py) in the target.

Never writes outside the target: every parent is opened relative to its parent with O_NOFOLLOW (a
symlink planted in the target is refused, never followed), each file is written under a temp name,
made durable in groups, then renamed, and symlinks are recreated as links with their original target.
``read_live`` is the read-only look at the target the plan is computed from.
"""

from __future__ import annotations

import errno
import itertools
import os
import shutil
import stat
import threading
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from core.accounts.restore.plan import KEEP, RESTORE, SKIP, FilesPlan, LiveTree
from core.accounts.tree import CHUNKS, MODE, MTIME, PATH, SIZE, TARGET, TYPE
from core.errors import IntegrityError
from core.progress import Reporter

WRITERS = 6                   # threads creating and writing files (creation, not bandwidth, is the cost)
PIECE = 4 << 20               # files up to this size are written whole by one worker; larger ones in pieces
BATCH_FILES = 16              # small files per worker task (and at most PIECE bytes)
SYNC_BYTES = 128 << 20        # written files are made durable (syncfs) and renamed in groups of this size
SYNC_FILES = 8192             # or of this many files
WINDOW_TASKS = 32             # worker tasks in flight (batches of small files, pieces of large ones)
WINDOW_BYTES = 32 << 20


@dataclass(frozen=True)
class FileRestoreResult:
    restored: tuple[str, ...]              # paths written (or, for directories, whose attributes were set)
    skipped: tuple[str, ...]               # live data kept
    failed: tuple[tuple[str, str], ...]    # (path, reason)
    target: str
    removed: tuple[str, ...] = ()          # terminate: what was removed first


def read_live(target: str, entries, wanted: list[bytes] | None) -> LiveTree:
    """What the target holds at the paths the plan needs (read only: one listing per directory, never
    through a symlink). Directories below a live symlink or file are not looked into."""
    broot = os.fsencode(target)
    try:
        st = os.lstat(broot)
    except FileNotFoundError:
        return LiveTree(False, {})
    if not stat.S_ISDIR(st.st_mode):
        return LiveTree(True, {}, ())
    listings: dict[bytes, dict[bytes, str] | None] = {}
    kinds: dict[bytes, str] = {}

    def listing(rel_dir: bytes) -> dict[bytes, str] | None:
        if rel_dir in listings:
            return listings[rel_dir]
        if rel_dir:
            parent, _, name = rel_dir.rpartition(b"/")
            up = listing(parent)
            if up is None or up.get(name) != "d":
                listings[rel_dir] = None
                return None
        found: dict[bytes, str] = {}
        try:
            with os.scandir(broot + b"/" + rel_dir if rel_dir else broot) as it:
                for d in it:
                    if d.is_symlink():
                        found[d.name] = "l"
                    elif d.is_dir(follow_symlinks=False):
                        found[d.name] = "d"
                    elif d.is_file(follow_symlinks=False):
                        found[d.name] = "f"
                    else:
                        found[d.name] = "o"
        except OSError:
            found = {}
        listings[rel_dir] = found
        return found

    def look(rel: bytes) -> None:
        parent, _, name = rel.rpartition(b"/")
        got = listing(parent)
        if got is not None and name in got:
            kinds[rel] = got[name]

    for w in wanted or ():
        parts = w.split(b"/")
        for depth in range(1, len(parts) + 1):
            look(b"/".join(parts[:depth]))
    for e in entries:
        look(e[PATH])
    return LiveTree(True, kinds, tuple(sorted(listing(b"") or ())))


class _Dirs:
    """Parent directories opened relative to the target root, never through a symlink (LRU of fds)."""

    def __init__(self, root_fd: int, size: int = 128):
        self.root_fd = root_fd
        self._fds: OrderedDict[tuple, int] = OrderedDict()
        self._size = size
        self.fresh: set[tuple] = set()   # directories this restore created (nothing else can be in them)

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
                self.fresh.add(key)
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


_TMP_RUN = os.urandom(4).hex().encode()
_tmp_counter = itertools.count()


def _tmp_name(name: bytes) -> bytes:
    return b"." + name[:80] + b".uvrestore-" + _TMP_RUN + b"-" + str(next(_tmp_counter)).encode()


def _is_empty_dir(fd: int) -> bool:
    with os.scandir(fd) as it:
        return next(it, None) is None


def restore_files(snap, plan: FilesPlan, *, reporter: Reporter | None = None) -> FileRestoreResult:
    """Execute ``plan`` (see plan.py). Files are checked and their blobs authenticated on the calling
    thread; creating and writing them runs on worker threads (small files whole, large files in pieces
    written at their offsets), so file creation, writing and decryption overlap. In directories this
    restore created itself nothing can already exist, so no per-file lookup is made there."""
    reporter = reporter or Reporter()
    target, mode = plan.target, plan.mode
    skipped: list[str] = []
    failed: list[tuple[str, str]] = list(plan.refused)
    restored: list[str] = []
    removed: list[str] = []
    os.makedirs(target, exist_ok=True)
    root_fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
    dirs = _Dirs(root_fd)
    dir_attrs: list[tuple[list[bytes], int, int]] = []
    try:
        if mode == "terminate":
            reporter.stage("removing")
            for rel in plan.remove:
                parts = rel.split(b"/")
                try:
                    _remove(parts[-1], dirs.open(parts[:-1], create=False))
                    removed.append(os.fsdecode(rel))
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    failed.append((os.fsdecode(rel), f"cannot remove: {exc.strerror}"))
        if _is_empty_dir(root_fd):
            dirs.fresh.add(())
        todo = [e for e, a in zip(plan.entries, plan.actions, strict=True) if a == RESTORE]
        order: list[str] = []
        seen = set()
        for e in todo:
            for c in e[CHUNKS]:
                loc = snap.locations.get(c)
                if loc and loc[0] not in seen:
                    seen.add(loc[0])
                    order.append(loc[0])
        reader = snap.reader(prefetch=order)
        reporter.stage("restoring files", plan.bytes_to_write, "bytes")
        pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="uv-restore")
        window: deque = deque()     # (shown, bytes, future, what): what = "file", "piece" or a _BigFile's end
        in_flight = [0]
        open_big: list[_BigFile] = []
        batch: list[tuple] = []     # small files for one worker task
        pending: list[tuple] = []   # written, closed, not yet durable: (parent parts, temp name, name, shown, size)
        pending_bytes = [0]

        def commit() -> None:
            """Make the pending files durable (one syncfs of the target's filesystem), then give them
            their final names: a crash never leaves a partly written file under its final name."""
            if not pending:
                return
            try:
                _syncfs(root_fd)
            except OSError as exc:
                why = f"cannot make it durable: {exc.strerror or type(exc).__name__}"
                for parent, tmp, _name, shown_, _size in pending:
                    failed.append((shown_, why))
                    _unlink_pending(dirs, parent, tmp)
            else:
                for parent, tmp, name, shown_, _size in pending:
                    try:
                        pfd = dirs.open(parent, create=False)
                        os.rename(tmp, name, src_dir_fd=pfd, dst_dir_fd=pfd)
                        restored.append(shown_)
                    except OSError as exc:
                        failed.append((shown_, exc.strerror or type(exc).__name__))
                        _unlink_pending(dirs, parent, tmp)
            pending.clear()
            pending_bytes[0] = 0

        def ready(item: tuple) -> None:
            pending.append(item)
            pending_bytes[0] += item[-1]

        def drain(limit: int) -> None:
            while len(window) > limit or (window and in_flight[0] > WINDOW_BYTES):
                shown_, size_, fut, what = window.popleft()
                in_flight[0] -= size_
                if isinstance(what, _BigFile):   # a large file's end: every piece before it is done
                    if what.error is None:
                        ready((what.parent, what.tmp, what.name, shown_, what.size))
                    else:
                        failed.append((shown_, what.error))
                    continue
                outcome = fut.result()         # neither batches nor pieces raise: they report
                if what == "batch":
                    for shown_file, why, item in outcome:
                        if why is None:
                            ready(item)
                        else:
                            failed.append((shown_file, why))
                reporter.advance(size_)
            if pending_bytes[0] >= SYNC_BYTES or len(pending) >= SYNC_FILES:
                commit()

        def submit_batch() -> None:
            if batch:
                size = sum(item[-1] for item in batch)
                window.append(("", size, pool.submit(_write_batch, reader, list(batch)), "batch"))
                in_flight[0] += size
                batch.clear()
                drain(WINDOW_TASKS)

        try:
            for e, action in zip(plan.entries, plan.actions, strict=True):
                path = e[PATH]
                shown = os.fsdecode(path)
                if action == SKIP:
                    skipped.append(shown)
                    reporter.advance(e[SIZE] if e[TYPE] == "f" else 0)
                    continue
                if action == KEEP:          # a live directory, reused as it is (merge)
                    continue
                parts = path.split(b"/")    # checked by the plan
                try:
                    parent = tuple(parts[:-1])
                    pfd = dirs.open(parts[:-1])
                    name = parts[-1]
                    existing = None if parent in dirs.fresh else _lexists(name, pfd)
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
                            dirs.fresh.add(tuple(parts))
                        elif mode == "merge":       # appeared since the plan: live data wins
                            skipped.append(shown)
                            continue
                        dir_attrs.append((parts, e[MODE], e[MTIME]))
                        restored.append(shown)
                        continue
                    if existing is not None and mode == "merge":   # appeared since the plan: live data wins
                        skipped.append(shown)
                        reporter.advance(e[SIZE] if kind == "f" else 0)
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
                        restored.append(shown)
                        continue
                    if e[4] <= PIECE:
                        # Small files, in batches: their packs are fetched here; a worker authenticates the
                        # blobs, then creates and writes the file (file creation dominates on ext4). Each
                        # file holds its own dup of the parent's fd, so the LRU of directory fds can never
                        # close it underneath.
                        located = [reader.locate(c) for c in e[CHUNKS]]
                        batch.append((shown, os.dup(pfd), name, tmp, located, e[MODE], e[MTIME], parent, e[4]))
                        if len(batch) >= BATCH_FILES or sum(item[-1] for item in batch) >= PIECE:
                            submit_batch()
                        continue
                    # Large files: created here under the temp name, written in pieces by the workers at
                    # their offsets; the last piece to finish sets mode and mtime and renames it.
                    submit_batch()
                    big = _BigFile(os.dup(pfd), name, tmp, e[MODE], e[MTIME], parent, e[4])
                    open_big.append(big)
                    submitted = offset = 0
                    error = None
                    piece: list = []
                    piece_size = 0
                    try:
                        for i, c in enumerate(e[CHUNKS]):
                            located = reader.locate(c)
                            piece.append(located)
                            piece_size += located[2]
                            if piece_size >= PIECE or i == len(e[CHUNKS]) - 1:
                                window.append((shown, piece_size, pool.submit(big.write, reader, offset, piece),
                                               "piece"))
                                in_flight[0] += piece_size
                                submitted += 1
                                offset += piece_size
                                piece, piece_size = [], 0
                                drain(WINDOW_TASKS)
                    except IntegrityError as exc:
                        error = exc.message
                    big.close(submitted, error)
                    open_big.remove(big)
                    window.append((shown, 0, None, big))
                except IntegrityError as exc:
                    failed.append((shown, exc.message))
                except OSError as exc:
                    failed.append((shown, exc.strerror or type(exc).__name__))
            submit_batch()
            drain(0)
            commit()
        finally:
            try:
                for item in batch:        # not submitted (an exception on this thread)
                    os.close(item[1])
                pool.shutdown(wait=True)
                for big in open_big:
                    big.abandon()
                for window_item in window:   # finished by the workers but never committed
                    what = window_item[3]
                    if isinstance(what, _BigFile) and what.error is None:
                        _unlink_pending(dirs, what.parent, what.tmp)
                    elif what == "batch" and not window_item[2].cancelled() and window_item[2].exception() is None:
                        for _shown, why, item in window_item[2].result():
                            if why is None:
                                _unlink_pending(dirs, item[0], item[1])
                for item in pending:
                    _unlink_pending(dirs, item[0], item[1])
            finally:
                reader.close()
        for parts, dmode, mtime in reversed(dir_attrs):   # children first, so their writes don't bump mtimes
            try:
                fd = dirs.open(parts, create=False)
                os.fchmod(fd, dmode)
                os.utime(fd, ns=(mtime, mtime))
            except OSError as exc:
                failed.append((os.fsdecode(b"/".join(parts)), exc.strerror or type(exc).__name__))
        try:
            _syncfs(root_fd)      # the renames and directory attributes too, before reporting success
        except OSError as exc:
            failed.append((str(target), f"cannot make the restore durable: {exc.strerror or type(exc).__name__}"))
    finally:
        dirs.close()
        os.close(root_fd)
    reporter.finish()
    return FileRestoreResult(tuple(restored), tuple(skipped), tuple(failed), str(target), tuple(removed))


def _write_all(fd: int, parts, offset: int | None = None, reporter=None) -> None:
    for data in parts:
        view = memoryview(data)
        while view:
            n = os.write(fd, view) if offset is None else os.pwrite(fd, view, offset)
            view = view[n:]
            if offset is not None:
                offset += n
        if reporter is not None:
            reporter.advance(len(data))


def _write_batch(reader, batch: list) -> list[tuple[str, str | None]]:
    """Worker: authenticate, create and write each small file of ``batch``; (path, None or why it failed)."""
    out = []
    for shown, dir_fd, name, tmp, located, mode, mtime, parent, size in batch:
        try:
            try:
                parts = [reader.open_located(loc) for loc in located]
            except BaseException:
                os.close(dir_fd)
                raise
            _write_file(dir_fd, name, tmp, parts, mode, mtime, rename=False)
            out.append((shown, None, (parent, tmp, name, shown, size)))
        except IntegrityError as exc:
            out.append((shown, exc.message, None))
        except OSError as exc:
            out.append((shown, exc.strerror or type(exc).__name__, None))
    return out


def _write_file(dir_fd: int, name: bytes, tmp: bytes, parts, mode: int, mtime: int, reporter=None, *,
                rename: bool = True) -> None:
    """Write ``parts`` to ``tmp`` (created exclusively, never through a link), then (``rename``) rename it
    to ``name``; without ``rename`` the caller renames it once it is durable. Closes ``dir_fd`` (a dup
    owned by this call)."""
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600, dir_fd=dir_fd)
        try:
            try:
                _write_all(fd, parts, reporter=reporter)
                os.fchmod(fd, mode)
                os.utime(fd, ns=(mtime, mtime))
            finally:
                os.close(fd)
            if rename:
                os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            _silent_unlink(tmp, dir_fd)
            raise
    finally:
        os.close(dir_fd)


class _BigFile:
    """A large file written in pieces by several workers. ``close`` (calling thread) says how many
    pieces were submitted; whichever of ``close`` and the last ``write`` comes last finishes the file:
    mode and mtime (the caller renames it once durable), or removal of the temp file after any error.
    Owns ``dir_fd``."""

    def __init__(self, dir_fd: int, name: bytes, tmp: bytes, mode: int, mtime: int, parent: tuple, size: int):
        self.dir_fd, self.name, self.tmp, self.mode, self.mtime = dir_fd, name, tmp, mode, mtime
        self.parent, self.size = parent, size
        try:
            self.fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                              dir_fd=dir_fd)
        except BaseException:
            os.close(dir_fd)
            raise
        self.lock = threading.Lock()
        self.done = 0
        self.expected: int | None = None
        self.error: str | None = None
        self.finished = False

    def write(self, reader, offset: int, located: list) -> None:
        try:
            if self.error is None:
                _write_all(self.fd, [reader.open_located(loc) for loc in located], offset)
        except IntegrityError as exc:
            self.error = self.error or exc.message
        except OSError as exc:
            self.error = self.error or exc.strerror or type(exc).__name__
        with self.lock:
            self.done += 1
            last = self.done == self.expected
        if last:
            self._finish()

    def close(self, submitted: int, error: str | None = None) -> None:
        with self.lock:
            if error is not None and self.error is None:
                self.error = error
            self.expected = submitted
            last = self.done == submitted
        if last:
            self._finish()

    def abandon(self) -> None:
        """After the workers stopped (cancel or crash of the caller): remove the temp file."""
        if not self.finished:
            self.error = self.error or "interrupted"
            self._finish()

    def _finish(self) -> None:
        self.finished = True
        try:
            if self.error is None:
                try:
                    os.fchmod(self.fd, self.mode)
                    os.utime(self.fd, ns=(self.mtime, self.mtime))
                finally:
                    os.close(self.fd)
                    self.fd = -1
                return
        except OSError as exc:
            self.error = exc.strerror or type(exc).__name__
        finally:
            if self.fd >= 0:
                os.close(self.fd)
                self.fd = -1
            if self.error is not None:
                _silent_unlink(self.tmp, self.dir_fd)
            os.close(self.dir_fd)


def _unlink_pending(dirs: _Dirs, parent: tuple, tmp: bytes) -> None:
    try:
        _silent_unlink(tmp, dirs.open(parent, create=False))
    except OSError:
        pass


_libc = None


def _syncfs(fd: int) -> None:
    """Flush the filesystem holding ``fd`` (Linux syncfs; elsewhere os.sync)."""
    global _libc
    if _libc is None:
        import ctypes

        try:
            _libc = ctypes.CDLL(None, use_errno=True)
            _libc.syncfs.argtypes = [ctypes.c_int]
        except (OSError, AttributeError):
            _libc = False
    if _libc is False:
        os.sync()
        return
    if _libc.syncfs(fd) != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _silent_unlink(name: bytes, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass
