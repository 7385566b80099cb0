"""File names as text that is always valid UTF-8 (results, ``--json``, logs); see docs/file-names.md.

A name (or a relative path) is bytes on disk and in a backup. Shown as text: valid UTF-8 stays as it
is; each byte that is not part of valid UTF-8 becomes ``\\xHH`` (two lowercase hex digits) and each
backslash becomes ``\\\\``. A name that is valid UTF-8 and holds no backslash is unchanged (nearly
every name), and ``unescape_name`` gives the exact bytes back.
"""

from __future__ import annotations

import os
import re

_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def escape_name(name: bytes | str) -> str:
    """``name`` (bytes, or a str from ``os.fsdecode``) as valid UTF-8 text, reversibly escaped."""
    raw = os.fsencode(name) if isinstance(name, str) else bytes(name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and "\\" not in text:
        return text
    out = []
    for ch in raw.decode("utf-8", "surrogateescape"):
        if ch == "\\":
            out.append("\\\\")
        elif "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch)
    return "".join(out)


def unescape_name(text: str) -> bytes:
    """The bytes ``escape_name`` was given. Raises ValueError on a backslash that is not an escape."""
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        chunk = text[pos:m.start()]
        if "\\" in chunk:
            raise ValueError("a backslash that is not an escape")
        out += chunk.encode("utf-8")
        token = m.group(1)
        out += b"\\" if token == "\\" else bytes([int(token[1:], 16)])
        pos = m.end()
    rest = text[pos:]
    if "\\" in rest:
        raise ValueError("a backslash that is not an escape")
    out += rest.encode("utf-8")
    return bytes(out)
