"""Who is asking: the signed-in user every use case receives. Until users and roles exist, the one
actor is the local admin (whoever runs the app on this machine)."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    name: str
    role: str = ADMIN

    def __str__(self) -> str:
        return self.name


LOCAL_ADMIN = Actor("local-admin", ADMIN)
