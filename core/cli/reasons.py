"""Asking for a reason: an operation core says needs one (kind ``reason_required``) is asked again
with the reason typed at the prompt, on a terminal; otherwise the error stands (``--reason``)."""

from __future__ import annotations

import sys


def with_reason(call, reason: str | None):
    """``call(reason)``; when core asks for a reason and none was given, prompt once (TTY) and retry."""
    from core.errors import ConfirmationRequired

    try:
        return call(reason)
    except ConfirmationRequired as exc:
        if exc.kind != "reason_required" or reason or not sys.stdin.isatty():
            raise
        sys.stderr.write(exc.message + "\n")
        typed = input("Reason: ").strip()
        if not typed:
            raise
        return call(typed)
