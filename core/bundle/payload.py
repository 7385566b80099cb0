"""The encrypted payload: frames inside the Cobblestone-256 stream (spec §5, §6).

``frame := kind u8 | length u32 | body``; a block frame's body is
``section index u8 | codec u8 | raw size u32 | data`` where data is one zstd frame (codec 1) or the
raw msgpack records (codec 0).
"""

from __future__ import annotations

import struct

from core.bundle import limits as L
from core.errors import DamagedBundleError, InvalidContentError

FRAME_HEAD = struct.Struct(">BI")
BLOCK_PREFIX = struct.Struct(">BBI")
READ_SIZE = 1024 * 1024


def frame(kind: int, body: bytes) -> bytes:
    return FRAME_HEAD.pack(kind, len(body)) + body


def block_frame(section_index: int, codec: int, raw_size: int, data: bytes) -> bytes:
    return FRAME_HEAD.pack(L.FRAME_BLOCK, BLOCK_PREFIX.size + len(data)) + BLOCK_PREFIX.pack(
        section_index, codec, raw_size) + data


def compressor():
    import zstandard

    return zstandard.ZstdCompressor(level=L.ZSTD_LEVEL, write_content_size=True, write_checksum=False)


def decompress_block(data: bytes, raw_size: int, where: str) -> bytes:
    """Exactly one zstd frame that declares ``raw_size`` and yields exactly that many bytes.

    The frame's declared content size is checked first (so nothing larger is ever allocated), and
    zstd refuses to produce more than a frame declares."""
    import zstandard

    try:
        declared = zstandard.frame_content_size(data)
    except zstandard.ZstdError:
        raise InvalidContentError(f"Invalid content in {where}: the block is not a zstd frame.") from None
    if declared != raw_size:
        raise InvalidContentError(
            f"Invalid content in {where}: the compressed block does not declare its stated size.")
    dobj = zstandard.ZstdDecompressor(max_window_size=L.MAX_BLOCK_RAW).decompressobj()
    try:
        out = dobj.decompress(data)
    except zstandard.ZstdError:
        raise InvalidContentError(
            f"Invalid content in {where}: the compressed block does not decode to its stated size.") from None
    if not dobj.eof or len(out) != raw_size:
        raise InvalidContentError(
            f"Invalid content in {where}: the compressed block does not decode to its stated size.")
    if dobj.unused_data:
        raise InvalidContentError(f"Invalid content in {where}: the block holds more than one zstd frame.")
    return out


class PlainStream:
    """Authenticated plaintext pulled from the file on demand. Memory: one read plus one frame."""

    def __init__(self, fh, header, file_key: bytes, reporter=None):
        from cryptography.cobblestone import Cobblestone256Decryptor

        self._fh = fh
        self._remaining = header.ciphertext_size
        self._dec = Cobblestone256Decryptor(file_key, header.header_hash)
        self._buf = bytearray()
        self._pos = 0
        self._eof = False
        self._reporter = reporter
        fh.seek(header.header_size)

    def _pull(self) -> None:
        from cryptography.exceptions import InvalidTag

        n = min(READ_SIZE, self._remaining)
        ct = self._fh.read(n)
        if len(ct) != n:
            from core.errors import TruncatedBundleError

            raise TruncatedBundleError("The bundle became shorter while it was being read.")
        self._remaining -= n
        try:
            pt = self._dec.update(ct)
            if self._remaining == 0:
                pt += self._dec.finalize()
                self._eof = True
        except InvalidTag:
            raise DamagedBundleError("The bundle's data is damaged (a chunk does not authenticate).") from None
        if self._pos:
            del self._buf[:self._pos]
            self._pos = 0
        self._buf += pt
        if self._reporter is not None:
            self._reporter.advance(n)

    def read(self, n: int, what: str) -> bytes:
        while len(self._buf) - self._pos < n:
            if self._eof:
                raise InvalidContentError(f"The bundle's payload ends inside {what}.")
            self._pull()
        out = bytes(self._buf[self._pos:self._pos + n])
        self._pos += n
        return out

    def at_end(self) -> bool:
        """True when every byte was read and the final chunk authenticated."""
        while not self._eof and len(self._buf) == self._pos:
            self._pull()
        return self._eof and len(self._buf) == self._pos

    def read_frame(self) -> tuple[int, bytes] | None:
        if self.at_end():
            return None
        kind, length = FRAME_HEAD.unpack(self.read(FRAME_HEAD.size, "a frame header"))
        cap = L.MAX_BLOCK_FRAME if kind == L.FRAME_BLOCK else L.MAX_MANIFEST_FRAME
        if kind not in (L.FRAME_MANIFEST_HEAD, L.FRAME_BLOCK, L.FRAME_TRAILER):
            raise InvalidContentError(f"The bundle's payload has an unknown frame kind ({kind}).")
        if length > cap:
            raise InvalidContentError("The bundle's payload declares a frame longer than allowed.")
        return kind, self.read(length, "a frame")
