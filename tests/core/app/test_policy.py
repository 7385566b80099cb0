"""Who may do what, role by role and action by action: the pure policy, and the one wrapper refusing
before a use case runs. ``EXPECTED`` is the spec, written out independently of core/app/policy.py: a
use case added without a rule there, or without a line here, fails the first test."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from core.app import policy
from core.app.actor import ANONYMOUS, Actor, system_actor
from core.app.policy import ADMIN_CONFIGURED, USER_CONFIGURED, Env, Target, allowed
from core.app.usecase import REGISTRY, invoke

A, H, U = "admin", "helpdesk", "user"      # U: a user, for their own account (with the Backups module)
ALL = {A, H, U}
EXPECTED: dict[str, set[str]] = {
    # units and bundles: a user sees their own accounts' units; exports and imports are the backup permission
    "unit.list": ALL, "unit.revisions": ALL, "unit.show": ALL, "unit.browse": ALL, "unit.digest": ALL,
    "unit.seed": {A}, "unit.seed-demo": {A}, "unit.delete": {A},
    "bundle.export": {A, H}, "bundle.export-check": {A, H}, "bundle.inspect": {A, H}, "bundle.verify": {A, H},
    "import.preview": {A, H}, "import.retarget": {A, H}, "import.changes": {A, H}, "import.apply": {A, H},
    "import.snapshots": {A, H}, "import.undo-preview": {A, H}, "import.undo": {A, H},
    # accounts
    "account.list": ALL, "account.overview": ALL, "account.show": ALL, "account.assignable": {A, H},
    "account.excludes-preview": {A},
    "account.add": {A}, "account.edit": {A}, "account.delete": {A}, "account.status": {A},
    "account.reassign": {A}, "account.key_export": {A}, "account.key_reset": {A}, "account.notify": {A},
    "orphan.list": {A, H}, "orphan.adopt": {A},
    # account backups: helpdesk runs them, the admin restores, a user (own, module) reads and restores theirs
    "backup.now": {A, H}, "backup.owner_key_needed": {A, H},
    "backup.list": ALL, "backup.show": ALL, "backup.browse": ALL, "backup.ls": ALL, "backup.verify": ALL,
    "backup.downloads": {A, H},
    "backup.restore": {A, U}, "backup.restore_changes": {A, U}, "backup.download": {A, U},
    "backup.forget": {A}, "backup.lock": {A}, "backup.retention": {A}, "backup.prune": {A},
    "condition.list": ALL, "condition.add": {A}, "condition.remove": {A},
    # destinations, jobs, tags, queue, scheduler
    "destination.list": {A, H}, "destination.test": {A, H}, "destination.host-key": {A},
    "destination.add": {A}, "destination.remove": {A}, "destination.scan": {A},
    "job.list": {A, H}, "job.show": {A, H}, "job.schedule-preview": ALL, "job.retention-preview": {A, H},
    "job.run": {A, H}, "job.add": {A}, "job.edit": {A}, "job.remove": {A},
    "tag.list": {A, H}, "tag.add": {A}, "tag.edit": {A}, "tag.remove": {A}, "tag.assign": {A}, "tag.set": {A},
    "priority.list": {A, H}, "priority.set": {A}, "priority.kind": {A},
    "queue.add": {A, H}, "queue.list": ALL, "queue.show": {A, H}, "queue.cancel": {A, H}, "queue.retry": {A, H},
    "queue.run": {A, H}, "queue.settings-show": {A, H}, "queue.settings-set": {A},
    "schedule.next": {A, H}, "schedule.run-due": {A, H},
    # the databases: where they are is no secret; checking, migrating and moving them is the admin's
    "db.info": ALL, "db.check": {A}, "db.migrate": {A}, "db.move-to": {A},
    # settings: helpdesk reads what exports need, changes nothing
    "settings.kdf-show": {A, H}, "settings.recovery-show": {A, H}, "settings.backups-show": {A, H},
    "settings.retention-show": {A, H}, "settings.kdf-calibrate": {A}, "settings.kdf-reset": {A},
    "settings.recovery-create": {A}, "settings.recovery-use": {A}, "settings.recovery-clear": {A},
    "settings.backups-set": {A}, "settings.retention-set": {A},
    "settings.access-show": ALL, "settings.access-set": {A},
    # users, sessions, tokens
    "user.status": ALL, "user.sign-in": ALL, "user.session-resume": ALL, "user.session-end": ALL,
    "user.whoami": ALL, "user.permissions": ALL, "user.password": ALL, "user.session-start": ALL,
    "user.list": {A}, "user.add": {A}, "user.edit": {A}, "user.remove": {A},
    "token.status": ALL, "token.create": ALL, "token.reset": ALL, "token.allow-now": {A},
    # modes, plans, a user's own backups (theirs only: not even an admin configures them)
    "mode.show": ALL, "mode.set": {A}, "mode.env": {A}, "mode.apply": {A},
    "plan.list": {A, H}, "plan.add": {A}, "plan.edit": {A}, "plan.remove": {A}, "plan.assign": {A},
    "mybackup.show": {U}, "mybackup.set": {U}, "mybackup.destination": {U}, "mybackup.run": {U},
    "mybackup.run-due": {U},
    # notifications and the audit log
    "notify.smtp-show": {A}, "notify.smtp-set": {A}, "notify.test": {A},
    "audit.list": {A}, "audit.verify": {A}, "audit.export": {A},
}
PUBLIC = {"user.status", "user.sign-in", "user.session-resume", "user.session-end"}
OWN_ACCOUNT = "acc-alice"


def _all_actions():
    from core.app import load_all

    load_all()
    return sorted(REGISTRY)


def test_every_use_case_has_a_rule_and_an_expectation():
    actions = set(_all_actions())
    assert actions - set(policy.RULES) == set(), "use cases without a rule in core/app/policy.py"
    assert actions - set(EXPECTED) == set(), "use cases without a line in this test's EXPECTED"
    assert set(policy.RULES) - actions == set() and set(EXPECTED) - actions == set(), "rules for nothing"


def test_an_action_without_a_rule_is_refused():
    d = allowed(Actor("boss", "admin", "u1"), "unit.teleport")
    assert not d.ok and "No rule" in d.reason


ROLE_ACTORS = {
    A: Actor("boss", A, "u-boss"),
    H: Actor("helper", H, "u-helper"),
    U: Actor("alice", U, "u-alice", frozenset({OWN_ACCOUNT}), frozenset({"alice"}), frozenset({OWN_ACCOUNT})),
}


def _target(action: str, account: str | None = OWN_ACCOUNT, unit: str | None = "alice",
            env: Env = Env(True, USER_CONFIGURED, True)) -> Target:
    via = "backup.now" if action == "queue.add" else None
    return Target(action, account=account, unit=unit, via=via, env=env)


@pytest.mark.parametrize("role", [A, H, U])
@pytest.mark.parametrize("action", _all_actions())
def test_the_matrix_in_the_policy(role, action):
    d = allowed(ROLE_ACTORS[role], action, _target(action))
    assert d.ok == (role in EXPECTED[action]), f"{role} {action}: {d.reason}"
    if not d.ok:
        assert d.reason and ROLE_ACTORS[role].name in d.reason or "Backups" in d.reason


@pytest.mark.parametrize("action", _all_actions())
def test_a_user_is_refused_for_another_users_account_and_unit(action):
    alice = ROLE_ACTORS[U]
    d = allowed(alice, action, _target(action, account="acc-bob", unit="bob"))
    own_only = EXPECTED[action] == {U} or policy.RULES[action] in (policy.OWN, policy.RESTORE, policy.OWN_UNIT,
                                                                     policy.MODULE)
    if own_only:
        assert not d.ok, action
    else:
        assert d.ok == (U in EXPECTED[action]), action


@pytest.mark.parametrize("action", _all_actions())
def test_admin_configured_mode_leaves_users_no_backups(action):
    """The Backups module is off for users in admin-configured mode: nothing about backups, whatever
    their plan; their units and the signed-in basics stay."""
    d = allowed(ROLE_ACTORS[U], action, _target(action, env=Env(True, ADMIN_CONFIGURED, True)))
    backup_rule = policy.RULES[action] in (policy.OWN, policy.RESTORE, policy.MODULE)
    if backup_rule:
        assert not d.ok and d.kind == "backups_admin_configured", action
    else:
        assert d.ok == (U in EXPECTED[action]), action
    assert allowed(ROLE_ACTORS[A], action, _target(action, env=Env(True, ADMIN_CONFIGURED, True))).ok == (
        A in EXPECTED[action])


def test_a_plan_without_the_backups_module_leaves_the_user_out():
    bob = Actor("bob", U, "u-bob", frozenset({"acc-bob"}), frozenset({"bob"}), frozenset())
    d = allowed(bob, "mybackup.run", _target("mybackup.run", account="acc-bob"))
    assert not d.ok and d.kind == "backups_module_disabled"


@pytest.mark.parametrize("action", _all_actions())
def test_nobody_may_only_sign_in(action):
    d = allowed(ANONYMOUS, action, _target(action))
    assert d.ok == (action in PUBLIC), action
    if not d.ok:
        assert d.kind == "sign_in_required"


@pytest.mark.parametrize("action", _all_actions())
def test_the_system_runs_only_queued_and_scheduled_work(action):
    d = allowed(system_actor("queue item 1"), action, _target(action))
    assert d.ok == (action in policy.SYSTEM_RUNS or action in PUBLIC), action


@pytest.mark.parametrize("action", sorted(policy.BACKUP_STARTS))
def test_a_setting_disables_every_backup_start_for_everyone(action):
    env = Env(True, USER_CONFIGURED, backups_enabled=False)
    for actor in (*ROLE_ACTORS.values(), system_actor()):
        d = allowed(actor, action, _target(action, env=env))
        assert not d.ok and d.kind == "backups_disabled", (actor, action)
    assert not allowed(ROLE_ACTORS[A], "queue.add", _target("queue.add", env=env)).ok
    assert allowed(ROLE_ACTORS[A], "backup.restore", _target("backup.restore", env=env)).ok   # restores still run


# --- through the one wrapper, with real users in a real home -----------------------------------------------
@pytest.fixture
def governed(ctx, tmp_path):
    from tests.governed import build

    return build(ctx, tmp_path)


def _request(g, action: str, backup_id: str):
    """A request the wrapper can describe and scope: about alice's account, unit and backup."""
    from core.app import backups

    return SimpleNamespace(name="alice", account="alice", backup_id=backup_id, username="alice", unit="alice",
                           request=backups.BackupNow("alice", "offsite"), path="x", into=None, mode="replace",
                           target=SimpleNamespace(units=("alice",), out="x"), plan=None, state=None,
                           item_id=1, workers=None, until_empty=False, destination="offsite", read_data=False,
                           items="files", dry_run=False, role="user", type="local", text="t", condition_id=1,
                           size_mib=1, account_id="x", uuid="x", to="x", color="#000000", locked=True, reason=None,
                           limit=10, before=None, actor=None, since=None, out="x", notify="all", plan_name=None)


@pytest.mark.parametrize("role", ["boss", "helper", "alice"])
def test_the_wrapper_refuses_before_the_use_case_runs(governed, role):
    from core.app import backups

    g = governed
    g.ctx.backup_token = g.token("boss")
    made = backups.backup_now(g.ctx, backups.BackupNow("alice", "offsite", "files"), actor=g.sign_in("boss"))
    actor = g.sign_in(role)
    g.ctx.backup_token = g.token(role)
    expected_role = {"boss": A, "helper": H, "alice": U}[role]
    wrong = []
    for action in _all_actions():
        ran = []
        case = dataclasses.replace(REGISTRY[action], fn=lambda ctx, req, *, actor, reporter, ran=ran: ran.append(1))
        try:
            invoke(case, g.ctx, _request(g, action, made.backup_id), actor=actor)
        except policy.PermissionDenied:
            pass
        if bool(ran) != (expected_role in EXPECTED[action]):
            wrong.append(action)
    assert wrong == []


def test_without_signing_in_a_home_with_users_refuses_everything_but_signing_in(governed):
    from core.app import units
    from core.app.actor import LOCAL_ADMIN

    g = governed
    g.ctx.actor = LOCAL_ADMIN          # what a shell has before anyone signs in
    with pytest.raises(policy.PermissionDenied) as err:
        units.list_units(g.ctx)
    assert err.value.kind == "sign_in_required"
    g.as_user("helper")
    assert {s.unit.name for s in units.list_units(g.ctx)} == {"alice", "bob"}
    g.as_user("alice")
    assert [s.unit.name for s in units.list_units(g.ctx)] == ["alice"]          # her own units only


def test_a_role_changed_by_an_admin_applies_at_once(governed):
    from core.app import settings, users

    g = governed
    helper = g.sign_in("helper")
    with pytest.raises(policy.PermissionDenied):
        settings.calibrate_kdf(g.ctx, actor=helper)
    users.edit_user(g.ctx, users.EditUser("helper", role="admin"), actor=g.sign_in("boss"))
    assert settings.show_kdf(g.ctx, actor=helper) is not None
    users.remove_user(g.ctx, users.RemoveUser("helper", confirmed=True), actor=g.sign_in("boss"))
    with pytest.raises(policy.PermissionDenied) as err:
        settings.show_kdf(g.ctx, actor=helper)                  # removed: nobody
    assert err.value.kind == "sign_in_required"
