"""Users and roles: a fresh home runs single-user as admin; the first user is an admin and the last
admin stays; passwords hashed with argon2's PasswordHasher; password-less users signed in by the OS
login; CLI sessions; changing one's own password re-seals one's vault, an admin's reset discards it."""

from __future__ import annotations

import pytest

from core.app import users
from core.app.actor import LOCAL_ADMIN
from core.app.policy import PermissionDenied
from core.errors import ConfirmationRequired, InvalidInputError
from tests.governed import PASSWORDS, build


@pytest.fixture
def g(ctx, tmp_path):
    return build(ctx, tmp_path)


def test_a_fresh_home_runs_single_user_as_admin(ctx):
    status = users.access_status(ctx)
    assert not status.governed and users.whoami(ctx) is LOCAL_ADMIN
    with pytest.raises(InvalidInputError) as err:
        users.add_user(ctx, users.AddUser("helper", "helpdesk", "helper-password-1"))
    assert err.value.kind == "first_user_admin" and ctx.catalog.users.count() == 0
    users.add_user(ctx, users.AddUser("boss", "admin", "boss-password-1"))
    assert users.access_status(ctx).governed
    with pytest.raises(PermissionDenied) as err:
        users.whoami(ctx)                                    # the implicit local admin is nobody now
    assert err.value.kind == "sign_in_required"


def test_passwords_are_hashed_with_argon2_and_checked(g):
    stored = g.ctx.catalog.users.password_hash(g.ctx.catalog.users.get("helper").id)
    assert stored.startswith("$argon2id$") and PASSWORDS["helper"] not in stored
    assert g.sign_in("helper").role == "helpdesk"
    for name, password in (("helper", "wrong-password"), ("nobody-here", "wrong-password")):
        with pytest.raises(users.SignInFailed) as err:
            users.sign_in(g.ctx, users.SignIn(name, password))
        assert err.value.message == "The user name or the password is wrong."      # the same for both
    failed = [e for e in g.ctx.catalog.audit.list() if e.action == "user.sign-in"]
    assert [(e.target, e.outcome) for e in failed] == [("nobody-here", "failed"), ("helper", "failed")]


def test_a_password_less_user_is_signed_in_by_the_os_login_only(g, monkeypatch):
    boss = g.sign_in("boss")
    users.add_user(g.ctx, users.AddUser("ops", "admin", password_less=True), actor=boss)
    with pytest.raises(InvalidInputError):
        users.add_user(g.ctx, users.AddUser("x", "admin", "some-password-1", password_less=True), actor=boss)
    with pytest.raises(InvalidInputError):
        users.add_user(g.ctx, users.AddUser("y", "admin"), actor=boss)
    monkeypatch.setattr("core.app.users.os_login", lambda: "someone-else")
    with pytest.raises(users.SignInFailed) as err:
        users.sign_in(g.ctx, users.SignIn("ops"))
    assert err.value.kind == "os_login_mismatch"
    with pytest.raises(users.SignInFailed):
        users.sign_in(g.ctx, users.SignIn("ops", "any password"))      # a password never signs them in
    assert users.resume_session(g.ctx) is None
    monkeypatch.setattr("core.app.users.os_login", lambda: "ops")
    assert users.sign_in(g.ctx, users.SignIn("ops")).name == "ops"
    assert users.resume_session(g.ctx).name == "ops"                  # the timer's case: no sign-in at all
    assert users.access_status(g.ctx).os_user == "ops"


def test_the_last_admin_stays(g):
    boss = g.sign_in("boss")
    with pytest.raises(InvalidInputError) as err:
        users.remove_user(g.ctx, users.RemoveUser("boss", confirmed=True), actor=boss)
    assert err.value.kind == "last_admin"
    with pytest.raises(InvalidInputError):
        users.edit_user(g.ctx, users.EditUser("boss", role="helpdesk"), actor=boss)
    users.edit_user(g.ctx, users.EditUser("helper", role="admin"), actor=boss)
    users.edit_user(g.ctx, users.EditUser("boss", role="helpdesk"), actor=boss)
    assert g.ctx.catalog.users.get("boss").role == "helpdesk"
    with pytest.raises(ConfirmationRequired):
        users.remove_user(g.ctx, users.RemoveUser("bob"), actor=g.sign_in("helper"))


def test_only_users_own_accounts(g):
    boss = g.sign_in("boss")
    with pytest.raises(InvalidInputError) as err:
        users.add_user(g.ctx, users.AddUser("carol", "helpdesk", "carol-password-1", accounts=("bob",)), actor=boss)
    assert err.value.kind == "accounts_for_users_only"
    listing = users.list_users(g.ctx, actor=boss)
    assert {u["username"]: u["accounts"] for u in listing.to_json()}["alice"] == ["alice"]
    alice = g.sign_in("alice")
    assert alice.accounts == {g.ctx.catalog.accounts.get("alice").id} and alice.units == {"alice"}
    assert alice.module_accounts == alice.accounts                    # her plan enables the Backups module
    assert g.sign_in("bob").module_accounts == frozenset()            # his has none


def test_sessions(g, clock=None):
    from core.app.actor import LOCAL_ADMIN

    helper = g.sign_in("helper")
    started = users.start_session(g.ctx, actor=helper)
    path = g.ctx.home.root / "session"
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    assert PASSWORDS["helper"] not in path.read_text()
    assert users.resume_session(g.ctx).name == "helper"
    assert started.username == "helper"
    secret = path.read_text()
    assert all(secret not in " ".join(map(str, row)) for row in _rows(g, "user_sessions"))
    assert users.resume_session(g.ctx).vault_key is None               # a session never holds a password's key
    assert users.end_session(g.ctx, actor=LOCAL_ADMIN) and not path.exists()
    assert users.resume_session(g.ctx) is None


def _rows(g, table):
    import sqlite3

    con = sqlite3.connect(g.ctx.home.catalog_url.split("///", 1)[1])
    try:
        return con.execute(f"SELECT * FROM {table}").fetchall()
    finally:
        con.close()


def test_changing_ones_password_reseals_the_vault_and_an_admin_reset_discards_it(g):
    from core.governance import vault

    alice = g.sign_in("alice")
    sealed = g.ctx.catalog.users.vault(alice.user_id)
    assert sealed is not None and alice.vault_key is not None
    with pytest.raises(users.SignInFailed):
        users.change_password(g.ctx, users.ChangePassword("wrong", "new-password-22"), actor=alice)
    users.start_session(g.ctx, actor=alice)
    users.change_password(g.ctx, users.ChangePassword(PASSWORDS["alice"], "new-password-22"), actor=alice)
    assert users.resume_session(g.ctx) is None                          # sessions ended
    resealed = g.ctx.catalog.users.vault(alice.user_id)
    assert resealed != sealed
    from core.errors import WrongPasswordError

    with pytest.raises(WrongPasswordError):
        vault.open_vault(vault.key_for(resealed, PASSWORDS["alice"]), alice.user_id, resealed)
    vault.open_vault(vault.key_for(resealed, "new-password-22"), alice.user_id, resealed)
    # an admin's reset cannot re-seal it (they do not know her password): it asks for a reason, then discards it
    boss = g.sign_in("boss")
    with pytest.raises(ConfirmationRequired) as err:
        users.edit_user(g.ctx, users.EditUser("alice", password="admin-chosen-1"), actor=boss)
    assert err.value.kind == "reason_required"
    done = users.edit_user(g.ctx, users.EditUser("alice", password="admin-chosen-1", reason="forgot it"), actor=boss)
    assert done.vault_discarded and g.ctx.catalog.users.vault(alice.user_id) is None
    assert users.sign_in(g.ctx, users.SignIn("alice", "admin-chosen-1")).vault_key is not None   # a new, empty one


def test_production_hashing_parameters(monkeypatch):
    """Tests run with cheap parameters (tests/conftest.py); the app's own are argon2's defaults for
    passwords and 64 MiB, t=3, p=2 for vaults."""
    from core.governance import passwords, vault

    monkeypatch.undo()                      # the parameters the app runs with
    assert vault.KDF == {"m_kib": 64 * 1024, "t": 3, "p": 2}
    hasher = passwords._hasher()
    assert hasher.time_cost >= 3 and hasher.memory_cost >= 64 * 1024
    assert passwords.MIN_USER_PASSWORD == 8


def test_permissions_name_what_each_role_may_do_and_follow_the_mode(g):
    from core.app import modes

    boss, helper, alice, bob = (users.my_permissions(g.ctx, actor=g.sign_in(n)) for n in ("boss", "helper", "alice",
                                                                                             "bob"))
    assert boss.governed and boss.may("user.add") and boss.may("audit.verify") and boss.may("destination.add")
    assert helper.may("bundle.export") and helper.may("destination.list")
    assert not any(helper.may(a) for a in ("user.list", "destination.add", "settings.kdf-calibrate", "mode.set",
                                           "audit.list", "account.add"))
    assert alice.may("mybackup.run") and alice.may("backup.list") and alice.may("token.create")
    assert not alice.may("bundle.export") and not alice.may("account.add")
    assert not bob.may("mybackup.run") and not bob.may("backup.list")      # no plan with the Backups module
    modes.set_mode(g.ctx, modes.SetMode("admin-configured"), actor=g.sign_in("boss"))
    assert not users.my_permissions(g.ctx, actor=g.sign_in("alice")).may("mybackup.run")


def test_a_single_user_home_may_do_everything_an_admin_may(ctx):
    mine = users.my_permissions(ctx)
    assert mine.role == "admin" and not mine.governed and mine.may("user.add") and mine.may("audit.list")
    assert not mine.may("mybackup.set")                    # a user's own backups are theirs alone


def test_the_mode_names_each_accounts_plan_to_who_may_see_it(g):
    from core.app import modes

    shown = modes.show_mode(g.ctx, actor=g.sign_in("boss"))
    assert shown.account_plans == {"alice": "self-service", "bob": None}
    assert shown.to_json()["account_plans"] == {"alice": "self-service", "bob": None}
    modes.assign_plan(g.ctx, modes.AssignPlan("alice", None), actor=g.sign_in("boss"))
    assert modes.show_mode(g.ctx, actor=g.sign_in("helper")).account_plans["alice"] is None
    assert modes.show_mode(g.ctx, actor=g.sign_in("bob")).account_plans == {"bob": None}   # a user: their own only
