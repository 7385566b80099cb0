"""Printing for the CLI: JSON, tables, and a progress bar on a TTY (stderr)."""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
import time
from collections.abc import Iterable, Iterator

from core.progress import ProgressState, Reporter
from core.support.sizes import format_size


def print_json(value) -> None:
    """``value`` as indented JSON. orjson writes a retention pass's 365,000 decisions in a fraction of
    a second, where the standard library's indenting encoder (pure Python) takes seconds; a value
    orjson does not take (an integer beyond 64 bits, say) goes through the standard library."""
    import orjson

    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)
    sys.stdout.write(text + "\n")


def write_lines(lines: Iterable[str], chunk: int = 10_000) -> None:
    """Many lines (a retention pass prints one per backup), written a chunk at a time."""
    it = iter(lines)
    while block := list(itertools.islice(it, chunk)):
        sys.stdout.write("\n".join(block) + "\n")


def write_keys(keys: Iterable[str], as_json: bool) -> int:
    """Keys as they stream in (a million of them in flat memory): one per line, or a JSON array
    written element by element."""
    if not as_json:
        write_lines(keys, chunk=1000)
        return 0
    out = sys.stdout
    it = iter(keys)
    first = next(it, None)  # a failure to read says so before anything is printed
    out.write("[" if first is None else "[\n" + json.dumps(first, ensure_ascii=False))
    for key in it:
        out.write(",\n" + json.dumps(key, ensure_ascii=False))
    out.write("\n]\n" if first is not None else "]\n")
    return 0


def print_table(headers: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for i, r in enumerate(cells):
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
        if i == 0:
            sys.stdout.write("  ".join("-" * w for w in widths) + "\n")


def _human(n: float, unit: str) -> str:
    return format_size(n) if unit == "bytes" else f"{int(n):,}"


class TerminalProgress:
    """A progress sink that draws one line on stderr when it is a TTY, and nothing otherwise."""

    def __init__(self, stream=None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._start = time.monotonic()
        self._stage = None
        self._drawn = False

    def __call__(self, state: ProgressState) -> None:
        if not self.enabled:
            return
        if state.stage != self._stage:
            self._stage = state.stage
            self._start = time.monotonic()
        width = 30
        if state.total:
            frac = min(1.0, state.done / state.total)
            bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
            elapsed = time.monotonic() - self._start
            eta = f" ETA {elapsed / frac - elapsed:4.0f}s" if 0.02 < frac < 1 else ""
            line = (f"\r{state.stage:<14.14} [{bar}] {frac * 100:5.1f}% "
                    f"{_human(state.done, state.unit)}/{_human(state.total, state.unit)}{eta}")
        else:
            line = f"\r{state.stage:<14.14} {_human(state.done, state.unit)}"
        self.stream.write(line.ljust(79)[:79])
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


@contextlib.contextmanager
def progress() -> Iterator[Reporter]:
    """A reporter drawing a progress bar on stderr (on a TTY), cleared at the end. Ctrl-C cancels."""
    bar = TerminalProgress()
    try:
        yield Reporter(bar)
    finally:
        bar.close()
