"""The one wrapper every use case passes through.

A use case is a plain function ``fn(ctx, request, *, actor, reporter) -> Result`` decorated with
``@use_case("area.verb")``. Calling it runs :func:`invoke`, which, for every operation alike:

1. resolves the actor (the signed-in user, ``ctx.actor`` by default, with fresh facts from the
   catalog; nobody when users exist and no one signed in) and the reporter;
2. asks the policy (core/app/policy.py: a pure ``allowed(actor, action, target)``) and refuses with
   ``PermissionDenied`` and its reason;
3. checks the backup token for operations that start a backup, a download or an export
   (core/governance/guard.py; only once users exist);
4. logs the operation and its outcome (never the request's secret fields: they are not in its
   ``target``, and request dataclasses mark them ``repr=False``);
5. runs the function;
6. writes the audit entry (every ``writes=True`` use case, and the reads marked ``audit=True``;
   refusals and failures too) and the notifications (core/governance/notify.py).

``REGISTRY`` lists every use case by action, so a test can check that each one is covered.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core.app import policy
from core.errors import Cancelled, UnitvaultError
from core.logsetup import get_logger
from core.progress import Reporter

log = get_logger("app")


@dataclass(frozen=True)
class UseCase:
    action: str                                    # "unit.delete": area and verb
    fn: Callable[..., Any]
    writes: bool                                   # changes something (audited)
    target: Callable[[Any], str] | None = None     # what the request acts on, for the log, the policy and the audit
    quiet: bool = False                            # a frequent check (a view watching for changes): debug log
    audit: bool | Callable[[Any], bool] | None = None   # None: audited when it writes; a function of the result
    account: Callable[[Any, Any], str | None] | None = None   # (ctx, request) -> the id of the account it concerns
    unit: Callable[[Any], str | None] | None = None           # request -> the unit it concerns
    via: Callable[[Any], str] | None = None        # request -> the action a queued request stands for
    needs_token: Callable[[Any], bool] | None = None   # request -> whether this one starts a backup (default: yes)
    notify: str | None = None                      # "backup" | "restore": the account's email on the outcome
    audit_detail: Callable[[Any], dict] | None = None   # result -> what the audit entry adds (ids, counts)
    stores: bool = False                           # looks after the stores themselves (db check, migrate, move):
                                                   # finding who is signed in must not open, make or migrate them

    def describe(self, request) -> str:
        if self.target is None or request is None:
            return ""
        try:
            return str(self.target(request))
        except Exception:  # a describer must never stop an operation
            return ""

    def audited(self, result=None, *, done: bool = True) -> bool:
        if self.audit is None:
            return self.writes
        if callable(self.audit):
            if not done:
                return True
            try:
                return bool(self.audit(result))
            except Exception:  # when in doubt, audit
                return True
        return bool(self.audit)


REGISTRY: dict[str, UseCase] = {}


def use_case(action: str, *, writes: bool = False, target: Callable[[Any], str] | None = None,
             quiet: bool = False, audit: bool | Callable[[Any], bool] | None = None,
             account: Callable[[Any, Any], str | None] | None = None, unit: Callable[[Any], str | None] | None = None,
             via: Callable[[Any], str] | None = None, needs_token: Callable[[Any], bool] | None = None,
             notify: str | None = None, audit_detail: Callable[[Any], dict] | None = None, stores: bool = False):
    def decorate(fn):
        case = UseCase(action, fn, writes, target, quiet, audit, account, unit, via, needs_token, notify,
                       audit_detail, stores)
        if action in REGISTRY:
            raise RuntimeError(f"use case {action} defined twice")
        REGISTRY[action] = case

        @functools.wraps(fn)
        def run(ctx, request=None, *, actor=None, reporter: Reporter | None = None):
            return invoke(case, ctx, request, actor=actor, reporter=reporter)

        run.use_case = case
        return run

    return decorate


def invoke(case: UseCase, ctx, request, *, actor=None, reporter: Reporter | None = None):
    from core.governance import guard

    reporter = reporter or Reporter()
    actor, governed = guard.resolve(ctx, actor, peek=case.stores)
    text = case.describe(request)
    env = policy.Env(governed) if case.stores else guard.environment(ctx, governed)
    target = guard.target(ctx, case, request, text, env)
    decision = policy.allowed(actor, case.action, target)
    suffix = f" ({text})" if text else ""
    if not decision.ok:
        log.info("refused: %s by %s%s: %s", case.action, actor, suffix, decision.reason)
        if case.audited(done=False):
            guard.record(ctx, case, actor, text, "refused", request, error=decision.reason)
        raise policy.PermissionDenied(decision.reason, kind=decision.kind, data={"action": case.action})
    if guard.needs_token(case, request, actor, governed):
        try:
            guard.check_token(ctx, actor)
        except UnitvaultError as exc:
            log.info("refused: %s by %s%s: %s", case.action, actor, suffix, exc.message)
            guard.record(ctx, case, actor, text, "refused", request, error=exc.message)
            raise
    log.log(logging.DEBUG if case.quiet else logging.INFO, "%s by %s%s", case.action, actor, suffix)
    started = time.monotonic()
    try:
        result = case.fn(ctx, request, actor=actor, reporter=reporter)
    except Cancelled:
        log.info("%s cancelled", case.action)
        if case.audited(done=False):
            guard.record(ctx, case, actor, text, "cancelled", request)
        raise
    except UnitvaultError as exc:
        log.info("%s failed: %s", case.action, exc.message)
        if case.audited(done=False):
            guard.record(ctx, case, actor, text, "failed", request, error=exc.message)
        guard.tell(ctx, case, request, target, False, exc.message)
        raise
    except BaseException as exc:
        log.info("%s stopped: %s", case.action, type(exc).__name__)
        if case.audited(done=False) and isinstance(exc, Exception):
            guard.record(ctx, case, actor, text, "failed", request, error=f"internal error ({type(exc).__name__})")
        raise
    if case.writes or time.monotonic() - started > 1:
        log.info("%s done in %.1f s", case.action, time.monotonic() - started)
    if case.audited(result):
        guard.record(ctx, case, actor, text, "done", request, result=result)
    if result is not None:
        ok = getattr(result, "ok", True)
        guard.tell(ctx, case, request, target, ok if isinstance(ok, bool) else True)
    return result
