"""The pipe between a helper process and its parent (core/support/helper.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from core.support.helper import ReadAhead

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_a_stray_print_in_the_helper_does_not_break_into_its_stream():
    """Whatever else in the helper prints to standard output (a library, a warning hook) goes to
    standard error; the importer reads only the helper's own records."""
    code = ("import sys; from core.support.helper import protocol_out\n"
            "out = protocol_out()\n"
            "print('stray text'); sys.stdout.flush()\n"
            "out.write(b'RECORDS'); out.flush()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=True)
    assert done.stdout == b"RECORDS"
    assert b"stray text" in done.stderr


def test_the_read_ahead_holds_back_a_writer_beyond_its_limit_and_delivers_everything_in_order():
    """The helper works ahead of the preview, but only so far: beyond the limit it waits."""
    r, w = os.pipe()
    payload = os.urandom(8 << 20)
    with os.fdopen(r, "rb") as reader:
        ahead = ReadAhead(reader, limit=ReadAhead.CHUNK)
        finished = threading.Event()

        def write():
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view):]
            os.close(w)
            finished.set()

        threading.Thread(target=write, daemon=True).start()
        assert not finished.wait(0.5)            # nobody reads: the writer is held back, memory stays bounded
        got = bytearray()
        while part := ahead.read(16384):
            got += part
        assert finished.is_set() and bytes(got) == payload and ahead.read(10) == b""


def test_stopping_the_read_ahead_ends_its_thread_even_when_nobody_reads():
    r, w = os.pipe()
    with os.fdopen(r, "rb") as reader, os.fdopen(w, "wb") as writer:
        ahead = ReadAhead(reader, limit=ReadAhead.CHUNK)
        writer.write(b"x" * (1 << 20))
        writer.flush()
        writer.write(b"y" * 100)
        writer.flush()
        time.sleep(0.3)
        ahead.stop()
        ahead._thread.join(timeout=5)
        assert not ahead._thread.is_alive()
