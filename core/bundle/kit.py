"""The printable recovery kit (HTML with the private key as text and as a QR code)."""

from __future__ import annotations

import datetime as _dt
import html

from core.bundle.keys import format_private_key, format_public_key


def recovery_kit_html(private: bytes, public: bytes, *, created: str | None = None) -> str:
    import segno

    created = created or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sec = format_private_key(private)
    pub = format_public_key(public)
    qr = segno.make(sec, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    groups = " ".join(sec[i:i + 8] for i in range(0, len(sec), 8))
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Unitvault recovery kit</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 44em; margin: 2em auto; color: #111; }}
code, .key {{ font-family: ui-monospace, monospace; }}
.key {{ font-size: 1.15em; word-spacing: .3em; border: 2px solid #111; padding: .8em; margin: 1em 0; }}
.warn {{ border-left: 6px solid #b00; padding: .4em 1em; background: #fee; }}
@media print {{ .noprint {{ display: none; }} body {{ margin: 0; }} }}
</style></head><body>
<h1>Unitvault recovery kit</h1>
<p>Created {e(created)}. This sheet opens <strong>every</strong> bundle exported while its public key
was configured, even when the bundle's password is lost.</p>
<p class="warn">Keep this sheet like a master key: print it, store it in a safe, and delete the
<code>recovery.key</code> file from any computer that does not need it. Unitvault never stores it.</p>
<h2>Recovery key (private)</h2>
<div class="key">{e(groups)}</div>
<div>{qr}</div>
<h2>How to use it</h2>
<ol>
<li>Type the key above into a text file (spaces and line breaks do not matter; a built-in checksum
catches typos), or scan the QR code into one, and save it as <code>recovery.key</code>.</li>
<li>Inspect or import the bundle with the key instead of its password:<br>
<code>unitvault inspect BUNDLE.uvault --recovery-key recovery.key</code><br>
<code>unitvault import BUNDLE.uvault --recovery-key recovery.key ...</code></li>
</ol>
<h2>Public key (safe to share)</h2>
<p>Exports add a recovery slot for this key once it is configured with
<code>unitvault recovery-key use recovery.pub</code>:</p>
<p class="key">{e(pub)}</p>
</body></html>
"""
