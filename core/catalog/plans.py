"""Plans (a named feature set assigned to accounts; today one feature: the Backups module of
user-configured mode) and the per-account governance settings: the plan, and which backup and
restore outcomes are emailed to the account's address."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from core.catalog import tables as t
from core.catalog.database import Aggregate
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError

PLAN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NOTIFY = ("all", "failures", "none")
DEFAULT_NOTIFY = "all"


@dataclass(frozen=True)
class Plan:
    name: str
    backups: bool           # the Backups module: the plan's accounts' users configure their own backups
    accounts: int = 0

    def as_dict(self) -> dict:
        return {"name": self.name, "backups": self.backups, "accounts": self.accounts}


@dataclass(frozen=True)
class AccountGovernance:
    account_id: str
    plan: str | None = None
    notify: str = DEFAULT_NOTIFY


def check_plan_name(name: str) -> str:
    if not isinstance(name, str) or not PLAN_RE.match(name):
        raise InvalidInputError(f"Invalid plan name {name!r}.",
                                hint="Use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.")
    return name


def check_notify(value: str) -> str:
    if value not in NOTIFY:
        raise InvalidInputError(f"Unknown notification choice {value!r}.", hint="Use all, failures or none.",
                                kind="invalid_notify")
    return value


class Plans(Aggregate):
    def _plan(self, c: Connection, row) -> Plan:
        n = c.execute(select(func.count()).select_from(t.account_governance)
                      .where(t.account_governance.c.plan == row.name)).scalar()
        return Plan(row.name, bool(row.backups), int(n or 0))

    def add(self, name: str, backups: bool, conn: Connection | None = None) -> Plan:
        check_plan_name(name)
        with self._conn(conn, write=True) as c:
            if c.execute(select(t.plans.c.name).where(t.plans.c.name == name)).first():
                raise AlreadyExistsError(f"A plan named {name!r} already exists.")
            c.execute(insert(t.plans).values(name=name, backups=bool(backups), created_at=self.catalog.now()))
            return self.get(name, c)

    def list(self, conn: Connection | None = None) -> list[Plan]:
        with self._conn(conn) as c:
            return [self._plan(c, r) for r in c.execute(select(t.plans).order_by(t.plans.c.name)).all()]

    def get(self, name: str, conn: Connection | None = None) -> Plan:
        with self._conn(conn) as c:
            row = c.execute(select(t.plans).where(t.plans.c.name == name)).first()
            if row is None:
                raise NotFoundError(f"No plan named {name!r}.", kind="plan_not_found", data={"name": name})
            return self._plan(c, row)

    def set_backups(self, name: str, backups: bool, conn: Connection | None = None) -> Plan:
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            c.execute(update(t.plans).where(t.plans.c.name == name).values(backups=bool(backups)))
            return self.get(name, c)

    def remove(self, name: str, conn: Connection | None = None) -> None:
        with self._conn(conn, write=True) as c:
            self.get(name, c)
            c.execute(update(t.account_governance).where(t.account_governance.c.plan == name).values(plan=None))
            c.execute(delete(t.plans).where(t.plans.c.name == name))

    # --- per account ------------------------------------------------------------------------------------
    def of_account(self, account_id: str, conn: Connection | None = None) -> AccountGovernance:
        with self._conn(conn) as c:
            row = c.execute(select(t.account_governance).where(t.account_governance.c.account_id == account_id)).first()
        if row is None:
            return AccountGovernance(account_id)
        return AccountGovernance(account_id, row.plan, row.notify or DEFAULT_NOTIFY)

    def set_account(self, account_id: str, *, plan=..., notify: str | None = None,
                    conn: Connection | None = None) -> AccountGovernance:
        """``plan``: a plan's name, None (no plan) or ``...`` (unchanged); ``notify``: None leaves it."""
        with self._conn(conn, write=True) as c:
            if plan not in (None, ...):
                self.get(plan, c)
            if notify is not None:
                check_notify(notify)
            current = self.of_account(account_id, c)
            values = {"plan": current.plan if plan is ... else plan,
                      "notify": notify if notify is not None else current.notify}
            if c.execute(select(t.account_governance.c.account_id)
                         .where(t.account_governance.c.account_id == account_id)).first():
                c.execute(update(t.account_governance).where(t.account_governance.c.account_id == account_id)
                          .values(**values))
            else:
                c.execute(insert(t.account_governance).values(account_id=account_id, **values))
            return self.of_account(account_id, c)

    def account_plans(self, conn: Connection | None = None) -> dict[str, str]:
        """Account id -> plan name, for the accounts that have a plan."""
        with self._conn(conn) as c:
            rows = c.execute(select(t.account_governance.c.account_id, t.account_governance.c.plan)
                             .where(t.account_governance.c.plan.is_not(None))).all()
        return {r.account_id: r.plan for r in rows}

    def accounts_with_backups(self, conn: Connection | None = None) -> set[str]:
        """Ids of the accounts whose plan enables the Backups module."""
        with self._conn(conn) as c:
            rows = c.execute(select(t.account_governance.c.account_id)
                             .join(t.plans, t.plans.c.name == t.account_governance.c.plan)
                             .where(t.plans.c.backups.is_(True))).all()
        return {r.account_id for r in rows}
