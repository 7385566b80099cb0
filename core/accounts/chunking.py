"""Content-defined chunking (FastCDC via pyfastcdc's C extension): min 256 KiB, avg 1 MiB, max 4 MiB.

Data no longer than the maximum chunk is one chunk, with no CDC at all (most files). Longer streams
are cut in windows; the last cut of a window is not content-defined, so its bytes carry over.
"""

from __future__ import annotations

from collections.abc import Iterator

MIN_CHUNK = 256 << 10
AVG_CHUNK = 1 << 20
MAX_CHUNK = 4 << 20
WINDOW = 16 << 20

_cdc = None


def _chunker():
    global _cdc
    if _cdc is None:
        from pyfastcdc import FastCDC

        _cdc = FastCDC(avg_size=AVG_CHUNK - MIN_CHUNK, min_size=MIN_CHUNK, max_size=MAX_CHUNK)
    return _cdc


class StreamChunker:
    """feed(bytes) -> chunks ready so far; finish() -> the rest."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data) -> list[bytes]:
        self._buf += data
        if len(self._buf) < WINDOW:
            return []
        return self._cut(final=False)

    def finish(self) -> list[bytes]:
        return self._cut(final=True)

    def _cut(self, final: bool) -> list[bytes]:
        buf = self._buf
        if not buf:
            return []
        if final and len(buf) <= MAX_CHUNK:
            self._buf = bytearray()
            return [bytes(buf)]
        view = memoryview(buf)
        cuts = [(c.offset, c.length) for c in _chunker().cut_buf(view)]
        if not final and len(cuts) > 1:
            cuts = cuts[:-1]  # the last cut is where the window ended, not where content says
        out = [bytes(view[o:o + n]) for o, n in cuts]
        end = cuts[-1][0] + cuts[-1][1]
        view.release()
        self._buf = bytearray(buf[end:]) if end < len(buf) else bytearray()
        return out


def chunk_file(fd: int, size: int) -> Iterator[bytes]:
    """The chunks of an open file (read straight from the descriptor)."""
    import os

    if size <= MAX_CHUNK:
        parts = []
        got = 0
        while True:
            b = os.read(fd, max(size - got, 0) + 1 if got <= size else 65536)
            if not b:
                break
            parts.append(b)
            got += len(b)
            if got > MAX_CHUNK:
                break
        data = b"".join(parts)
        if len(data) <= MAX_CHUNK:
            if data:
                yield data
            return
        chunker = StreamChunker()
        yield from chunker.feed(data)
    else:
        chunker = StreamChunker()
    while True:
        b = os.read(fd, WINDOW)
        if not b:
            break
        yield from chunker.feed(b)
    yield from chunker.finish()
