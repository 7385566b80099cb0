"""A backup's files as a ``.tar.zst`` (``backup download --items files``): a POSIX pax archive that
keeps what a restore keeps, readable by GNU tar and bsdtar.

- Names and link targets as their exact bytes under ``home/`` (pax ``path``/``linkpath``, with
  ``hdrcharset=BINARY`` where a name is not UTF-8); the home directory itself is ``home/``.
- mtimes to the nanosecond (pax ``mtime`` written from the integer, never through a float).
- Owners: ``uid``/``gid`` and ``uname``/``gname``.
- Extended attributes and POSIX ACLs as ``SCHILY.xattr.<name>`` (what GNU tar ``--xattrs`` and
  bsdtar read; names that are not UTF-8 are left out).
- Hard links: the first member of a group in the archive holds the data, the others are hard-link
  members naming it.
- FIFOs and devices as their tar types.
- Sparse files in GNU's sparse format 1.0 (a map of the data extents, then only their bytes), which
  GNU tar, bsdtar and Python's tarfile extract with their holes.
A header that holds bytes which are not UTF-8 (a name, a binary attribute such as an ACL) says
``hdrcharset=BINARY``, as POSIX asks; GNU tar 1.34 warns that it does not know the keyword and then
reads the bytes as they are, which is what it means.
Parents of chosen paths are included, as a restore makes them.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from core.accounts.restore.plan import check_rel_path, entry_ok, selected
from core.accounts.tree import CHUNKS, MODE, MTIME, PATH, SIZE, TARGET, TYPE, meta_of, stored_bytes
from core.fsutil import atomic_writer
from core.progress import Reporter

TYPES = {"d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "p": tarfile.FIFOTYPE, "c": tarfile.CHRTYPE,
         "b": tarfile.BLKTYPE}


class _ChunkStream:
    """A read()-able stream over a file's blobs, after an optional prefix (for tarfile.addfile)."""

    def __init__(self, reader, chunks, prefix: bytes = b""):
        self._reader, self._chunks = reader, iter(chunks)
        self._buf = memoryview(prefix)

    def read(self, n: int = -1) -> bytes:
        out = []
        while n != 0:
            if not self._buf:
                blob = next(self._chunks, None)
                if blob is None:
                    break
                self._buf = memoryview(self._reader.get(blob))
                continue
            take = len(self._buf) if n < 0 else min(n, len(self._buf))
            out.append(self._buf[:take])
            self._buf = self._buf[take:]
            if n > 0:
                n -= take
        return b"".join(out)


def pax_time(ns: int) -> str:
    """Integer nanoseconds as a pax time (``-1.5`` for -1,500,000,000 ns), exactly."""
    sign = "-" if ns < 0 else ""
    sec, frac = divmod(abs(ns), 10**9)
    return f"{sign}{sec}" if not frac else f"{sign}{sec}.{frac:09d}".rstrip("0")


def _sparse_map(extents, size: int) -> bytes:
    """GNU sparse 1.0: the number of extents, then offset and length of each, one per line, padded
    to a 512-byte block. A file that ends in a hole ends with an empty extent at its size (as GNU
    tar writes it), so readers make it that long."""
    extents = [list(x) for x in extents]
    if not extents or sum(extents[-1]) < size:
        extents.append([size, 0])
    text = "".join(f"{v}\n" for v in [len(extents)] + [x for ext in extents for x in ext]).encode()
    return text + b"\0" * (-len(text) % tarfile.BLOCKSIZE)


def _info(e, name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = e[MODE]
    info.mtime = e[MTIME] // 10**9
    meta = meta_of(e)
    pax = {}
    if e[MTIME] % 10**9 or e[MTIME] < 0:
        pax["mtime"] = pax_time(e[MTIME])
    info.uid, info.gid = meta.get("uid", 0), meta.get("gid", 0)
    info.uname, info.gname = meta.get("user", ""), meta.get("group", "")
    for xname, value in meta.get("xattrs", []):
        try:
            key = "SCHILY.xattr." + xname.decode("utf-8")
        except UnicodeDecodeError:
            continue
        pax[key] = value.decode("utf-8", "surrogateescape")
    info.pax_headers = pax
    return info


def write_files_tar(snap, target: Path, paths, reporter: Reporter) -> None:
    import zstandard

    wanted = [os.fsencode(p).strip(b"/") for p in paths] if paths else None
    parents = {w[:i] for w in wanted or () for i in range(len(w)) if w[i:i + 1] == b"/"}
    files = snap.manifest.get("files", {})
    entries = []
    for e in files.get("entries", []):
        if not entry_ok(e):                  # malformed entries are left out, like unsafe names
            continue
        if selected(e[PATH], wanted) or (e[PATH] in parents and e[TYPE] == "d"):
            try:
                check_rel_path(e[PATH])
            except ValueError:
                continue
            entries.append(e)
    reporter.stage("packing files", sum(stored_bytes(e) for e in entries if e[TYPE] == "f"), "bytes")
    root = files.get("root_entry")
    reader = snap.reader()
    first_of_group: dict[bytes, str] = {}
    try:
        with atomic_writer(target, mode=0o600) as fh:
            zw = zstandard.ZstdCompressor(level=3).stream_writer(fh, closefd=False)
            with tarfile.open(fileobj=zw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                if wanted is None and root is not None and entry_ok(root) and root[TYPE] == "d":
                    info = _info(root, "home")
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                for e in entries:
                    name = "home/" + os.fsdecode(e[PATH])
                    info = _info(e, name)
                    kind = e[TYPE]
                    if kind != "f":
                        info.type = TYPES[kind]
                        if kind == "l":
                            info.linkname = os.fsdecode(e[TARGET])
                        elif kind in ("c", "b"):
                            info.devmajor, info.devminor = meta_of(e)["rdev"]
                        tar.addfile(info)
                        continue
                    group = meta_of(e).get("link")
                    if group is not None and group in first_of_group:
                        info.type = tarfile.LNKTYPE
                        info.linkname = first_of_group[group]
                        tar.addfile(info)
                        continue
                    if group is not None:
                        first_of_group[group] = name
                    extents = meta_of(e).get("data")
                    if extents is None:
                        info.size = e[SIZE]
                        tar.addfile(info, _ChunkStream(reader, e[CHUNKS]))
                    else:
                        head = _sparse_map(extents, e[SIZE])
                        info.pax_headers.update({"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                                                 "GNU.sparse.name": name, "GNU.sparse.realsize": str(e[SIZE])})
                        parent, _, base = name.rpartition("/")
                        info.name = f"{parent}/GNUSparseFile.0/{base}"
                        info.size = len(head) + stored_bytes(e)
                        tar.addfile(info, _ChunkStream(reader, e[CHUNKS], head))
                    reporter.advance(stored_bytes(e))
            zw.flush(zstandard.FLUSH_FRAME)
    finally:
        reader.close()
