"""The file writer of an account restore: executes a ``FilesPlan`` (plan.py) in the target.

Never writes outside the target: every directory is opened relative to its parent with O_NOFOLLOW
(core/support/dirfds.py: a symlink planted in the target is refused, never followed; paths of any
length work), and every descriptor has one owner: the directory cache keeps its own, everyone else
gets a dup they close. Each file is written under a temp name, made durable in groups, then renamed;
symlinks, FIFOs and devices are made under a temp name and renamed; hard links are linked to the
entry of their group that was written, once it has its final name. Owners, extended attributes,
modes and times are applied as attrs.py says (owner first: no set-id file with a wrong owner).

Directories this restore makes are listed in a journal (``.uvrestore-journal-<run>`` in the target
root) until they have their attributes; the journal goes when the restore ends. After a crash the
next restore finds it and the temp files (live.py), removes them, and repairs those directories.
"""

from __future__ import annotations

import bisect
import itertools
import os
import shutil
import stat
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from core.accounts.restore.attrs import Attrs, NotApplied, Notes, Owners, apply_fd, apply_link
from core.accounts.restore.live import read_live
from core.accounts.restore.plan import KEEP, LINK, REPAIR, RESTORE, SKIP, FilesPlan
from core.accounts.tree import CHUNKS, PATH, SIZE, TARGET, TYPE, meta_of, stored_bytes
from core.errors import IntegrityError
from core.progress import Reporter
from core.support.dirfds import DirCache, lexists, proc_path, silent_unlink
from core.support.names import escape_name

WRITERS = 6                   # threads creating and writing files (creation, not bandwidth, is the cost)
PIECE = 4 << 20               # files up to this size are written whole by one worker; larger ones in pieces
BATCH_FILES = 16              # small files per worker task (and at most PIECE bytes)
SYNC_BYTES = 128 << 20        # written files are made durable (syncfs) and renamed in groups of this size
SYNC_FILES = 8192             # or of this many files
WINDOW_TASKS = 32             # worker tasks in flight (batches of small files, pieces of large ones)
WINDOW_BYTES = 32 << 20
DIR_CACHE = 128               # directory descriptors kept open
FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
SPECIAL_MODES = {"p": stat.S_IFIFO, "c": stat.S_IFCHR, "b": stat.S_IFBLK}

__all__ = ["FileRestoreResult", "NotApplied", "read_live", "restore_files"]


@dataclass(frozen=True)
class FileRestoreResult:
    restored: tuple[str, ...]              # paths written, linked, or (directories) given their attributes
    skipped: tuple[str, ...]               # live data kept
    failed: tuple[tuple[str, str], ...]    # (path, reason)
    target: str                            # shown as docs/file-names.md says
    removed: tuple[str, ...] = ()          # terminate: what was removed first
    cleaned: tuple[str, ...] = ()          # what an interrupted restore had left, removed
    not_applied: tuple[NotApplied, ...] = ()   # attributes kept in the backup but not applied here


_TMP_RUN = os.urandom(4).hex().encode()
_tmp_counter = itertools.count()


def _tmp_name(name: bytes) -> bytes:
    return b"." + name[:80] + b".uvrestore-" + _TMP_RUN + b"-" + str(next(_tmp_counter)).encode()


@dataclass
class _File:
    """A regular file to write: where, under which temp name, with which attributes and layout."""

    path: bytes
    shown: str
    parent: tuple
    name: bytes
    tmp: bytes
    attrs: Attrs
    size: int                    # the file's size
    layout: _Layout | None       # a sparse file's data extents (None: dense)


class _Layout:
    """Where the bytes of a sparse file's data stream go in the file (its data extents in order)."""

    def __init__(self, extents):
        self.extents = [tuple(x) for x in extents]
        self.starts = list(itertools.accumulate((n for _o, n in self.extents), initial=0))

    @property
    def total(self) -> int:
        return self.starts[-1]

    def place(self, stream_offset: int, n: int) -> list[tuple[int, int, int]]:
        """(file offset, offset in the piece, length) for stream bytes [stream_offset, +n)."""
        if stream_offset + n > self.total:
            raise ValueError("more data than the extents hold")
        out = []
        done = 0
        i = bisect.bisect_right(self.starts, stream_offset) - 1
        while done < n:
            off, length = self.extents[i]
            inside = stream_offset + done - self.starts[i]
            take = min(length - inside, n - done)
            out.append((off + inside, done, take))
            done += take
            i += 1
        return out


def restore_files(snap, plan: FilesPlan, *, reporter: Reporter | None = None) -> FileRestoreResult:
    """Execute ``plan`` (see plan.py). Files are checked and their blobs located on the calling
    thread; authenticating, creating and writing them runs on worker threads (small files whole, in
    batches; large files in pieces written at their offsets), so creation, writing and decryption
    overlap. In directories this restore created itself nothing can already exist, so no per-file
    lookup is made there."""
    return _Restore(snap, plan, reporter or Reporter()).run()


class _Journal:
    """The directories this restore made, NUL-separated, in ``.uvrestore-journal-<run>`` at the root
    (made when the first directory is, removed once every directory has its attributes)."""

    def __init__(self, root_fd: int):
        self.root_fd = root_fd
        self.name = b".uvrestore-journal-" + _TMP_RUN
        self.fd = -1

    def add(self, key: tuple) -> None:
        if self.fd < 0:
            self.fd = os.open(self.name, FILE_FLAGS | os.O_APPEND, 0o600, dir_fd=self.root_fd)
        os.write(self.fd, b"/".join(key) + b"\0")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def remove(self) -> None:
        if self.fd >= 0:
            self.close()
            silent_unlink(self.name, self.root_fd)


class _Restore:
    def __init__(self, snap, plan: FilesPlan, reporter: Reporter):
        self.snap, self.plan, self.reporter = snap, plan, reporter
        self.restored: list[str] = []
        self.skipped: list[str] = []
        self.failed: list[tuple[str, str]] = list(plan.refused)
        self.removed: list[str] = []
        self.cleaned: list[str] = []
        self.notes = Notes()
        self.owners = Owners(plan.as_root, self.notes)
        self.dir_attrs: list[tuple[list[bytes], Attrs, str]] = []
        self.links: list[tuple[list[bytes], bytes, str]] = []    # (parts, path linked to, shown)
        self.leaders = set(plan.links.values())
        self.written: set[bytes] = set()                          # leaders with their final name

    def run(self) -> FileRestoreResult:
        plan = self.plan
        os.makedirs(plan.target, exist_ok=True)
        self.root_fd = os.open(plan.target, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.journal = _Journal(self.root_fd)
        self.dirs = DirCache(self.root_fd, DIR_CACHE, on_mkdir=self.journal.add)
        try:
            if plan.mode == "terminate":
                self._remove_first()
            self._clean_up()
            if _is_empty_dir(self.root_fd):
                self.dirs.fresh.add(())
            try:
                self._write_entries()
                self._link()
            finally:
                self._finish_dirs()       # after a cancel too: no directory is left at 0700
            if plan.root is not None:
                try:
                    apply_fd(self.root_fd, self.owners.attrs(plan.root, "."), self.notes, ".")
                except OSError as exc:
                    self.failed.append((".", exc.strerror or type(exc).__name__))
            try:
                _syncfs(self.root_fd)      # the renames and attributes too, before reporting success
            except OSError as exc:
                self.failed.append((escape_name(plan.target), "cannot make the restore durable: "
                                    f"{exc.strerror or type(exc).__name__}"))
        finally:
            self.dirs.close()
            self.journal.close()
            os.close(self.root_fd)
        self.reporter.finish()
        return FileRestoreResult(tuple(self.restored), tuple(self.skipped), tuple(self.failed),
                                 escape_name(plan.target), tuple(self.removed), tuple(self.cleaned),
                                 self.notes.result())

    def _finish_dirs(self) -> None:
        """The directories' attributes, children first (their writes bump mtimes); then the journal goes."""
        for parts, attrs, shown in reversed(self.dir_attrs):
            try:
                with self.dirs.opened(parts) as fd:
                    apply_fd(fd, attrs, self.notes, shown)
            except OSError as exc:
                self.failed.append((shown, exc.strerror or type(exc).__name__))
        self.journal.remove()

    # --- before writing ---------------------------------------------------------------------------------
    def _remove_first(self) -> None:
        self.reporter.stage("removing")
        for rel in self.plan.remove:
            parts = rel.split(b"/")
            try:
                with self.dirs.opened(parts[:-1]) as pfd:
                    _remove(parts[-1], pfd)
                self.dirs.forget(parts)
                self.removed.append(escape_name(rel))
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.failed.append((escape_name(rel), f"cannot remove: {exc.strerror}"))

    def _clean_up(self) -> None:
        """Remove what an interrupted restore left (temp files, its journal): regular files only."""
        for rel in self.plan.cleanup:
            parts = rel.split(b"/")
            try:
                with self.dirs.opened(parts[:-1]) as pfd:
                    st = lexists(parts[-1], pfd)
                    if st is not None and stat.S_ISREG(st.st_mode):
                        os.unlink(parts[-1], dir_fd=pfd)
                        self.cleaned.append(escape_name(rel))
            except OSError:
                pass

    # --- the entries --------------------------------------------------------------------------------------
    def _write_entries(self) -> None:
        plan, reporter = self.plan, self.reporter
        order: list[str] = []
        seen = set()
        for e, a in zip(plan.entries, plan.actions, strict=True):
            if a == RESTORE and e[TYPE] == "f":
                for c in e[CHUNKS]:
                    loc = self.snap.locations.get(c)
                    if loc and loc[0] not in seen:
                        seen.add(loc[0])
                        order.append(loc[0])
        self.reader = self.snap.reader(prefetch=order)
        reporter.stage("restoring files", plan.bytes_to_write, "bytes")
        self.pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="uv-restore")
        self.window: deque = deque()   # (bytes, future, what): what = "batch", "piece" or a _BigFile's end
        self.in_flight = 0
        self.open_big: list[_BigFile] = []
        self.batch: list[tuple] = []   # (file, dir fd, located) for one worker task
        self.pending: list[_File] = []  # written and closed, not yet durable
        self.pending_bytes = 0
        try:
            for e, action in zip(plan.entries, plan.actions, strict=True):
                shown = escape_name(e[PATH])
                if action == SKIP:
                    self.skipped.append(shown)
                    reporter.advance(stored_bytes(e) if e[TYPE] == "f" else 0)
                    continue
                if action == KEEP:          # a live directory, reused as it is (merge)
                    continue
                parts = e[PATH].split(b"/")    # checked by the plan
                try:
                    pfd = self.dirs.open(parts[:-1], create=True)
                except OSError as exc:
                    self.failed.append((shown, exc.strerror or type(exc).__name__))
                    continue
                try:
                    self._place(e, action, parts, pfd, shown)
                except IntegrityError as exc:
                    self.failed.append((shown, exc.message))
                except OSError as exc:
                    self.failed.append((shown, exc.strerror or type(exc).__name__))
                finally:
                    os.close(pfd)
            self._submit_batch()
            self._drain(0)
            self._commit()
        finally:
            self._stop()

    def _place(self, e, action: str, parts: list[bytes], pfd: int, shown: str) -> None:
        """One entry, in its parent ``pfd`` (owned by the caller)."""
        mode = self.plan.mode
        name, parent, kind = parts[-1], tuple(parts[:-1]), e[TYPE]
        existing = None if parent in self.dirs.fresh else lexists(name, pfd)
        if action == REPAIR or kind == "d":
            if existing is not None and not stat.S_ISDIR(existing.st_mode):
                if mode == "merge":
                    self.skipped.append(shown)
                    return
                _remove(name, pfd)
                self.dirs.forget(parts)
                existing = None
            if existing is None:
                self.dirs.mkdir(pfd, parts)
            elif mode == "merge" and action == RESTORE:   # appeared since the plan: live data wins
                self.skipped.append(shown)
                return
            self.dir_attrs.append((parts, self.owners.attrs(e, shown), shown))
            self.restored.append(shown)
            return
        if existing is not None and mode == "merge":       # appeared since the plan: live data wins
            self.skipped.append(shown)
            self.reporter.advance(stored_bytes(e) if kind == "f" else 0)
            return
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            _remove(name, pfd)
            self.dirs.forget(parts)
        if action == LINK:
            self.links.append((parts, self.plan.links[e[PATH]], shown))
            return
        tmp = _tmp_name(name)
        attrs = self.owners.attrs(e, shown)
        if kind == "l":
            os.symlink(e[TARGET], tmp, dir_fd=pfd)
            try:
                apply_link(pfd, tmp, attrs, self.notes, shown)
                os.rename(tmp, name, src_dir_fd=pfd, dst_dir_fd=pfd)
            except BaseException:
                silent_unlink(tmp, pfd)
                raise
            self.restored.append(shown)
            return
        if kind in SPECIAL_MODES:
            _make_special(pfd, tmp, name, kind, meta_of(e).get("rdev"), attrs, self.notes, shown)
            self.restored.append(shown)
            return
        data = meta_of(e).get("data")
        f = _File(e[PATH], shown, parent, name, tmp, attrs, e[SIZE], None if data is None else _Layout(data))
        stored = stored_bytes(e)
        if stored <= PIECE:
            # Small files, in batches: their packs are fetched here; a worker authenticates the blobs,
            # then creates and writes the file (file creation dominates on ext4). Each file holds its
            # own descriptor of its directory.
            located = [self.reader.locate(c) for c in e[CHUNKS]]
            self.batch.append((f, os.dup(pfd), located))
            if len(self.batch) >= BATCH_FILES or sum(_located_bytes(b[2]) for b in self.batch) >= PIECE:
                self._submit_batch()
            return
        # Large files: created here under the temp name, written in pieces by the workers at their
        # offsets; the last piece to finish sets the attributes.
        self._submit_batch()
        big = _BigFile(os.dup(pfd), f, self.notes)
        self.open_big.append(big)
        submitted = offset = 0
        error = None
        piece: list = []
        piece_size = 0
        try:
            for i, c in enumerate(e[CHUNKS]):
                located = self.reader.locate(c)
                piece.append(located)
                piece_size += located[2]
                if piece_size >= PIECE or i == len(e[CHUNKS]) - 1:
                    self.window.append((piece_size, self.pool.submit(big.write, self.reader, offset, piece), "piece"))
                    self.in_flight += piece_size
                    submitted += 1
                    offset += piece_size
                    piece, piece_size = [], 0
                    self._drain(WINDOW_TASKS)
            if f.layout is not None and offset != f.layout.total:
                error = "the backup's entry does not match its data (sparse file)"
        except IntegrityError as exc:
            error = exc.message
        big.close(submitted, error)
        self.open_big.remove(big)
        self.window.append((0, None, big))

    # --- the worker window and group commits --------------------------------------------------------------
    def _submit_batch(self) -> None:
        if self.batch:
            size = sum(_located_bytes(b[2]) for b in self.batch)
            self.window.append((size, self.pool.submit(_write_batch, self.reader, list(self.batch), self.notes), "batch"))
            self.in_flight += size
            self.batch.clear()
            self._drain(WINDOW_TASKS)

    def _ready(self, f: _File) -> None:
        self.pending.append(f)
        self.pending_bytes += f.size

    def _drain(self, limit: int) -> None:
        window = self.window
        while len(window) > limit or (window and self.in_flight > WINDOW_BYTES):
            size, fut, what = window.popleft()
            self.in_flight -= size
            if isinstance(what, _BigFile):   # a large file's end: every piece before it is done
                if what.error is None:
                    self._ready(what.file)
                else:
                    self.failed.append((what.file.shown, what.error))
                continue
            outcome = fut.result()         # neither batches nor pieces raise: they report
            if what == "batch":
                for f, why in outcome:
                    if why is None:
                        self._ready(f)
                    else:
                        self.failed.append((f.shown, why))
            self.reporter.advance(size)
        if self.pending_bytes >= SYNC_BYTES or len(self.pending) >= SYNC_FILES:
            self._commit()

    def _commit(self) -> None:
        """Make the pending files durable (one syncfs of the target's filesystem), then give them
        their final names: a crash never leaves a partly written file under its final name."""
        if not self.pending:
            return
        pending, self.pending, self.pending_bytes = self.pending, [], 0
        try:
            _syncfs(self.root_fd)
        except OSError as exc:
            why = f"cannot make it durable: {exc.strerror or type(exc).__name__}"
            for f in pending:
                self.failed.append((f.shown, why))
            self._unlink_temps(pending)
            return
        for parent, group in itertools.groupby(pending, key=lambda f: f.parent):
            group = list(group)
            try:
                pfd = self.dirs.open(parent)
            except OSError as exc:
                for f in group:
                    self.failed.append((f.shown, exc.strerror or type(exc).__name__))
                continue
            try:
                for f in group:
                    try:
                        os.rename(f.tmp, f.name, src_dir_fd=pfd, dst_dir_fd=pfd)
                    except OSError as exc:
                        self.failed.append((f.shown, exc.strerror or type(exc).__name__))
                        silent_unlink(f.tmp, pfd)
                        continue
                    self.restored.append(f.shown)
                    if f.path in self.leaders:
                        self.written.add(f.path)
            finally:
                os.close(pfd)

    def _unlink_temps(self, files) -> None:
        for f in files:
            try:
                with self.dirs.opened(f.parent) as pfd:
                    silent_unlink(f.tmp, pfd)
            except OSError:
                pass

    def _stop(self) -> None:
        """After the entries, or on the way out of an error or a cancel: stop the workers and remove
        every temp file that was not renamed."""
        try:
            for _f, dir_fd, _located in self.batch:     # not submitted
                os.close(dir_fd)
            self.batch.clear()
            self.pool.shutdown(wait=True)
            for big in self.open_big:
                big.abandon()
            for _size, fut, what in self.window:         # finished by the workers but never committed
                if isinstance(what, _BigFile) and what.error is None:
                    self._unlink_temps([what.file])
                elif what == "batch" and not fut.cancelled() and fut.exception() is None:
                    self._unlink_temps([f for f, why in fut.result() if why is None])
            self._unlink_temps(self.pending)
            self.pending = []
        finally:
            self.reader.close()

    # --- hard links ---------------------------------------------------------------------------------------
    def _link(self) -> None:
        """Each link entry becomes a hard link to the entry of its group that was written (by then
        under its final name, and durable)."""
        for parts, to, shown in self.links:
            if to not in self.written:
                self.failed.append((shown, f"not linked: {escape_name(to)} (its hard link) was not restored"))
                continue
            src = to.split(b"/")
            tmp = _tmp_name(parts[-1])
            try:
                with self.dirs.opened(src[:-1]) as sfd, self.dirs.opened(parts[:-1]) as dfd:
                    os.link(src[-1], tmp, src_dir_fd=sfd, dst_dir_fd=dfd, follow_symlinks=False)
                    try:
                        os.rename(tmp, parts[-1], src_dir_fd=dfd, dst_dir_fd=dfd)
                    except BaseException:
                        silent_unlink(tmp, dfd)
                        raise
            except OSError as exc:
                self.failed.append((shown, exc.strerror or type(exc).__name__))
                continue
            self.restored.append(shown)


def _located_bytes(located: list) -> int:
    return sum(loc[2] for loc in located)


def _make_special(pfd: int, tmp: bytes, name: bytes, kind: str, rdev, attrs: Attrs, notes: Notes,
                  shown: str) -> None:
    """A FIFO or device node under ``tmp``, given its attributes through an O_PATH descriptor (never
    opened for reading or writing), then renamed to ``name``."""
    device = os.makedev(*rdev) if kind in ("c", "b") else 0
    os.mknod(tmp, 0o600 | SPECIAL_MODES[kind], device, dir_fd=pfd)
    try:
        fd = os.open(tmp, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=pfd)
        try:
            if stat.S_IFMT(os.fstat(fd).st_mode) != SPECIAL_MODES[kind]:
                raise OSError(0, "replaced while being restored")
            apply_fd(fd, attrs, notes, shown, path=proc_path(fd))
        finally:
            os.close(fd)
        os.rename(tmp, name, src_dir_fd=pfd, dst_dir_fd=pfd)
    except BaseException:
        silent_unlink(tmp, pfd)
        raise


def _remove(name: bytes, dir_fd: int) -> None:
    st = lexists(name, dir_fd)
    if st is None:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(name, dir_fd=dir_fd)  # fd-based: never follows symlinks inside
    else:
        os.unlink(name, dir_fd=dir_fd)


def _is_empty_dir(fd: int) -> bool:
    with os.scandir(fd) as it:
        return next(it, None) is None


def _write_all(fd: int, parts, offset: int | None = None) -> None:
    for data in parts:
        view = memoryview(data)
        while view:
            n = os.write(fd, view) if offset is None else os.pwrite(fd, view, offset)
            view = view[n:]
            if offset is not None:
                offset += n


def _write_data(fd: int, parts, stream_offset: int, layout: _Layout | None) -> None:
    """Write ``parts`` (the data stream from ``stream_offset``) where they belong in the file."""
    if layout is None:
        _write_all(fd, parts, stream_offset)
        return
    data = b"".join(parts)
    try:
        spans = layout.place(stream_offset, len(data))
    except ValueError:
        raise OSError(0, "the backup's entry does not match its data") from None
    view = memoryview(data)
    for file_offset, start, n in spans:
        _write_all(fd, [view[start:start + n]], file_offset)


def _write_batch(reader, batch: list, notes: Notes) -> list[tuple[_File, str | None]]:
    """Worker: authenticate, create and write each small file of ``batch``; (file, None or why it
    failed). Closes each file's directory descriptor."""
    out = []
    for f, dir_fd, located in batch:
        try:
            try:
                parts = [reader.open_located(loc) for loc in located]
                _write_small(dir_fd, f, parts, notes)
            finally:
                os.close(dir_fd)
            out.append((f, None))
        except IntegrityError as exc:
            out.append((f, exc.message))
        except OSError as exc:
            out.append((f, exc.strerror or type(exc).__name__))
    return out


def _write_small(dir_fd: int, f: _File, parts, notes: Notes) -> None:
    """Create ``f.tmp`` exclusively (never through a link), write it, give it its attributes."""
    if f.layout is not None and sum(len(p) for p in parts) != f.layout.total:
        raise OSError(0, "the backup's entry does not match its data (sparse file)")
    fd = os.open(f.tmp, FILE_FLAGS, 0o600, dir_fd=dir_fd)
    try:
        try:
            if f.layout is not None:
                os.ftruncate(fd, f.size)
                _write_data(fd, parts, 0, f.layout)
            else:
                _write_all(fd, parts)
            apply_fd(fd, f.attrs, notes, f.shown)
        finally:
            os.close(fd)
    except BaseException:
        silent_unlink(f.tmp, dir_fd)
        raise


class _BigFile:
    """A large file written in pieces by several workers. ``close`` (calling thread) says how many
    pieces were submitted; whichever of ``close`` and the last ``write`` comes last finishes the file:
    its attributes (the caller renames it once durable), or removal of the temp file after any error.
    Owns ``dir_fd``."""

    def __init__(self, dir_fd: int, f: _File, notes: Notes):
        self.dir_fd, self.file, self.notes = dir_fd, f, notes
        try:
            self.fd = os.open(f.tmp, FILE_FLAGS, 0o600, dir_fd=dir_fd)
            if f.layout is not None:
                os.ftruncate(self.fd, f.size)
        except BaseException:
            if getattr(self, "fd", -1) >= 0:
                os.close(self.fd)
                silent_unlink(f.tmp, dir_fd)
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
                _write_data(self.fd, [reader.open_located(loc) for loc in located], offset, self.file.layout)
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
                apply_fd(self.fd, self.file.attrs, self.notes, self.file.shown)
        except OSError as exc:
            self.error = exc.strerror or type(exc).__name__
        finally:
            os.close(self.fd)
            self.fd = -1
            if self.error is not None:
                silent_unlink(self.file.tmp, self.dir_fd)
            os.close(self.dir_fd)


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
