"""Email through the organisation's SMTP server (the standard library's smtplib): plain SMTP,
STARTTLS, or TLS from the first byte; a login when a user name is set (its password comes from the
secrets store). Certificates are checked against the system's CAs, or a CA file of the settings' for a
private server. A message never holds a secret: tokens, keys and passwords are never mailed."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core.errors import UnitvaultError

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class MailError(UnitvaultError):
    """A message could not be sent (the operation it reports on is not affected)."""

    kind = "mail_failed"


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None
    port: int | None = None
    security: str = "starttls"
    username: str | None = None
    sender: str = "unitvault@localhost"
    ca_file: str | None = None
    timeout: float = 15.0

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS.get(self.security, 25)

    def as_dict(self) -> dict:
        return {"host": self.host, "port": self.effective_port, "security": self.security,
                "username": self.username, "sender": self.sender, "ca_file": self.ca_file}


def build_message(sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="unitvault.invalid")
    msg.set_content(body)
    return msg


def send(settings: SmtpSettings, password: str | None, to: list[str], subject: str, body: str) -> None:
    """Send one message to ``to``; raises MailError (naming the server, never a secret) when it fails."""
    if not settings.configured:
        raise MailError("No mail server is configured.", kind="smtp_not_configured")
    if not to:
        return
    msg = build_message(settings.sender, to, subject, body)
    context = ssl.create_default_context(cafile=settings.ca_file or None)
    where = f"{settings.host}:{settings.effective_port}"
    try:
        if settings.security == "tls":
            smtp = smtplib.SMTP_SSL(settings.host, settings.effective_port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.effective_port, timeout=settings.timeout)
        with smtp:
            smtp.ehlo()
            if settings.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.username:
                smtp.login(settings.username, password or "")
            smtp.send_message(msg)
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"The mail server {where} refused the login of {settings.username!r}.",
                        kind="smtp_login_refused") from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(f"The mail server {where} does not offer what the settings ask for (STARTTLS or login).",
                        kind="smtp_unsupported") from None
    except ssl.SSLError as exc:
        raise MailError(f"The TLS connection to the mail server {where} failed ({exc.reason or type(exc).__name__}).",
                        kind="smtp_tls_failed") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"The mail to {', '.join(to)} could not be sent through {where} ({type(exc).__name__}).",
                        kind="mail_failed") from None
