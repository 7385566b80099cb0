"""``account key export``: a printable kit holding an app-held account key (text and QR code).

The kit opens every backup of the account at every destination (the app key wraps the account's
data key in each key object), from any installation. It is made only for app-held keys: an
owner-held key is the owner's, and the app never has it to print.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from core.accounts.keys import format_account_key, parse_account_key
from core.accounts.repository import app_secret_name
from core.errors import InvalidInputError, NotFoundError
from core.support.kit import kit_page, stamp


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
    e = html.escape
    return kit_page(
        title=f"Unitvault account key: {username}", heading="Unitvault account key",
        intro_html=f"<p>Account <strong>{e(username)}</strong> (<code>{e(account_id)}</code>). Created "
                   f"{e(stamp(created))}.</p>\n<p>This sheet opens <strong>every</strong> backup of this account, at "
                   "every destination, from any\nUnitvault installation, even when the computer that made them is "
                   "lost.</p>",
        warning_html="Keep this sheet like a key to the account's data: print it, store it in a safe place,\nand do "
                     "not keep the file on a shared computer.",
        key_heading="Account key", key_text=key_text,
        after_html="""<h2>How to use it</h2>
<ol>
<li>Type the key above into a text file (spaces and line breaks do not matter; a built-in checksum
catches typos), or scan the QR code into one, and save it as <code>account.key</code>.</li>
<li>On the new installation, add the destination and find the backups:<br>
<code>unitvault destination scan DESTINATION</code></li>
<li>Restore with the key:<br>
<code>unitvault backup restore ID --items ... --account-key account.key</code></li>
</ol>""")
