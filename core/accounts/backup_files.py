"""The file part of a backup: walk the home, read and seal what changed, build the manifest entries.

The walk (tree.py) lists every entry with its lstat, symlink target and extended attributes. Then
small files (one chunk) are read and sealed by worker threads, in order, a window at a time; large
files are read and cut on this thread while workers hash and seal their chunks. Every file is opened
relative to its parent's descriptor (core/support/dirfds.py), never through a symlink, so paths of
any length work. Entries are placed in walk order when listed and filled in when their data is in.

- Incremental: a file whose size, mtime_ns and inode match the previous backup reuses its chunks.
- Hard links: files sharing an inode (within the home) are one group; the first in walk order is
  read, the others reuse its chunks, and every member's meta names the first (``link``).
- Sparse files: a file with fewer blocks than its size is asked for its data extents
  (SEEK_DATA/SEEK_HOLE); only those bytes are chunked and ``data`` lists the extents.
"""

from __future__ import annotations

import os
import stat
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from core.accounts.chunking import MAX_CHUNK, WINDOW, StreamChunker, chunk_file
from core.accounts.packs import Packer, prepare_blob
from core.accounts.tree import (
    CHUNKS,
    INODE,
    META,
    MODE,
    MTIME,
    SIZE,
    base_meta,
    data_extents,
    meta_of,
    read_xattrs,
    walk,
)
from core.errors import BackupError
from core.progress import Reporter
from core.support.dirfds import DirCache

WORKERS = min(4, os.cpu_count() or 2)
WINDOW_FILES = 256       # small files in flight (each at most one 4 MiB chunk)
WINDOW_BYTES = 48 << 20  # and at most this many bytes of them
WINDOW_CHUNKS = 6        # chunks of a big file in flight
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC   # a FIFO swapped in never blocks


@dataclass
class FilesBackup:
    entries: list          # manifest entries, parents first
    root_entry: list       # the home directory itself: [b"", "d", mode, mtime, 0, inode, None, [], meta]
    size: int
    reused: int


def backup_files(home: str, excludes, previous: dict, packer: Packer, reporter: Reporter,
                 skipped: list, workers: int | None = None) -> FilesBackup:
    """``workers``: the sealing threads (default ``WORKERS``; a user-configured backup's limit)."""
    reporter.stage("scanning files")
    listing = []
    total = 0
    for found in walk(home, excludes, skipped):
        listing.append(found)
        if found.kind == "f":
            total += found.st.st_size
        if len(listing) % 1000 == 0:
            reporter.advance(1000)
    leaders = _link_groups(listing)
    reporter.stage("backing up files", total, "bytes")
    root_fd = os.open(os.fsencode(home), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    dirs = DirCache(root_fd)
    try:
        rst = os.fstat(root_fd)
        root_entry = [b"", "d", stat.S_IMODE(rst.st_mode), rst.st_mtime_ns, 0, rst.st_ino, None, [],
                      base_meta(rst, read_xattrs(root_fd))]
        return _read_all(listing, leaders, previous, dirs, packer, reporter, skipped, root_entry, workers)
    finally:
        dirs.close()
        os.close(root_fd)


def _link_groups(listing) -> dict[bytes, bytes]:
    """path -> path of its group's first member, for files sharing an inode with another listed file."""
    first: dict[tuple[int, int], bytes] = {}
    counts: dict[tuple[int, int], int] = {}
    for f in listing:
        if f.kind == "f" and f.st.st_nlink > 1:
            key = (f.st.st_dev, f.st.st_ino)
            first.setdefault(key, f.rel)
            counts[key] = counts.get(key, 0) + 1
    return {f.rel: first[(f.st.st_dev, f.st.st_ino)] for f in listing
            if f.kind == "f" and f.st.st_nlink > 1 and counts[(f.st.st_dev, f.st.st_ino)] > 1}


def _read_all(listing, leaders, previous, dirs: DirCache, packer: Packer, reporter: Reporter, skipped: list,
              root_entry: list, workers: int | None = None) -> FilesBackup:
    entries: list = []
    size = reused = 0
    keys, known = packer.keys, packer.known
    window: deque = deque()    # (entry, bytes, future) of small files read and sealed by workers, in order
    in_flight = 0
    failed: set[int] = set()   # ids of entries that could not be read (dropped at the end)
    members: list[list] = []   # hard-link members that take their first member's data

    def add_blobs(blobs) -> tuple[list[str], int]:
        n = 0
        for bid, sealed, raw in blobs:
            if sealed is None:
                if not packer.has(bid):   # known when prepared; the known set only grows within a run
                    raise BackupError("Internal error: a blob vanished during the backup.")
            else:
                packer.add_sealed(bid, sealed, raw)
            n += raw
        return [b for b, _s, _r in blobs], n

    def fill(entry: list, fst, chunks: list[str], n: int, extents) -> None:
        nonlocal size
        entry[MODE], entry[MTIME], entry[INODE] = stat.S_IMODE(fst.st_mode), fst.st_mtime_ns, fst.st_ino
        entry[CHUNKS] = chunks
        meta = entry[META]
        meta.update(base_meta(fst, meta.get("xattrs", [])))
        if extents is None:
            entry[SIZE] = n
        else:
            entry[SIZE] = fst.st_size
            meta["data"] = extents
        size += n

    def drain(limit: int) -> None:
        nonlocal in_flight
        while len(window) > limit or (window and in_flight > WINDOW_BYTES):
            entry, n, fut = window.popleft()
            in_flight -= n
            got = fut.result()
            if got is None:
                failed.add(id(entry))
                skipped.append(entry[0])
                continue
            fst, blobs, extents = got
            chunks, raw = add_blobs(blobs)
            reporter.advance(raw)
            fill(entry, fst, chunks, raw, extents)

    with ThreadPoolExecutor(max_workers=max(1, workers or WORKERS), thread_name_prefix="uv-seal") as pool:
        for found in listing:
            rel, kind, st = found.rel, found.kind, found.st
            meta = base_meta(st, found.xattrs)
            entry = [rel, kind, stat.S_IMODE(st.st_mode), st.st_mtime_ns, 0, st.st_ino, found.target, [], meta]
            entries.append(entry)
            if kind in ("c", "b"):
                meta["rdev"] = [os.major(st.st_rdev), os.minor(st.st_rdev)]
            if kind != "f":
                continue
            leader = leaders.get(rel)
            if leader is not None:
                meta["link"] = leader
                if leader != rel:
                    members.append(entry)    # same inode as an earlier file: its data is that file's
                    continue
            prev = previous.get(rel)
            if _unchanged(prev, st) and all(packer.has(c) for c in prev[CHUNKS]):
                entry[SIZE], entry[CHUNKS] = st.st_size, list(prev[CHUNKS])
                if "data" in meta_of(prev):
                    meta["data"] = meta_of(prev)["data"]
                size += st.st_size
                reused += 1
                reporter.advance(st.st_size)
                continue
            parent, _, name = rel.rpartition(b"/")
            try:
                pfd = dirs.open(parent.split(b"/") if parent else ())
            except OSError:
                failed.add(id(entry))
                skipped.append(rel)
                continue
            if st.st_size <= MAX_CHUNK:
                window.append((entry, st.st_size, pool.submit(_read_small, pfd, name, keys, known)))
                in_flight += st.st_size
                drain(WINDOW_FILES)
                continue
            got = _read_big(pfd, name, packer, pool, reporter)
            if got is None:
                failed.add(id(entry))
                skipped.append(rel)
                continue
            fst, chunks, n, extents = got
            fill(entry, fst, chunks, n, extents)
        drain(0)
    by_path = {e[0]: e for e in entries if id(e) not in failed}
    for entry in members:
        first = by_path.get(entry[META]["link"])
        if first is None:                     # the first member could not be read: nor can this one
            failed.add(id(entry))
            skipped.append(entry[0])
            continue
        entry[SIZE], entry[CHUNKS] = first[SIZE], list(first[CHUNKS])
        if "data" in first[META]:
            entry[META]["data"] = first[META]["data"]
        size += first[SIZE]
    return FilesBackup([e for e in entries if id(e) not in failed], root_entry, size, reused)


def _unchanged(prev, st) -> bool:
    """The previous backup's entry for this path still describes the file (size, mtime, inode). A
    format 1 entry kept no holes: it is reused only for a file without any."""
    if prev is None or prev[1] != "f" or prev[SIZE] != st.st_size or prev[MTIME] != st.st_mtime_ns:
        return False
    if prev[INODE] != st.st_ino:
        return False
    return len(prev) > META or st.st_blocks * 512 >= st.st_size


def _open(pfd: int, name: bytes):
    """Open ``name`` in ``pfd`` (closing ``pfd``): (fd, fstat, extents) or None if not a regular file."""
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=pfd)
    except OSError:
        return None
    finally:
        os.close(pfd)
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode):
            os.close(fd)
            return None
        extents = data_extents(fd, fst.st_size) if fst.st_blocks * 512 < fst.st_size else None
    except OSError:
        os.close(fd)
        return None
    return fd, fst, extents


def _read_small(pfd: int, name: bytes, keys, known):
    """Worker: read one file no larger than a chunk and prepare its blobs (closes ``pfd``).
    Returns (fstat, blobs, extents) or None."""
    opened = _open(pfd, name)
    if opened is None:
        return None
    fd, fst, extents = opened
    try:
        parts = _extent_chunks(fd, extents) if extents is not None else chunk_file(fd, fst.st_size)
        blobs = [prepare_blob(keys, part, known) for part in parts]
        if extents is not None:
            extents = _read_extents(extents, sum(r for _b, _s, r in blobs))
    except OSError:
        return None
    finally:
        os.close(fd)
    return fst, blobs, extents


def _read_big(pfd: int, name: bytes, packer: Packer, pool, reporter: Reporter):
    """A file larger than one chunk: this thread reads and cuts, workers hash and seal (closes ``pfd``).
    Returns (fstat, chunks, bytes, extents) or None."""
    opened = _open(pfd, name)
    if opened is None:
        return None
    fd, fst, extents = opened
    chunks: list[str] = []
    pending: deque = deque()
    n = 0

    def take():
        nonlocal n
        bid, sealed, raw = pending.popleft().result()
        if sealed is None:
            if not packer.has(bid):   # known when submitted but gone since: cannot happen within a run
                raise BackupError("Internal error: a blob vanished during the backup.")
        else:
            packer.add_sealed(bid, sealed, raw)
        chunks.append(bid)
        n += raw
        reporter.advance(raw)

    try:
        parts = _extent_chunks(fd, extents) if extents is not None else chunk_file(fd, fst.st_size)
        for part in parts:
            pending.append(pool.submit(prepare_blob, packer.keys, part, packer.known))
            while len(pending) > WINDOW_CHUNKS:
                take()
        while pending:
            take()
    except OSError:
        return None
    finally:
        os.close(fd)
    if extents is not None:
        extents = _read_extents(extents, n)
    return fst, chunks, n, extents


def _extent_chunks(fd: int, extents):
    """The chunks of a sparse file's data extents, read in order (holes are not read)."""
    chunker = StreamChunker()
    for offset, length in extents:
        done = 0
        while done < length:
            b = os.pread(fd, min(WINDOW, length - done), offset + done)
            if not b:
                break                      # shorter than it was: the extents are cut to what was read
            done += len(b)
            yield from chunker.feed(b)
    yield from chunker.finish()


def _read_extents(extents, n: int) -> list[list[int]]:
    """``extents`` cut to the ``n`` bytes actually read (a file that shrank while being read)."""
    out = []
    for offset, length in extents:
        if n <= 0:
            break
        take = min(length, n)
        out.append([offset, take])
        n -= take
    return out
