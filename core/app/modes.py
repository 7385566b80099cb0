"""Use cases for the two backup modes (after OpenPanel's), plans, and the access settings.

- **admin-configured** (the default): the admin's ``backups.env`` in the home
  (core/governance/backups_env.py) becomes the job ``backups.env``, kept in step with the file
  whenever the mode is set, ``mode apply`` runs, or the scheduler runs; users cannot configure,
  start or restore backups.
- **user-configured**: the admin enables the Backups module per plan (a named feature set assigned
  to accounts); the users of those accounts choose their own destination, schedule, items and
  resource limits (core/app/mybackups.py), and may start a backup at any time. The ``backups.env``
  job is disabled.

Access settings: whether backups may run at all, how long a password-less user's new token waits,
and how long a CLI session lasts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.app.policy import ADMIN_CONFIGURED, MODES, USER_CONFIGURED
from core.app.usecase import use_case
from core.errors import InvalidInputError, UnitvaultError


# --- backups.env -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnvCheck:
    path: str
    exists: bool
    config: object | None        # core.governance.backups_env.AdminBackups
    problems: tuple              # core.governance.backups_env.Problem

    @property
    def ok(self) -> bool:
        return self.exists and not self.problems

    def to_json(self) -> dict:
        return {"path": self.path, "exists": self.exists, "ok": self.ok,
                "config": self.config.as_dict() if self.config else None,
                "problems": [{"line": p.line, "message": p.message} for p in self.problems]}


def env_template() -> str:
    """A commented backups.env to start from."""
    from core.governance.backups_env import TEMPLATE

    return TEMPLATE


def env_path(ctx):
    from core.governance.backups_env import FILE_NAME

    return ctx.home.root / FILE_NAME


def check_env(ctx) -> EnvCheck:
    """The file parsed, then what it names looked up (the destination, the accounts or tag), every
    problem with its line number."""
    from core.governance import backups_env
    from core.governance.backups_env import Problem

    path = env_path(ctx)
    parsed = backups_env.read(path)
    if parsed is None:
        return EnvCheck(str(path), False, None, ())
    if not parsed.ok:
        return EnvCheck(str(path), True, None, parsed.problems)
    config = parsed.config
    problems = []
    if ctx.catalog.destinations.find(config.destination) is None:
        problems.append(Problem(config.lines.get("DESTINATION"), f"DESTINATION: there is no destination named "
                                                                  f"{config.destination!r}"))
    if config.accounts.startswith("tag:"):
        if ctx.catalog.tags.find(config.accounts[4:]) is None:
            problems.append(Problem(config.lines.get("ACCOUNTS"), f"ACCOUNTS: there is no tag {config.accounts[4:]!r}"))
    elif config.accounts != "all":
        missing = [n for n in config.accounts.split(",") if ctx.catalog.accounts.find(n) is None]
        if missing:
            problems.append(Problem(config.lines.get("ACCOUNTS"), f"ACCOUNTS: there is no account named "
                                                                   f"{missing[0]!r}"))
    return EnvCheck(str(path), True, config if not problems else None, tuple(problems))


@use_case("mode.env")
def show_env(ctx, request=None, *, actor, reporter) -> EnvCheck:
    return check_env(ctx)


@dataclass(frozen=True)
class EnvApplied:
    check: EnvCheck
    job: object | None           # core.catalog.jobs.Job, when the file is in use
    changed: bool

    @property
    def ok(self) -> bool:
        return self.check.ok

    def to_json(self) -> dict:
        return {**self.check.to_json(), "job": self.job.as_dict() if self.job else None, "changed": self.changed}


def sync_env(ctx) -> EnvApplied:
    """Make the job ``backups.env`` what the file says (admin-configured mode), or disable it (the
    other mode, no file, or a file with problems: the scheduler never runs half a configuration)."""
    from core.catalog.jobs import Job
    from core.governance import guard
    from core.governance.backups_env import JOB_NAME
    from core.jobs.schedule import local_timezone, parse

    check = check_env(ctx)
    jobs = ctx.catalog.jobs
    current = jobs.find(JOB_NAME)
    use = check.ok and guard.mode(ctx) == ADMIN_CONFIGURED
    if not use:
        if current is not None and current.enabled:
            from dataclasses import replace

            current = jobs.update(replace(current, enabled=False))
            return EnvApplied(check, current, True)
        return EnvApplied(check, current, False)
    c = check.config
    accounts = ({"all": True} if c.accounts == "all" else {"tag": c.accounts[4:]} if c.accounts.startswith("tag:")
                else {"usernames": sorted(c.accounts.split(","))})
    tz = c.timezone or local_timezone()
    schedule = parse(c.schedule, tz).spec
    now = ctx.catalog.now()
    wanted = Job(JOB_NAME, c.destination, tuple(c.items), accounts, schedule, tz, c.keep_last, c.keep_daily,
                 c.keep_weekly, c.keep_monthly, c.enabled, current.last_scheduled if current else None,
                 current.created_at if current else now, now)
    if current is None:
        return EnvApplied(check, jobs.add(wanted), True)
    same = (current.destination, current.items, current.accounts, current.schedule, current.timezone,
            current.keep_last, current.keep_daily, current.keep_weekly, current.keep_monthly, current.enabled) == \
           (wanted.destination, wanted.items, wanted.accounts, wanted.schedule, wanted.timezone, wanted.keep_last,
            wanted.keep_daily, wanted.keep_weekly, wanted.keep_monthly, wanted.enabled)
    if same:
        return EnvApplied(check, current, False)
    return EnvApplied(check, jobs.update(wanted), True)


class EnvProblems(InvalidInputError):
    """backups.env has problems; ``details`` has one line each."""

    kind = "backups_env_invalid"


@use_case("mode.apply", writes=True, audit_detail=lambda r: {"changed": r.changed})
def apply_env(ctx, request=None, *, actor, reporter) -> EnvApplied:
    """Put backups.env in use now (the scheduler also does at each run); refused with every problem
    and its line when the file is not right."""
    from core.governance import guard

    if guard.mode(ctx) != ADMIN_CONFIGURED:
        raise InvalidInputError("backups.env is used only in admin-configured mode.", kind="not_admin_configured")
    applied = sync_env(ctx)
    if not applied.check.exists:
        raise InvalidInputError(f"There is no {applied.check.path}.", kind="backups_env_missing",
                                data={"path": applied.check.path})
    if applied.check.problems:
        raise EnvProblems(f"{applied.check.path} has {len(applied.check.problems)} problem"
                          f"{'s' if len(applied.check.problems) != 1 else ''}; it is not used until they are fixed.",
                          details=[str(p) for p in applied.check.problems])
    return applied


# --- the mode ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModeInfo:
    mode: str
    backups_enabled: bool
    env: EnvCheck
    plans: list                  # core.catalog.plans.Plan
    account_plans: dict = field(default_factory=dict)   # account username -> its plan's name (None: no plan),
                                                        # for the accounts the asker may see

    def to_json(self) -> dict:
        return {"mode": self.mode, "backups_enabled": self.backups_enabled, "backups_env": self.env.to_json(),
                "plans": [p.as_dict() for p in self.plans], "account_plans": dict(self.account_plans)}


def _account_plans(ctx, actor) -> dict:
    """Each account's plan: every account for admins and helpdesk users, a user's own for a user."""
    from core.app.actor import ADMIN, HELPDESK

    everyone = actor is None or actor.role in (ADMIN, HELPDESK)
    plans = ctx.catalog.plans.account_plans()
    return {a.username: plans.get(a.id) for a in ctx.catalog.accounts.list()
            if everyone or a.id in actor.accounts}


def _mode_info(ctx, actor=None) -> ModeInfo:
    from core.governance import guard

    return ModeInfo(guard.mode(ctx), guard.backups_enabled(ctx), check_env(ctx), ctx.catalog.plans.list(),
                    _account_plans(ctx, actor))


@use_case("mode.show")
def show_mode(ctx, request=None, *, actor, reporter) -> ModeInfo:
    return _mode_info(ctx, actor)


@dataclass(frozen=True)
class SetMode:
    mode: str
    reason: str | None = None


@use_case("mode.set", writes=True, target=lambda r: r.mode)
def set_mode(ctx, req: SetMode, *, actor, reporter) -> ModeInfo:
    from core.governance import guard

    if req.mode not in MODES:
        raise InvalidInputError(f"Unknown mode {req.mode!r}.", hint=f"Use {' or '.join(MODES)}.", kind="invalid_mode")
    ctx.catalog.settings.set(guard.MODE_KEY, req.mode)
    try:
        sync_env(ctx)
    except UnitvaultError as exc:     # the mode is set; the file's problems are shown by mode show
        from core.logsetup import get_logger

        get_logger("modes").warning("backups.env not applied: %s", exc.message)
    return _mode_info(ctx, actor)


# --- plans -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlanSpec:
    name: str
    backups: bool = False        # the Backups module (user-configured mode)


@use_case("plan.list")
def list_plans(ctx, request=None, *, actor, reporter) -> list:
    return ctx.catalog.plans.list()


@use_case("plan.add", writes=True, target=lambda r: f"{r.name} (backups {'on' if r.backups else 'off'})")
def add_plan(ctx, req: PlanSpec, *, actor, reporter):
    return ctx.catalog.plans.add(req.name, req.backups)


@use_case("plan.edit", writes=True, target=lambda r: f"{r.name} (backups {'on' if r.backups else 'off'})")
def edit_plan(ctx, req: PlanSpec, *, actor, reporter):
    return ctx.catalog.plans.set_backups(req.name, req.backups)


@dataclass(frozen=True)
class PlanRef:
    name: str


@use_case("plan.remove", writes=True, target=lambda r: r.name)
def remove_plan(ctx, req: PlanRef, *, actor, reporter) -> None:
    ctx.catalog.plans.remove(req.name)


@dataclass(frozen=True)
class AssignPlan:
    account: str
    plan: str | None             # None: no plan


@use_case("plan.assign", writes=True, target=lambda r: f"{r.account} -> {r.plan or '(none)'}")
def assign_plan(ctx, req: AssignPlan, *, actor, reporter):
    """Returns core.catalog.plans.AccountGovernance."""
    account = ctx.catalog.accounts.get(req.account)
    return ctx.catalog.plans.set_account(account.id, plan=req.plan)


@dataclass(frozen=True)
class AccountNotify:
    account: str
    notify: str                  # all | failures | none


@use_case("account.notify", writes=True, target=lambda r: f"{r.account}: {r.notify}")
def set_account_notify(ctx, req: AccountNotify, *, actor, reporter):
    """Which of the account's backup and restore outcomes are emailed to its address."""
    account = ctx.catalog.accounts.get(req.account)
    return ctx.catalog.plans.set_account(account.id, notify=req.notify)


# --- access settings ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccessSettings:
    backups_enabled: bool
    token_wait_hours: int
    session_hours: int

    def to_json(self) -> dict:
        return {"backups_enabled": self.backups_enabled, "token_wait_hours": self.token_wait_hours,
                "session_hours": self.session_hours}


def _access(ctx) -> AccessSettings:
    from core.app.tokens import wait_hours
    from core.governance import guard

    return AccessSettings(guard.backups_enabled(ctx), wait_hours(ctx),
                          ctx.catalog.settings.get_int(guard.SESSION_HOURS_KEY, guard.DEFAULT_SESSION_HOURS))


@use_case("settings.access-show")
def show_access(ctx, request=None, *, actor, reporter) -> AccessSettings:
    return _access(ctx)


@dataclass(frozen=True)
class SetAccess:
    backups_enabled: bool | None = None
    token_wait_hours: int | None = None
    session_hours: int | None = None
    reason: str | None = None


@use_case("settings.access-set", writes=True, target=lambda r: ", ".join(
    f"{k}={v}" for k, v in (("backups_enabled", r.backups_enabled), ("token_wait_hours", r.token_wait_hours),
                            ("session_hours", r.session_hours)) if v is not None))
def set_access(ctx, req: SetAccess, *, actor, reporter) -> AccessSettings:
    from core.governance import guard

    s = ctx.catalog.settings
    if req.token_wait_hours is not None and not 0 <= req.token_wait_hours <= 24 * 30:
        raise InvalidInputError("The waiting period of a token is 0 to 720 hours.")
    if req.session_hours is not None and not 1 <= req.session_hours <= 24 * 30:
        raise InvalidInputError("A session lasts 1 to 720 hours.")
    with ctx.catalog.write() as c:
        if req.backups_enabled is not None:
            s.set(guard.BACKUPS_ENABLED_KEY, "1" if req.backups_enabled else "0", c)
        if req.token_wait_hours is not None:
            s.set(guard.TOKEN_WAIT_KEY, req.token_wait_hours, c)
        if req.session_hours is not None:
            s.set(guard.SESSION_HOURS_KEY, req.session_hours, c)
    return _access(ctx)


__all__ = ["ADMIN_CONFIGURED", "USER_CONFIGURED", "MODES"]
