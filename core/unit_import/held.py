"""A compressed in-memory copy of validated records, so apply need not read and check the source again.

Bundle sources are held as their validated blocks (:class:`HeldBlocks`, no re-encoding); any other
source as :class:`HeldRecords`:

Validation already decrypted, authenticated, decoded and schema-checked every record; keeping them
as compact JSON lines (orjson: key order kept, floats round-trip exactly) compressed with zstd level 1
in ~1 MiB blocks costs a few tenths of a second and ~20 MB for the large demo unit, and saves apply a full second pass through the reader (decryption,
strict decoding and validation again). Nothing decrypted touches the disk. Past ``limit`` bytes the
copy is dropped and apply streams the source again, checking each record against its hash.
"""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import zstandard

BLOCK = 1024 * 1024
DEFAULT_LIMIT = 256 * 1024 * 1024


class HeldRecords:
    def __init__(self, limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self.blocks: list[tuple[str, bytes]] = []
        self.size = 0
        self.overflow = False
        self._zc = zstandard.ZstdCompressor(level=1)
        self._section: str | None = None
        self._parts: list[bytes] = []
        self._pending = 0

    def add(self, section: str, wire: dict) -> None:
        if self.overflow:
            return
        if section != self._section:
            self._flush()
            self._section = section
        try:
            b = orjson.dumps(wire)  # no raw newline inside: strings escape it
        except (TypeError, orjson.JSONEncodeError):  # e.g. an integer beyond 64 bits: stream instead
            self.overflow, self.blocks = True, []
            return
        self._parts.append(b)
        self._pending += len(b)
        if self._pending >= BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._parts and not self.overflow:
            data = self._zc.compress(b"\n".join(self._parts))
            self.blocks.append((self._section, data))
            self.size += len(data)
            if self.size > self.limit:
                self.overflow = True
                self.blocks = []
        self._parts, self._pending = [], 0

    def finish(self) -> HeldRecords | None:
        self._flush()
        return None if self.overflow else self

    def records(self) -> Iterator[tuple[str, dict]]:
        zd = zstandard.ZstdDecompressor()
        loads = orjson.loads
        for section, data in self.blocks:
            for line in zd.decompress(data).split(b"\n"):
                yield section, loads(line)


class HeldBlocks:
    """A bundle's validated blocks exactly as they were stored (zstd frames of canonical msgpack).

    For bundle sources: the reader hands over each block once all its records passed every check,
    so holding it costs a copy of the compressed bytes (about the bundle's size) and no encoding at
    all; ``records()`` decodes the same bytes again, with the same strict unpacker, into the same
    records validation saw. Past ``limit`` bytes the copy is dropped (apply streams the source).
    """

    def __init__(self, limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self.blocks: list[tuple[str, int, bytes, int]] = []
        self.size = 0
        self.overflow = False

    def add_block(self, section: str, codec: int, data: bytes, raw_size: int) -> None:
        if self.overflow:
            return
        self.blocks.append((section, codec, data, raw_size))
        self.size += len(data)
        if self.size > self.limit:
            self.overflow, self.blocks = True, []

    def finish(self) -> HeldBlocks | None:
        return None if self.overflow else self

    def records(self) -> Iterator[tuple[str, dict]]:
        from core.bundle import limits as L
        from core.bundle.records import new_unpacker

        zd = zstandard.ZstdDecompressor(max_window_size=L.MAX_BLOCK_RAW)
        for section, codec, data, raw_size in self.blocks:
            raw = zd.decompress(data, max_output_size=raw_size) if codec == L.CODEC_ZSTD else data
            up = new_unpacker()
            up.feed(raw)
            del raw
            for rec in up:
                yield section, rec
