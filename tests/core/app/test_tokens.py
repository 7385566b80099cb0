"""Backup tokens with an injected clock: shown once, needed to export and to start backups and
downloads, a wrong one refused, a reset invalidating the old one, a password-less user's token
waiting unless an admin allows it now, compared in constant time, and never stored in the clear."""

from __future__ import annotations

import sqlite3

import pytest

from core.app import backups, bundles, modes, tokens, users
from core.app.context import AppContext
from core.app.policy import PermissionDenied
from core.errors import AlreadyExistsError, InvalidInputError
from core.governance.guard import BackupTokenError
from core.support.clock import ManualClock
from tests.governed import PASSWORDS, build


@pytest.fixture
def clock():
    return ManualClock("2027-03-01T09:00:00Z")


@pytest.fixture
def g(home, tmp_path, clock):
    ctx = AppContext(home, clock=clock)
    yield build(ctx, tmp_path)
    ctx.close()


def _export(g, actor, tmp_path, name="x.uvault"):
    target = bundles.ExportTarget(("alice",), tmp_path / name)
    return bundles.export_units(g.ctx, bundles.ExportUnits(target, "tulip-anchor-42"), actor=actor)


def _catalog_text(g) -> str:
    """Every value of every table of the catalog, as text."""
    path = g.ctx.home.catalog_url.split("///", 1)[1]
    con = sqlite3.connect(path)
    out = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        for row in con.execute(f'SELECT * FROM "{table}"'):
            out.append(" ".join(str(v) for v in row))
    con.close()
    return "\n".join(out)


def test_the_lifecycle(g, tmp_path, clock):
    helper = g.sign_in("helper")
    # no token yet: refused before any work, and nothing was written
    with pytest.raises(BackupTokenError) as err:
        _export(g, helper, tmp_path)
    assert err.value.kind == "backup_token_missing" and not (tmp_path / "x.uvault").exists()
    g.ctx.backup_token = "uvbt_not-a-token"
    with pytest.raises(BackupTokenError) as err:
        _export(g, helper, tmp_path)
    assert err.value.kind == "backup_token_none"
    # creating one needs the password
    with pytest.raises(InvalidInputError) as err:
        tokens.create_token(g.ctx, tokens.MakeToken(None), actor=helper)
    assert err.value.kind == "token_password_missing"
    with pytest.raises(users.SignInFailed):
        tokens.create_token(g.ctx, tokens.MakeToken("not the password"), actor=helper)
    made = tokens.create_token(g.ctx, tokens.MakeToken(PASSWORDS["helper"]), actor=helper)
    first = made.token
    assert first.startswith("uvbt_") and len(first) > 40 and made.status.state == "valid"
    assert first not in repr(made) and first not in str(tokens.token_status(g.ctx, actor=helper).to_json())
    with pytest.raises(AlreadyExistsError):                       # one token; a new one is a reset
        tokens.create_token(g.ctx, tokens.MakeToken(PASSWORDS["helper"]), actor=helper)
    # the right token works; a wrong one is refused
    g.ctx.backup_token = first
    assert _export(g, helper, tmp_path).ok
    g.ctx.backup_token = first[:-1] + ("a" if first[-1] != "a" else "b")
    with pytest.raises(BackupTokenError) as err:
        _export(g, helper, tmp_path, "y.uvault")
    assert err.value.kind == "backup_token_wrong"
    # a reset invalidates the old one at once
    clock.advance(minutes=5)
    second = tokens.reset_token(g.ctx, tokens.MakeToken(PASSWORDS["helper"]), actor=helper).token
    assert second != first
    g.ctx.backup_token = first
    with pytest.raises(BackupTokenError):
        _export(g, helper, tmp_path, "z.uvault")
    g.ctx.backup_token = second
    assert _export(g, helper, tmp_path, "z.uvault").ok
    # the database holds no token in the clear, and nothing the token is a part of
    text = _catalog_text(g)
    assert first not in text and second not in text and second[5:30] not in text
    status = tokens.token_status(g.ctx, actor=helper)
    assert status.resets == 1 and status.created_at.startswith("2027-03-01T09:05")


def test_one_users_token_is_not_anothers(g, tmp_path):
    boss_token = g.token("boss")
    g.token("helper")
    g.ctx.backup_token = boss_token
    with pytest.raises(BackupTokenError) as err:
        _export(g, g.sign_in("helper"), tmp_path)
    assert err.value.kind == "backup_token_wrong"


def test_a_password_less_users_token_waits_unless_an_admin_allows_it_now(g, tmp_path, clock, monkeypatch):
    boss = g.sign_in("boss")
    users.add_user(g.ctx, users.AddUser("ops", "helpdesk", password_less=True), actor=boss)
    monkeypatch.setattr("core.app.users.os_login", lambda: "ops")
    ops = users.sign_in(g.ctx, users.SignIn("ops"))                # vouched for by the OS login
    made = tokens.create_token(g.ctx, tokens.MakeToken(None), actor=ops)
    assert made.status.state == "pending" and made.status.valid_from == "2027-03-02T09:00:00.000000Z"
    g.ctx.backup_token = made.token
    with pytest.raises(BackupTokenError) as err:
        _export(g, ops, tmp_path)
    assert err.value.kind == "backup_token_pending" and "2027-03-02 09:00" in err.value.message
    clock.advance(hours=23, minutes=59)
    with pytest.raises(BackupTokenError):
        _export(g, ops, tmp_path)
    clock.advance(minutes=1)                                       # 24 hours later it works
    assert _export(g, ops, tmp_path).ok
    # a reset waits again; an admin's allow-now ends the wait
    again = tokens.reset_token(g.ctx, tokens.MakeToken(None), actor=ops)
    g.ctx.backup_token = again.token
    with pytest.raises(BackupTokenError):
        _export(g, ops, tmp_path, "y.uvault")
    with pytest.raises(PermissionDenied):
        tokens.allow_now(g.ctx, tokens.AllowNow("ops"), actor=ops)   # not their own to allow
    assert tokens.allow_now(g.ctx, tokens.AllowNow("ops"), actor=boss).state == "valid"
    assert _export(g, ops, tmp_path, "y.uvault").ok
    # the waiting period is a setting
    modes.set_access(g.ctx, modes.SetAccess(token_wait_hours=2), actor=boss)
    third = tokens.reset_token(g.ctx, tokens.MakeToken(None), actor=ops)
    assert third.status.valid_from == "2027-03-02T11:00:00.000000Z"          # now (03-02 09:00) + 2 h


def test_the_token_is_compared_in_constant_time(g, monkeypatch):
    import hmac

    from core.governance import tokens as core_tokens

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(core_tokens.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    token = g.token("helper")
    assert core_tokens.matches(core_tokens.token_hash(token), token)
    assert not core_tokens.matches(core_tokens.token_hash(token), token + "x")
    assert len(calls) == 2 and all(len(a) == len(b) == 64 for a, b in calls)     # hashes of equal length


def test_backup_and_download_starts_need_the_token_restores_do_not(g, tmp_path):
    boss = g.sign_in("boss")
    g.ctx.backup_token = None
    with pytest.raises(BackupTokenError):
        backups.backup_now(g.ctx, backups.BackupNow("alice", "offsite", "files"), actor=boss)
    g.ctx.backup_token = g.token("boss")
    made = backups.backup_now(g.ctx, backups.BackupNow("alice", "offsite", "files"), actor=boss)
    g.ctx.backup_token = None
    with pytest.raises(BackupTokenError):
        backups.download_backup(g.ctx, backups.DownloadBackup(made.backup_id, "files", out_dir=str(tmp_path / "dl")),
                                actor=boss)
    plan = backups.restore_backup(g.ctx, backups.RestoreBackup(made.backup_id, "files", "merge", dry_run=True),
                                  actor=boss)
    assert plan.result is None


def test_a_setting_disables_backups_altogether(g, tmp_path):
    boss = g.sign_in("boss")
    g.ctx.backup_token = g.token("boss")
    modes.set_access(g.ctx, modes.SetAccess(backups_enabled=False, reason="audit week"), actor=boss)
    with pytest.raises(PermissionDenied) as err:
        _export(g, boss, tmp_path)
    assert err.value.kind == "backups_disabled"
    with pytest.raises(PermissionDenied):
        backups.backup_now(g.ctx, backups.BackupNow("alice", "offsite", "files"), actor=boss)
    modes.set_access(g.ctx, modes.SetAccess(backups_enabled=True), actor=boss)
    assert _export(g, boss, tmp_path).ok


def test_a_home_without_users_needs_no_token(ctx, tmp_path):
    from core.app import units

    units.seed_unit(ctx, units.SeedUnit("demo"))
    target = bundles.ExportTarget(("demo",), tmp_path / "d.uvault")
    assert bundles.export_units(ctx, bundles.ExportUnits(target, "tulip-anchor-42")).ok
    with pytest.raises(InvalidInputError) as err:
        tokens.token_status(ctx)
    assert err.value.kind == "no_users"
