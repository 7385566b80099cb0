"""Who is asking: the signed-in user every use case receives.

A fresh home with no users runs single-user: the one actor is the local admin (whoever runs the app
on this machine). Once a user exists, a shell signs someone in (core/app/users.py) and puts the
actor on the context; the wrapper (core/app/usecase.py) refreshes its facts from the catalog before
every operation (a role changed by an admin applies at once) and treats the implicit local admin as
nobody (``ANONYMOUS``), who may only sign in.

``SYSTEM`` is the app itself running work someone was allowed to start earlier: a queued item or a
scheduled job's backup (the policy lets it run only those).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ADMIN, HELPDESK, USER = "admin", "helpdesk", "user"
SYSTEM, NOBODY = "system", "nobody"
ROLES = (ADMIN, HELPDESK, USER)


@dataclass(frozen=True)
class Actor:
    name: str
    role: str = ADMIN
    user_id: str | None = None                  # None: the local admin, the system, or nobody
    accounts: frozenset[str] = frozenset()      # ids of the accounts a user owns
    units: frozenset[str] = frozenset()         # the units of those accounts
    module_accounts: frozenset[str] = frozenset()   # those whose plan enables the Backups module (user-configured)
    password_less: bool = False
    vault_key: bytes | None = field(default=None, repr=False, compare=False)   # from the password at sign-in

    def __str__(self) -> str:
        return self.name

    @property
    def signed_in(self) -> bool:
        return self.role != NOBODY


LOCAL_ADMIN = Actor("local-admin", ADMIN)
ANONYMOUS = Actor("nobody", NOBODY)


def system_actor(name: str = "scheduler") -> Actor:
    """The app running a queued item or a scheduled job (name: what it runs for, for the log)."""
    return Actor(name, SYSTEM)
