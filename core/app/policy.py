"""Who may do what: one pure function, ``allowed(actor, action, target)``, asked by the use-case
wrapper before every operation (core/app/usecase.py). It returns a ``Decision`` with the reason a
shell shows when it refuses. Until users and roles exist, the local admin may do everything."""

from __future__ import annotations

from dataclasses import dataclass

from core.app.actor import ADMIN, Actor
from core.errors import UnitvaultError


class PermissionDenied(UnitvaultError):
    """The signed-in user may not do this."""

    kind = "permission_denied"


@dataclass(frozen=True)
class Decision:
    ok: bool
    reason: str = ""


ALLOW = Decision(True)


def allowed(actor: Actor, action: str, target: str = "") -> Decision:
    if actor.role == ADMIN:
        return ALLOW
    return Decision(False, f"{actor.name} may not do this ({action}).")
