"""Packs: many sealed blobs in one object, so thousands of small files cost a few uploads.

Every blob is sealed on its own (kind "blob", id = its keyed hash), then appended to the current pack.
A full pack is uploaded, then its index object, then recorded in the catalog's cache: a pack without
an index is invisible (an interrupted run leaves at most such garbage), and an index is written only
after its pack is stored. Uploads run on one background thread so reading overlaps with sending.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor

from core.accounts.crypto import AccountKeys
from core.errors import IntegrityError

PACK_TARGET = 16 << 20
MAX_PENDING_UPLOADS = 2


def seal_blob(keys: AccountKeys, blob_id: str, data, compress: bool = True) -> bytes:
    return keys.seal("blob", blob_id, data, compress=compress, level=1 if len(data) > (256 << 10) else 3)


def prepare_blob(keys: AccountKeys, data, known) -> tuple[str, bytes | None, int]:
    """(blob id, sealed bytes or None when ``known`` has it, raw size): thread-safe, GIL mostly released."""
    bid = keys.blob_id(data)
    if bid in known:
        return bid, None, len(data)
    return bid, seal_blob(keys, bid, data), len(data)


def new_id() -> str:
    return os.urandom(16).hex()


class Packer:
    def __init__(self, repo, keys: AccountKeys, catalog, destination: str, known: dict, *,
                 target: int | None = None, on_uploaded=None):
        self.repo, self.keys, self.catalog, self.destination = repo, keys, catalog, destination
        self.known = known                    # blob id -> (pack, offset, length, raw) ; updated as we go
        self.target = target or PACK_TARGET
        self.on_uploaded = on_uploaded or (lambda n: None)
        self._parts: list[bytes] = []
        self._entries: dict[str, tuple[int, int, int]] = {}
        self._size = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uv-upload")
        self._pending: list[Future] = []
        self._lock = threading.Lock()
        self.uploaded_bytes = 0
        self.new_blobs = 0

    def has(self, blob_id: str) -> bool:
        return blob_id in self.known or blob_id in self._entries

    def add(self, blob_id: str, data, *, compress: bool = True) -> bool:
        """Seal and queue ``data`` unless the repository already has it; True when it was new."""
        if self.has(blob_id):
            return False
        return self.add_sealed(blob_id, seal_blob(self.keys, blob_id, data, compress), len(data))

    def add_sealed(self, blob_id: str, sealed: bytes, raw_size: int) -> bool:
        """Queue a blob sealed elsewhere (a worker thread); False when the repository has it already."""
        if self.has(blob_id):
            return False
        self._entries[blob_id] = (self._size, len(sealed), raw_size)
        self._parts.append(sealed)
        self._size += len(sealed)
        self.new_blobs += 1
        if self._size >= self.target:
            self.flush()
        return True

    def flush(self) -> None:
        if not self._entries:
            return
        parts, entries = self._parts, self._entries
        self._parts, self._entries, self._size = [], {}, 0
        pack_id = new_id()
        for _ in range(len(self._pending)):
            if len(self._pending) < MAX_PENDING_UPLOADS:
                break
            self._pending.pop(0).result()  # bound memory: at most two packs in flight
        # Make blobs visible to has() while their pack uploads (dedup within the run).
        for b, (o, n, r) in entries.items():
            self.known[b] = (pack_id, o, n, r)
        self._pending.append(self._pool.submit(self._upload, pack_id, parts, entries))

    def _upload(self, pack_id: str, parts: list[bytes], entries: dict) -> None:
        data = b"".join(parts)
        parts.clear()
        self.repo.write_pack(self.keys.account_id, pack_id, data)
        self.repo.write_index(self.keys, pack_id, entries)
        self.catalog.blobs.add_pack(self.destination, self.keys.account_id, pack_id, entries)
        with self._lock:
            self.uploaded_bytes += len(data)
        self.on_uploaded(len(data))

    def finish(self) -> None:
        """Flush and wait for every upload; raises the first upload error."""
        self.flush()
        self.wait()

    def wait(self) -> None:
        try:
            while self._pending:
                self._pending.pop(0).result()
        finally:
            self._pool.shutdown(wait=True)

    def abort(self) -> None:
        for f in self._pending:
            f.cancel()
        try:
            for f in self._pending:
                if not f.cancelled():
                    try:
                        f.result()
                    except Exception:
                        pass
        finally:
            self._pending.clear()
            self._pool.shutdown(wait=True)


def refresh_index(repo, keys: AccountKeys, catalog, destination: str, reporter=None) -> dict:
    """Bring the catalog's cache of pack indexes in line with the destination's listing; return
    blob id -> (pack id, offset, length, raw size). An index whose pack is gone describes nothing:
    its blobs count as missing, so a backup uploads them again instead of referring to lost data."""
    acc = keys.account_id
    listed = repo.list_index_ids(acc) & repo.list_pack_ids(acc)
    cached = catalog.blobs.known_packs(destination, acc)
    gone = cached - listed
    if gone:
        catalog.blobs.forget_packs(destination, acc, gone)
    new = sorted(listed - cached)
    if new and reporter is not None:
        reporter.stage("reading index", len(new))
    for pid in new:
        entries = repo.read_index(keys, pid)
        catalog.blobs.add_pack(destination, acc, pid, entries)
        if reporter is not None:
            reporter.advance()
    return catalog.blobs.known_blobs(destination, acc)


class BlobReader:
    """Fetch blobs by id. A pack is read by byte range, up to the end of the last blob the
    authenticated index places in it (whatever follows is never downloaded), and kept in a small LRU
    cache; with ``prefetch`` (pack ids in first-use order) two downloads run ahead."""

    def __init__(self, repo, keys: AccountKeys, locations: dict, *, cache_packs: int = 3, prefetch=None):
        self.repo, self.keys, self.locations = repo, keys, locations
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._max = cache_packs
        self._futures: dict[str, Future] = {}
        self._extents: dict[str, int] | None = None
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="uv-fetch") if prefetch else None
        self.downloaded = 0
        if prefetch:
            self._queue = list(prefetch)
            self._pump()

    def extent(self, pid: str) -> int:
        """How much of pack ``pid`` the index says is needed: the end of its last located blob."""
        if self._extents is None:
            ext: dict[str, int] = {}
            for p, o, n, _r in self.locations.values():
                if o + n > ext.get(p, 0):
                    ext[p] = o + n
            self._extents = ext
        return self._extents.get(pid, 0)

    def _read(self, pid: str) -> bytes:
        return self.repo.read_pack(self.keys.account_id, pid, self.extent(pid))

    def _pump(self) -> None:
        while self._pool and self._queue and len(self._futures) < 2:
            pid = self._queue.pop(0)
            if pid in self._cache or pid in self._futures:
                continue
            self.extent(pid)          # computed here, on the calling thread
            self._futures[pid] = self._pool.submit(self._read, pid)

    def pack(self, pid: str) -> bytes:
        data = self._cache.get(pid)
        if data is not None:
            self._cache.move_to_end(pid)
            return data
        fut = self._futures.pop(pid, None)
        data = fut.result() if fut is not None else self._read(pid)
        self.downloaded += len(data)
        self._cache[pid] = data
        while len(self._cache) > self._max:
            self._cache.popitem(last=False)
        if self._pool:
            self._pump()
        return data

    def locate(self, blob_id: str) -> tuple:
        """(blob id, sealed bytes, raw size, pack id): the blob's pack fetched (cached), not yet opened.
        Call from one thread; ``open_located`` may then run on any thread."""
        loc = self.locations.get(blob_id)
        if loc is None:
            raise IntegrityError(f"The blob {blob_id} is missing from every pack index.", details=[f"blob {blob_id}"])
        pid, offset, length, raw = loc
        try:
            data = self.pack(pid)
        except IntegrityError as exc:
            path = self.repo.pack_path(self.keys.account_id, pid)
            what = "truncated" if exc.kind == "pack_truncated" else "missing"
            raise IntegrityError(f"The object {path} holding blob {blob_id} is {what}.", details=[path]) from None
        if offset + length > len(data):
            name = f"{self.repo.pack_path(self.keys.account_id, pid)} (blob {blob_id})"
            raise IntegrityError(f"The object {name} is truncated.", details=[name])
        return blob_id, memoryview(data)[offset:offset + length], raw, pid

    def open_located(self, located: tuple) -> bytes:
        """Authenticate and decrypt a blob from ``locate`` (thread-safe)."""
        blob_id, sealed, raw, pid = located
        name = f"{self.repo.pack_path(self.keys.account_id, pid)} (blob {blob_id})"
        plain = self.keys.open("blob", blob_id, sealed, name=name, max_size=raw)
        if len(plain) != raw:
            raise IntegrityError(f"The object {name} has the wrong size.", details=[name])
        return plain

    def get(self, blob_id: str) -> bytes:
        return self.open_located(self.locate(blob_id))

    def close(self) -> None:
        if self._pool:
            for f in self._futures.values():
                f.cancel()
            self._pool.shutdown(wait=True)


def iter_pack_blobs(data: bytes, entries: dict):
    """(blob id, sealed bytes) for each entry of one pack's index, in offset order."""
    for b, (o, n, _r) in sorted(entries.items(), key=lambda kv: kv[1][0]):
        yield b, memoryview(data)[o:o + n]


