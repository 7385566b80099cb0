"""``account key export``: a printable kit holding an app-held account key (text and QR code).

The kit opens every backup of the account at every destination (the app key wraps the account's
data key in each key object), from any installation. It is made only for app-held keys: an
owner-held key is the owner's, and the app never has it to print.
"""

from __future__ import annotations

import datetime as _dt
import html
from dataclasses import dataclass, field

from core.accounts.keys import format_account_key, parse_account_key
from core.accounts.repository import app_secret_name
from core.errors import InvalidInputError, NotFoundError


@dataclass(frozen=True)
class AccountKeyKit:
    username: str
    account_id: str
    html: str = field(repr=False)


def account_key_kit(ctx, account_name: str, *, created: str | None = None) -> AccountKeyKit:
    account = ctx.catalog.accounts.get(account_name)
    if account.encryption != "app":
        raise InvalidInputError(f"The key of account {account.username} is held by its owner; the app has no "
                                "copy to export.", kind="owner_key_not_exportable")
    key = ctx.secrets.get(app_secret_name(account.id))
    if key is None or len(key) != 32:
        raise NotFoundError(f"This installation holds no key for account {account.username} yet (it is made by "
                            "the first backup).", kind="account_key_not_made")
    from core.logsetup import register_secret

    text = format_account_key(key)
    register_secret(text)
    return AccountKeyKit(account.username, account.id, _kit_html(account.username, account.id, text, created))


def parse_account_key_text(text: str) -> bytes:
    return parse_account_key(text)


def _kit_html(username: str, account_id: str, key_text: str, created: str | None) -> str:
    import segno

    created = created or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    qr = segno.make(key_text, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    groups = " ".join(key_text[i:i + 8] for i in range(0, len(key_text), 8))
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Unitvault account key: {e(username)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 44em; margin: 2em auto; color: #111; }}
code, .key {{ font-family: ui-monospace, monospace; }}
.key {{ font-size: 1.15em; word-spacing: .3em; border: 2px solid #111; padding: .8em; margin: 1em 0; }}
.warn {{ border-left: 6px solid #b00; padding: .4em 1em; background: #fee; }}
@media print {{ .noprint {{ display: none; }} body {{ margin: 0; }} }}
</style></head><body>
<h1>Unitvault account key</h1>
<p>Account <strong>{e(username)}</strong> (<code>{e(account_id)}</code>). Created {e(created)}.</p>
<p>This sheet opens <strong>every</strong> backup of this account, at every destination, from any
Unitvault installation, even when the computer that made them is lost.</p>
<p class="warn">Keep this sheet like a key to the account's data: print it, store it in a safe place,
and do not keep the file on a shared computer.</p>
<h2>Account key</h2>
<div class="key">{e(groups)}</div>
<div>{qr}</div>
<h2>How to use it</h2>
<ol>
<li>Type the key above into a text file (spaces and line breaks do not matter; a built-in checksum
catches typos), or scan the QR code into one, and save it as <code>account.key</code>.</li>
<li>On the new installation, add the destination and find the backups:<br>
<code>unitvault destination scan DESTINATION</code></li>
<li>Restore with the key:<br>
<code>unitvault backup restore ID --items ... --account-key account.key</code></li>
</ol>
</body></html>
"""
