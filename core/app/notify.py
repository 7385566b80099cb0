"""Use cases for notifications: the SMTP settings (host, port, STARTTLS or TLS, a login whose password
lives in the secrets store), and a test message. Who is told what: core/governance/notify.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.app.usecase import use_case
from core.errors import InvalidInputError


@use_case("notify.smtp-show")
def show_smtp(ctx, request=None, *, actor, reporter) -> dict:
    from core.governance import notify

    settings = notify.smtp_settings(ctx)
    return {**settings.as_dict(), "configured": settings.configured,
            "password_set": ctx.secrets.get(notify.SMTP_PASSWORD) is not None}


@dataclass(frozen=True)
class SetSmtp:
    host: str | None = None            # "" clears the server (no mail is sent)
    port: int | None = None
    security: str | None = None        # starttls | tls | none
    username: str | None = None        # "" clears the login
    sender: str | None = None
    ca_file: str | None = None         # "" clears it
    password: str | None = field(default=None, repr=False)
    clear_password: bool = False


@use_case("notify.smtp-set", writes=True, target=lambda r: ", ".join(
    f"{k}={v}" for k, v in (("host", r.host), ("port", r.port), ("security", r.security), ("username", r.username),
                            ("sender", r.sender), ("ca_file", r.ca_file)) if v is not None)
    + (", password" if r.password else "") + (", password cleared" if r.clear_password else ""))
def set_smtp(ctx, req: SetSmtp, *, actor, reporter) -> dict:
    import os
    import re

    from core.catalog.users import check_email
    from core.governance import notify
    from core.governance.mailer import SECURITY
    from core.logsetup import register_secret

    if req.security is not None and req.security not in SECURITY:
        raise InvalidInputError(f"Unknown security {req.security!r}.", hint="Use starttls, tls or none.")
    if req.port is not None and not 0 < req.port < 65536:
        raise InvalidInputError("The port is a number from 1 to 65535.")
    if req.host and not re.fullmatch(r"[A-Za-z0-9.:\[\]-]{1,253}", req.host):
        raise InvalidInputError(f"Invalid host name {req.host!r}.")
    if req.sender is not None and not check_email(req.sender):
        raise InvalidInputError("The sender needs an email address.")
    if req.ca_file and not os.path.isfile(req.ca_file):
        raise InvalidInputError(f"The CA file {req.ca_file} does not exist.")
    s = ctx.catalog.settings
    with ctx.catalog.write() as c:
        for key, value in (("host", req.host), ("port", req.port), ("security", req.security),
                           ("username", req.username), ("sender", req.sender),
                           ("ca_file", os.path.abspath(req.ca_file) if req.ca_file else req.ca_file)):
            if value is not None:
                s.set(notify.KEYS[key], value if value != "" else None, c)
    if req.password:
        register_secret(req.password)
        ctx.secrets.set(notify.SMTP_PASSWORD, req.password.encode("utf-8"))
    elif req.clear_password:
        ctx.secrets.delete(notify.SMTP_PASSWORD)
    return show_smtp.__wrapped__(ctx, None, actor=actor, reporter=reporter)


@dataclass(frozen=True)
class TestMail:
    to: tuple[str, ...] = ()           # default: every admin with an address


@use_case("notify.test", writes=True, target=lambda r: ", ".join(r.to) or "admins")
def test_mail(ctx, req: TestMail, *, actor, reporter):
    """Send a test message now; a failure is the error (unlike notifications, which never fail an
    operation). Returns core.governance.notify.Sent."""
    from core.catalog.users import check_email
    from core.governance import notify

    to = [check_email(a) for a in req.to] or notify.admin_addresses(ctx)
    if not to:
        raise InvalidInputError("Nobody to send to: give an address, or give an admin an email address.",
                                kind="no_recipients")
    return notify.mail(ctx, to, "Unitvault: test message",
                       f"This is a test message from Unitvault, sent by {actor.name}.\n", raise_errors=True)
