"""Text from outside (a destination, a bundle, a server's error) made safe to show on a terminal or
in a GUI label.

``printable`` escapes every character that could move a cursor, recolour a terminal, hide text or
reorder it: C0 and C1 controls (ESC, so no ANSI sequence survives), DEL, the Unicode line and
paragraph separators, bidirectional overrides and isolates, zero-width and other format characters
(category Cf), and the lone surrogates ``os.fsdecode`` makes of bytes that are not UTF-8. Each is
shown as ``\\xNN`` (below U+0100), ``\\uNNNN`` or ``\\UNNNNNNNN``; bytes are decoded as UTF-8 with the
same escapes for invalid bytes. Long text is cut, with an ellipsis. Everything else is kept, so a
name stays readable and two different names stay different.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SHOWN = 200

# Characters outside Cc/Cf/Cs that still change how a line looks (separators) are listed explicitly.
_EXTRA = "\u2028\u2029"


def _escape_char(ch: str) -> str:
    n = ord(ch)
    if 0xDC80 <= n <= 0xDCFF:          # os.fsdecode's stand-in for an undecodable byte
        return f"\\x{n - 0xDC00:02x}"
    if n < 0x100:
        return f"\\x{n:02x}"
    if n < 0x10000:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def _unsafe(ch: str) -> bool:
    if ch in _EXTRA:
        return True
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


_FAST_SAFE = re.compile(r"[\x20-\x7e]*")


def printable(value, *, limit: int = MAX_SHOWN) -> str:
    """``value`` (str, bytes or anything with ``str()``) as one safe line of at most ``limit``
    characters (plus an ellipsis when cut)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        text = bytes(value).decode("utf-8", "surrogateescape")
    elif isinstance(value, str):
        text = value
    else:
        text = str(value)
    if len(text) > limit * 4:
        text = text[:limit * 4]          # bound the work on hostile input before escaping
        cut = True
    else:
        cut = False
    if _FAST_SAFE.fullmatch(text):
        out = text
    else:
        out = "".join(_escape_char(ch) if _unsafe(ch) else ch for ch in text)
    if len(out) > limit:
        out, cut = out[:limit], True
    return out + "\u2026" if cut else out


def printable_list(values, *, limit: int = MAX_SHOWN) -> list[str]:
    return [printable(v, limit=limit) for v in values]
