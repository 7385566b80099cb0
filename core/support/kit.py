"""Printable key kits: one page with a key as grouped text and as a QR code, for paper storage.
The recovery kit (core/bundle/kit.py) and the account key kit (core/accounts/kit.py) fill it in."""

from __future__ import annotations

import datetime as _dt
import html

_STYLE = """body { font-family: system-ui, sans-serif; max-width: 44em; margin: 2em auto; color: #111; }
code, .key { font-family: ui-monospace, monospace; }
.key { font-size: 1.15em; word-spacing: .3em; border: 2px solid #111; padding: .8em; margin: 1em 0; }
.warn { border-left: 6px solid #b00; padding: .4em 1em; background: #fee; }
@media print { .noprint { display: none; } body { margin: 0; } }"""


def stamp(created: str | None = None) -> str:
    return created or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def kit_page(*, title: str, heading: str, intro_html: str, warning_html: str, key_heading: str, key_text: str,
             after_html: str) -> str:
    """The page: ``*_html`` parts are trusted markup written by the caller (escape what they embed);
    ``title``, ``heading``, ``key_heading`` and ``key_text`` are escaped here."""
    import segno

    e = html.escape
    qr = segno.make(key_text, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    groups = " ".join(key_text[i:i + 8] for i in range(0, len(key_text), 8))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>\n'
            f"<style>\n{_STYLE}\n</style></head><body>\n<h1>{e(heading)}</h1>\n{intro_html}\n"
            f'<p class="warn">{warning_html}</p>\n<h2>{e(key_heading)}</h2>\n<div class="key">{e(groups)}</div>\n'
            f"<div>{qr}</div>\n{after_html}\n</body></html>\n")
