"""The printable recovery kit (HTML with the private key as text and as a QR code)."""

from __future__ import annotations

import html

from core.bundle.keys import format_private_key, format_public_key
from core.support.kit import kit_page, stamp


def recovery_kit_html(private: bytes, public: bytes, *, created: str | None = None) -> str:
    e = html.escape
    pub = format_public_key(public)
    return kit_page(
        title="Unitvault recovery kit", heading="Unitvault recovery kit",
        intro_html=f"<p>Created {e(stamp(created))}. This sheet opens <strong>every</strong> bundle exported while "
                   "its public key\nwas configured, even when the bundle's password is lost.</p>",
        warning_html="Keep this sheet like a master key: print it, store it in a safe, and delete the\n"
                     "<code>recovery.key</code> file from any computer that does not need it. Unitvault never stores it.",
        key_heading="Recovery key (private)", key_text=format_private_key(private),
        after_html=f"""<h2>How to use it</h2>
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
<p class="key">{e(pub)}</p>""")
