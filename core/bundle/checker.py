"""An export's record checks in a helper process (core/support/helper.py).

A writer runs the reader's own checks on every record, so a bundle it writes is one a reader
accepts. For a big unit those checks (strict decoding, schemas, depth and finiteness) cost about
as much as reading the unit itself, all of it Python-bound, so the writer hands each block of
packed records to ``python -m core.bundle.checker`` while it reads, compresses and encrypts on its
own core. The helper decodes every block as a reader does (``decode_block``: canonical msgpack,
caps, schemas) and answers once the writer has closed its end: ``{"ok": true}`` or the first
problem. The writer asks for the answer before its file is put in place, so a record the checks
refuse leaves no file, as when they run in-process.

Frames on the helper's standard input: section index (1 byte), index of the block's first record
in its section (4 bytes, big-endian), length (4 bytes), then the block's msgpack bytes.
"""

from __future__ import annotations

import contextlib
import json
import struct
import subprocess
import sys

from core.errors import InvalidContentError, InvalidRecordError

_HEAD = struct.Struct(">BII")
_STOPPED = "The records could not be checked (the checking process stopped); no file was written."


class Checker:
    """The writer's side. ``block()`` for every block in order, then ``verdict()`` (raises the
    first problem as InvalidRecordError), or ``close()`` to stop it early."""

    def __init__(self):
        from core.support.helper import helper_env

        self.proc = subprocess.Popen([sys.executable, "-m", "core.bundle.checker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=helper_env(),
                                     bufsize=0)
        with contextlib.suppress(Exception):  # Linux: room for one block in the pipe
            import fcntl

            fcntl.fcntl(self.proc.stdin.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)

    def block(self, section_index: int, first: int, raw: bytes) -> None:
        try:
            self._write(_HEAD.pack(section_index, first, len(raw)))
            self._write(raw)
        except OSError:  # it stopped early: a problem found (raised here), or it failed
            self.verdict()
            raise InvalidRecordError(_STOPPED) from None

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:  # a pipe may take part of it
            view = view[self.proc.stdin.write(view):]

    def verdict(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        answer = self.proc.stdout.read()
        self.proc.wait()
        self.proc.stdout.close()
        try:
            said = json.loads(answer)
        except ValueError:
            said = None
        if not isinstance(said, dict) or ("ok" not in said and "message" not in said):
            raise InvalidRecordError(_STOPPED)
        if not said.get("ok"):
            raise InvalidRecordError(str(said.get("message")), details=[str(d) for d in said.get("details") or ()])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                f.close()


def as_record_error(exc: InvalidContentError) -> InvalidRecordError:
    """A reader's refusal, said of a record being written."""
    return InvalidRecordError(exc.message.replace("Invalid content", "Invalid record"), details=exc.details)


def _main() -> int:
    import gc

    from core.bundle.records import decode_block
    from core.support.helper import protocol_out
    from core.unit.records import SECTIONS

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
            decode_block(SECTIONS[index], raw, first)
    except InvalidContentError as exc:
        e = as_record_error(exc)
        answer = {"ok": False, "message": e.message, "details": list(e.details or ())}
    except Exception as exc:  # noqa: BLE001 - said to the writer, which refuses the export
        answer = {"ok": False, "message": f"The records could not be checked ({type(exc).__name__}); "
                                          "no file was written."}
    out.write(json.dumps(answer).encode())
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
