"""A bundle's record checks in a helper process (core/support/helper.py).

Strict decoding (canonical msgpack, caps), schemas, depth and finiteness cost about as much as
reading a big unit itself, all of it Python-bound. So for a big unit they run in ``python -m
core.bundle.checker`` on the other core, fed every block of packed records in order, and it answers
once its input is closed: ``{"ok": true}`` or the first problem, in the reader's words
(``decode_block``).

- A writer runs the reader's checks on every record, so a bundle it writes is one a reader accepts
  (all but the proof that a block is canonical, which its own packing makes hold: ``written``);
  it asks for the answer before its file is put in place, so a refused record leaves no file.
- An import's preview decodes the blocks without the checks (``decode_block_unchecked``, with every
  cap) and asks for the answer at the end of its pass, or as soon as anything goes wrong in it, so
  a hostile record is reported as the reader reports it.

Frames on the helper's standard input: section index (1 byte), index of the block's first record
in its section (4 bytes, big-endian), length (4 bytes), then the block's msgpack bytes.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys

from core.errors import InvalidContentError, UnitvaultError

_HEAD = struct.Struct(">BII")
_STOPPED = "The records could not be checked (the checking process stopped)."


class Checker:
    """The parent's side. ``block()`` for every block in order, then ``verdict()`` (raises the first
    problem as the reader's InvalidContentError, or UnitvaultError when the helper itself stopped),
    or ``close()`` to stop it early."""

    def __init__(self, written: bool = False):
        from core.support.helper import enlarge_pipe, helper_env

        mode = ["written"] if written else []
        self.proc = subprocess.Popen([sys.executable, "-m", "core.bundle.checker", *mode], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=helper_env(),
                                     bufsize=0)
        self._said = None  # the helper's answer, once read
        enlarge_pipe(self.proc.stdin.fileno())  # room for one block

    def block(self, section_index: int, first: int, raw: bytes) -> None:
        try:
            self._write(_HEAD.pack(section_index, first, len(raw)))
            self._write(raw)
        except OSError:  # it stopped early: a problem found (raised here), or it failed
            self.verdict()
            raise UnitvaultError(_STOPPED) from None

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a pipe may take part of it
            view = view[self.proc.stdin.write(view):]

    def verdict(self) -> None:
        """Closes the helper's input and waits for its answer (asked again, the same answer)."""
        if self._said is None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            answer = self.proc.stdout.read()
            self.proc.wait()
            self.proc.stdout.close()
            try:
                self._said = json.loads(answer)
            except ValueError:
                self._said = False
        said = self._said
        if not isinstance(said, dict) or "ok" not in said or said.get("failed"):
            # not a verdict on the records: the helper itself stopped (killed, out of memory)
            raise UnitvaultError(str(said.get("message")) if isinstance(said, dict) and said.get("message")
                                 else _STOPPED)
        if not said.get("ok"):
            raise InvalidContentError(str(said.get("message")), details=[str(d) for d in said.get("details") or ()])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                f.close()


def start_checker(records: int, *, written: bool = False) -> Checker | None:
    """A checker for about ``records`` records when one pays for its start-up, else None (check here).
    ``written``: for blocks a writer packed itself (``decode_block(written=True)``)."""
    from core.support.helper import process_pays

    if not process_pays(records):
        return None
    try:
        return Checker(written)
    except OSError:  # it cannot start here
        return None


def records_in(path) -> int:
    """About how many records the bundle at ``path`` holds, from its size (a demo unit's record takes
    about 70 bytes of it); 0 when it cannot be read."""
    import os

    try:
        return os.path.getsize(path) // 70
    except OSError:
        return 0


def _main() -> int:
    import gc

    from core.bundle.records import decode_block
    from core.support.helper import protocol_out
    from core.unit.records import SECTIONS

    written = sys.argv[1:] == ["written"]

    gc.disable()
    out = protocol_out()
    src = sys.stdin.buffer
    answer: dict = {"ok": True}
    try:
        while True:
            head = src.read(_HEAD.size)
            if not head:
                break
            if len(head) != _HEAD.size:
                raise ValueError("a cut frame")
            index, first, length = _HEAD.unpack(head)
            raw = src.read(length)
            if len(raw) != length or index >= len(SECTIONS):
                raise ValueError("a cut frame")
            decode_block(SECTIONS[index], raw, first, written=written)
    except InvalidContentError as exc:
        answer = {"ok": False, "message": exc.message, "details": list(exc.details or ())}
    except Exception as exc:  # noqa: BLE001 - said to the parent, which stops
        answer = {"ok": False, "failed": True, "message": f"The records could not be checked ({type(exc).__name__})."}
    with contextlib.suppress(OSError), out:
        out.write(json.dumps(answer).encode())
    return 0


if __name__ == "__main__":
    sys.exit(_main())
