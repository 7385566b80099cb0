"""The one wrapper every use case passes through.

A use case is a plain function ``fn(ctx, request, *, actor, reporter) -> Result`` decorated with
``@use_case("area.verb")``. Calling it runs :func:`invoke`, which, for every operation alike:

1. resolves the actor (the signed-in user; ``ctx.actor`` by default) and the reporter;
2. asks the policy (core/app/policy.py: a pure ``allowed(actor, action, target)``) and refuses with
   ``PermissionDenied`` and its reason;
3. logs the operation and its outcome (never the request's secret fields: they are not in its
   ``target``, and request dataclasses mark them ``repr=False``);
4. runs the function.

Cross-cutting rules (audit entries, queueing) attach here, once, not in the use cases or the shells.
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
    writes: bool                                   # changes something (an audit entry will follow)
    target: Callable[[Any], str] | None = None     # what the request acts on, for the log and the policy
    quiet: bool = False                            # a frequent check (a view watching for changes): debug log

    def describe(self, request) -> str:
        if self.target is None or request is None:
            return ""
        try:
            return str(self.target(request))
        except Exception:  # a describer must never stop an operation
            return ""


REGISTRY: dict[str, UseCase] = {}


def use_case(action: str, *, writes: bool = False, target: Callable[[Any], str] | None = None,
             quiet: bool = False):
    def decorate(fn):
        case = UseCase(action, fn, writes, target, quiet)
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
    actor = actor or ctx.actor
    reporter = reporter or Reporter()
    target = case.describe(request)
    decision = policy.allowed(actor, case.action, target)
    suffix = f" ({target})" if target else ""
    if not decision.ok:
        log.info("refused: %s by %s%s: %s", case.action, actor, suffix, decision.reason)
        raise policy.PermissionDenied(decision.reason, data={"action": case.action})
    log.log(logging.DEBUG if case.quiet else logging.INFO, "%s by %s%s", case.action, actor, suffix)
    started = time.monotonic()
    try:
        result = case.fn(ctx, request, actor=actor, reporter=reporter)
    except Cancelled:
        log.info("%s cancelled", case.action)
        raise
    except UnitvaultError as exc:
        log.info("%s failed: %s", case.action, exc.message)
        raise
    except BaseException as exc:
        log.info("%s stopped: %s", case.action, type(exc).__name__)
        raise
    if case.writes or time.monotonic() - started > 1:
        log.info("%s done in %.1f s", case.action, time.monotonic() - started)
    return result
