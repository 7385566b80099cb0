"""Who may do what: one pure function, ``allowed(actor, action, target)``, asked by the use-case
wrapper before every operation (core/app/usecase.py). It returns a ``Decision`` with the reason a
shell shows when it refuses.

Every action has a rule in ``RULES`` (tests/core/app/test_policy.py fails for a use case without
one). The roles:

- **admin**: everything.
- **helpdesk**: the global "backup" permission: export and import units, run account backups, read
  what that needs; no settings, users, restores or removals.
- **user** (an account owner): the units of their own accounts, and, only in user-configured mode
  when their account's plan enables the Backups module, their own account's backups: their own
  backup settings, backing up, listing, restoring and downloading.

``target`` is the request's description (a ``Target``, a ``str`` with what the wrapper looked up:
the account the request concerns, the unit, the action a queued request stands for, and the
environment: whether users exist, the backup mode, whether backups are enabled at all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.app.actor import ADMIN, HELPDESK, NOBODY, SYSTEM, USER, Actor
from core.errors import UnitvaultError

ADMIN_CONFIGURED, USER_CONFIGURED = "admin-configured", "user-configured"
MODES = (ADMIN_CONFIGURED, USER_CONFIGURED)


class PermissionDenied(UnitvaultError):
    """The signed-in user may not do this."""

    kind = "permission_denied"


class Env:
    """The installation's facts a rule may need: whether users exist, the backup mode, whether backups
    are enabled. ``mode`` and ``backups_enabled`` may be given as functions, read only when a rule asks
    (most operations need neither, so a command that never touches the catalog does not open it)."""

    __slots__ = ("governed", "_mode", "_backups_enabled")

    def __init__(self, governed: bool = False, mode: str | Callable[[], str] = ADMIN_CONFIGURED,
                 backups_enabled: bool | Callable[[], bool] = True):
        self.governed = governed
        self._mode = mode
        self._backups_enabled = backups_enabled

    @property
    def mode(self) -> str:
        if callable(self._mode):
            self._mode = self._mode()
        return self._mode

    @property
    def backups_enabled(self) -> bool:
        if callable(self._backups_enabled):
            self._backups_enabled = bool(self._backups_enabled())
        return self._backups_enabled

    def __repr__(self) -> str:
        return f"Env(governed={self.governed}, mode={self._mode!r}, backups_enabled={self._backups_enabled!r})"


class Target(str):
    """What a request acts on: its text (for the log and the audit) and the facts the policy needs.
    ``account`` is looked up only when a rule asks for it."""

    def __new__(cls, text: str = "", *, account: Callable[[], str | None] | str | None = None,
                unit: str | None = None, via: str | None = None, env: Env | None = None):
        self = super().__new__(cls, text)
        self._account = account
        self.unit = unit
        self.via = via
        self.env = env or Env()
        return self

    @property
    def account(self) -> str | None:
        if callable(self._account):
            try:
                self._account = self._account()
            except Exception:  # noqa: BLE001 - a request about nothing that exists concerns no account
                self._account = None
        return self._account


@dataclass(frozen=True)
class Decision:
    ok: bool
    reason: str = ""
    kind: str = "permission_denied"


ALLOW = Decision(True)

# --- the rules -------------------------------------------------------------------------------------------
PUBLIC = "public"            # anyone, signed in or not (signing in itself)
SIGNED_IN = "signed-in"      # any signed-in user (results are filtered to what they may see)
ADMIN_ONLY = "admin"
BACKUP = "backup"            # admin, helpdesk
OWN = "own"                  # admin, helpdesk; a user for their own account with the Backups module
RESTORE = "restore"          # admin; a user for their own account with the Backups module
OWN_UNIT = "own-unit"        # admin, helpdesk; a user for the units of their own accounts
MODULE = "module"            # a user for their own account with the Backups module (their own backup settings)
VIA = "via"                  # the rule of the action a queued request stands for

# Work the app runs itself (queued items, scheduled jobs' backups): allowed for the system actor.
SYSTEM_RUNS = frozenset({"backup.now", "backup.restore", "backup.download"})
# Starting these needs the user's backup token, and none of them runs while backups are disabled.
BACKUP_STARTS = frozenset({"bundle.export", "backup.now", "backup.download", "job.run", "mybackup.run",
                           "mybackup.run-due"})

RULES: dict[str, str] = {
    # units and bundles
    "unit.list": SIGNED_IN, "unit.revisions": SIGNED_IN,
    "unit.show": OWN_UNIT, "unit.browse": OWN_UNIT, "unit.digest": OWN_UNIT,
    "unit.seed": ADMIN_ONLY, "unit.seed-demo": ADMIN_ONLY, "unit.delete": ADMIN_ONLY,
    "bundle.export": BACKUP, "bundle.export-check": BACKUP, "bundle.inspect": BACKUP, "bundle.verify": BACKUP,
    "import.preview": BACKUP, "import.retarget": BACKUP, "import.changes": BACKUP, "import.apply": BACKUP,
    "import.snapshots": BACKUP, "import.undo-preview": BACKUP, "import.undo": BACKUP,
    # accounts
    "account.list": SIGNED_IN, "account.overview": SIGNED_IN, "account.show": OWN,
    "account.excludes-preview": ADMIN_ONLY, "account.assignable": BACKUP,
    "account.add": ADMIN_ONLY, "account.edit": ADMIN_ONLY, "account.delete": ADMIN_ONLY,
    "account.status": ADMIN_ONLY, "account.reassign": ADMIN_ONLY, "account.key_export": ADMIN_ONLY,
    "account.key_reset": ADMIN_ONLY, "account.notify": ADMIN_ONLY,
    "orphan.list": BACKUP, "orphan.adopt": ADMIN_ONLY,
    # account backups
    "backup.now": BACKUP, "backup.owner_key_needed": BACKUP,
    "backup.list": OWN, "backup.show": OWN, "backup.browse": OWN, "backup.ls": OWN, "backup.verify": OWN,
    "backup.downloads": BACKUP,
    "backup.restore": RESTORE, "backup.restore_changes": RESTORE, "backup.download": RESTORE,
    "backup.forget": ADMIN_ONLY, "backup.lock": ADMIN_ONLY, "backup.retention": ADMIN_ONLY,
    "backup.prune": ADMIN_ONLY,
    "condition.list": SIGNED_IN, "condition.add": ADMIN_ONLY, "condition.remove": ADMIN_ONLY,
    # destinations, jobs, tags, the queue and the scheduler
    "destination.list": BACKUP, "destination.test": BACKUP, "destination.host-key": ADMIN_ONLY,
    "destination.add": ADMIN_ONLY, "destination.remove": ADMIN_ONLY, "destination.scan": ADMIN_ONLY,
    "job.list": BACKUP, "job.show": BACKUP, "job.schedule-preview": SIGNED_IN, "job.retention-preview": BACKUP,
    "job.run": BACKUP, "job.add": ADMIN_ONLY, "job.edit": ADMIN_ONLY, "job.remove": ADMIN_ONLY,
    "tag.list": BACKUP, "tag.add": ADMIN_ONLY, "tag.edit": ADMIN_ONLY, "tag.remove": ADMIN_ONLY,
    "tag.assign": ADMIN_ONLY, "tag.set": ADMIN_ONLY,
    "priority.list": BACKUP, "priority.set": ADMIN_ONLY, "priority.kind": ADMIN_ONLY,
    "queue.add": VIA, "queue.list": SIGNED_IN, "queue.show": BACKUP, "queue.cancel": BACKUP, "queue.retry": BACKUP,
    "queue.run": BACKUP, "queue.settings-show": BACKUP, "queue.settings-set": ADMIN_ONLY,
    "schedule.next": BACKUP, "schedule.run-due": BACKUP,
    # the databases (team mode)
    "db.info": SIGNED_IN, "db.check": ADMIN_ONLY, "db.migrate": ADMIN_ONLY, "db.move-to": ADMIN_ONLY,
    # settings
    "settings.kdf-show": BACKUP, "settings.recovery-show": BACKUP, "settings.backups-show": BACKUP,
    "settings.retention-show": BACKUP,
    "settings.kdf-calibrate": ADMIN_ONLY, "settings.kdf-reset": ADMIN_ONLY, "settings.recovery-create": ADMIN_ONLY,
    "settings.recovery-use": ADMIN_ONLY, "settings.recovery-clear": ADMIN_ONLY, "settings.backups-set": ADMIN_ONLY,
    "settings.retention-set": ADMIN_ONLY,
    "settings.access-show": SIGNED_IN, "settings.access-set": ADMIN_ONLY,
    # users, sessions, tokens
    "user.status": PUBLIC, "user.sign-in": PUBLIC, "user.session-resume": PUBLIC, "user.session-end": PUBLIC,
    "user.whoami": SIGNED_IN, "user.permissions": SIGNED_IN, "user.password": SIGNED_IN, "user.session-start": SIGNED_IN,
    "user.list": ADMIN_ONLY, "user.add": ADMIN_ONLY, "user.edit": ADMIN_ONLY, "user.remove": ADMIN_ONLY,
    "token.status": SIGNED_IN, "token.create": SIGNED_IN, "token.reset": SIGNED_IN, "token.allow-now": ADMIN_ONLY,
    # modes, plans, user-configured backups
    "mode.show": SIGNED_IN, "mode.set": ADMIN_ONLY, "mode.env": ADMIN_ONLY, "mode.apply": ADMIN_ONLY,
    "plan.list": BACKUP, "plan.add": ADMIN_ONLY, "plan.edit": ADMIN_ONLY, "plan.remove": ADMIN_ONLY,
    "plan.assign": ADMIN_ONLY,
    "mybackup.show": MODULE, "mybackup.set": MODULE, "mybackup.destination": MODULE, "mybackup.run": MODULE,
    "mybackup.run-due": MODULE,
    # notifications and the audit log
    "notify.smtp-show": ADMIN_ONLY, "notify.smtp-set": ADMIN_ONLY, "notify.test": ADMIN_ONLY,
    "audit.list": ADMIN_ONLY, "audit.verify": ADMIN_ONLY, "audit.export": ADMIN_ONLY,
}

_ROLE_WORDS = {ADMIN: "an admin", HELPDESK: "a helpdesk user", USER: "a user", SYSTEM: "the scheduler"}


def _deny(actor: Actor, action: str, needs: str) -> Decision:
    return Decision(False, f"{actor.name} is {_ROLE_WORDS.get(actor.role, actor.role)}; {action} needs {needs}.")


def _module(actor: Actor, action: str, target: Target, rule: str) -> Decision:
    """A user's own account, with the Backups module (user-configured mode and the account's plan).
    Their own backup settings (``MODULE``) default to their only account."""
    if target.env.mode != USER_CONFIGURED:
        return Decision(False, "Backups are configured by the admin (admin-configured mode): users cannot configure, "
                               "start or restore them.", "backups_admin_configured")
    account = target.account
    if account is None and rule == MODULE and len(actor.accounts) == 1:
        account = next(iter(actor.accounts))
    if account is None or account not in actor.accounts:
        return Decision(False, f"{actor.name} may do {action} only for their own account.")
    if account not in actor.module_accounts:
        return Decision(False, "The Backups module is not enabled for this account's plan.", "backups_module_disabled")
    return ALLOW


def rule_of(action: str) -> str | None:
    return RULES.get(action)


def allowed(actor: Actor, action: str, target: str = "") -> Decision:
    if not isinstance(target, Target):
        target = Target(target)
    rule = RULES.get(action)
    if rule is None:
        return Decision(False, f"No rule says who may do {action}.")
    if rule == VIA:
        if actor.role == SYSTEM:
            return _deny(actor, action, "a user who may do it")
        if target.via is None or RULES.get(target.via) in (None, VIA):
            return Decision(False, f"No rule says who may queue {target!s}.")
        inner = allowed(actor, target.via, target)
        return inner if not inner.ok else ALLOW
    if rule == PUBLIC:
        return ALLOW
    if actor.role == NOBODY:
        return Decision(False, "Sign in first: this installation has users.", "sign_in_required")
    if action in BACKUP_STARTS and not target.env.backups_enabled:
        return Decision(False, "Backups are disabled by a setting.", "backups_disabled")
    if actor.role == SYSTEM:
        return ALLOW if action in SYSTEM_RUNS else _deny(actor, action, "a user who may do it")
    if actor.role == ADMIN:
        return ALLOW if rule != MODULE else _deny(actor, action, "the account's own user (their own backups)")
    if rule == SIGNED_IN:
        return ALLOW
    if rule == ADMIN_ONLY:
        return _deny(actor, action, "an admin")
    if actor.role == HELPDESK:
        if rule in (BACKUP, OWN, OWN_UNIT):
            return ALLOW
        return _deny(actor, action, "an admin" if rule == RESTORE else "the account's own user")
    if actor.role == USER:
        if rule == OWN_UNIT:
            if target.unit is not None and target.unit in actor.units:
                return ALLOW
            return Decision(False, f"{actor.name} may see only the units of their own accounts.")
        if rule in (OWN, RESTORE, MODULE):
            return _module(actor, action, target, rule)
        return _deny(actor, action, "an admin or a helpdesk user")
    return Decision(False, f"{actor.name} has an unknown role {actor.role!r}.")
