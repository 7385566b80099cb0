"""Who is told what: email to every admin when a backup token is made or reset; email to an account's
address when its backup or restore succeeds or fails (as the account's choice says: all, failures,
none); and notices for the desktop (core.events), which shows them as desktop notifications.

Sending never changes an operation's outcome: a mail that cannot be sent is logged, and the caller
is told (``Sent``)."""

from __future__ import annotations

from dataclasses import dataclass

from core.logsetup import get_logger

log = get_logger("notify")

SMTP_PASSWORD = "smtp-password"           # the secret's name in the secrets store
KEYS = {"host": "smtp/host", "port": "smtp/port", "security": "smtp/security", "username": "smtp/username",
        "sender": "smtp/sender", "ca_file": "smtp/ca_file"}


@dataclass(frozen=True)
class Sent:
    recipients: tuple[str, ...] = ()
    problem: str = ""          # why nothing (or not everything) was sent

    @property
    def ok(self) -> bool:
        return not self.problem

    def as_dict(self) -> dict:
        return {"recipients": list(self.recipients), "problem": self.problem}


def smtp_settings(ctx):
    from core.governance.mailer import SmtpSettings

    s = ctx.catalog.settings
    port = s.get(KEYS["port"])
    return SmtpSettings(host=s.get(KEYS["host"]) or None, port=int(port) if port and port.isdigit() else None,
                        security=s.get(KEYS["security"]) or "starttls", username=s.get(KEYS["username"]) or None,
                        sender=s.get(KEYS["sender"]) or "unitvault@localhost", ca_file=s.get(KEYS["ca_file"]) or None)


def mail(ctx, to: list[str], subject: str, body: str, *, raise_errors: bool = False) -> Sent:
    from core.governance.mailer import MailError, send

    to = sorted({a for a in to if a})
    settings = smtp_settings(ctx)
    if not to:
        return Sent((), "Nobody to tell: no address is set.")
    if not settings.configured:
        return Sent((), "No mail server is configured.")
    password = None
    if settings.username:
        raw = ctx.secrets.get(SMTP_PASSWORD)
        password = raw.decode("utf-8") if raw else None
        if password:
            from core.logsetup import register_secret

            register_secret(password)
    try:
        send(settings, password, to, subject, body)
    except MailError as exc:
        log.warning("mail not sent: %s", exc.message)
        if raise_errors:
            raise
        return Sent((), exc.message)
    log.info("mail sent to %s: %s", ", ".join(to), subject)
    return Sent(tuple(to))


def admin_addresses(ctx) -> list[str]:
    return [u.email for u in ctx.catalog.users.list() if u.role == "admin" and u.email]


def token_changed(ctx, user, *, reset: bool, by: str, valid_from: str, now: str) -> Sent:
    """Every admin hears of every backup token made or reset (never the token itself)."""
    what = "reset" if reset else "created"
    delayed = valid_from > now
    body = (f"A backup token was {what} for user {user.username} ({user.role}) at {now} by {by}.\n\n"
            + (f"It was made without a password, so it becomes valid at {valid_from} unless an admin allows it "
               "now.\n" if delayed else "It is valid now.\n")
            + ("The previous token no longer works.\n" if reset else "")
            + "\nIf nobody expected this, reset the token and look at the audit log.\n")
    return mail(ctx, admin_addresses(ctx), f"Unitvault: backup token {what} for {user.username}", body)


def account_outcome(ctx, what: str, account_id: str | None, ok: bool, target: str, error: str = "") -> Sent:
    """A backup's or restore's outcome to the account's own address, when its choice asks for it."""
    if not account_id:
        return Sent((), "No account.")
    account = ctx.catalog.accounts.find(account_id)
    if account is None or not account.email:
        return Sent((), "The account has no email address.")
    choice = ctx.catalog.plans.of_account(account.id).notify
    if choice == "none" or (choice == "failures" and ok):
        return Sent((), f"The account's choice is {choice}.")
    outcome = "succeeded" if ok else "failed"
    body = (f"The {what} of account {account.username} {outcome}.\n\n{what.capitalize()}: {target}\n"
            + (f"Reason: {error}\n" if error else ""))
    return mail(ctx, [account.email], f"Unitvault: {what} of {account.username} {outcome}", body)


@dataclass(frozen=True)
class Notice:
    """What the desktop shows as a notification when an operation worth telling ends."""
    action: str
    title: str
    message: str
    ok: bool


TITLES = {"backup.now": "Backup", "backup.restore": "Restore", "backup.download": "Download",
          "bundle.export": "Export", "import.apply": "Import", "mybackup.run": "Backup",
          "token.create": "Backup token", "token.reset": "Backup token"}


def publish(action: str, target: str, ok: bool, error: str = "") -> None:
    from core import events

    title = TITLES.get(action)
    if title is None:
        return
    message = f"{title} {'finished' if ok else 'failed'}: {target}" + (f". {error}" if error else "")
    events.publish_notice(Notice(action, f"{title} {'finished' if ok else 'failed'}", message, ok))
