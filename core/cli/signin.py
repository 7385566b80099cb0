"""Who runs this command: ``--user USERNAME`` (its password from ``--user-password-file``,
``UNITVAULT_USER_PASSWORD`` or a prompt; a password-less user only under the OS login of the same
name), else this home's open session, else a password-less user named like the OS login. A home
with no users needs none of this (the local admin). Everything is decided in core/app/users.py."""

from __future__ import annotations


def sign_in(args, ctx) -> None:
    from core.app import users
    from core.cli.passwords import user_password

    name = getattr(args, "sign_in_user", None)
    if name:
        status = users.access_status(ctx)
        password = None if status.os_user == name else user_password(args)
        ctx.actor = users.sign_in(ctx, users.SignIn(name, password))
        return
    if getattr(args, "user_password_file", None):
        from core.errors import InvalidInputError

        raise InvalidInputError("A user password was given without a user.", hint="Add --user USERNAME.")
    actor = users.resume_session(ctx)
    if actor is not None:
        ctx.actor = actor
