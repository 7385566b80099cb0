"""backups.env: every documented key, comments and quotes, clear errors with line numbers; and the
file put in use as the job ``backups.env`` in admin-configured mode (and only then)."""

from __future__ import annotations

import pytest

from core.governance import backups_env
from core.governance.backups_env import parse

FULL = """\
# every key, with comments and quotes
export ENABLED=no
DESTINATION = "offsite"        # quoted, with spaces around '='
SCHEDULE='weekly@sun,03:30'
TIMEZONE=Europe/Berlin
ITEMS=files,units               # order does not matter
ACCOUNTS=alice, bob
KEEP_LAST=14
KEEP_DAILY=7
KEEP_WEEKLY=4
KEEP_MONTHLY=12
"""


def test_every_documented_key():
    parsed = parse(FULL)
    assert parsed.ok, parsed.problems
    c = parsed.config
    assert c.as_dict() == {"enabled": False, "destination": "offsite", "schedule": "weekly@sun,03:30",
                           "timezone": "Europe/Berlin", "items": ["units", "files"], "accounts": "alice,bob",
                           "keep_last": 14, "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 12}
    assert set(backups_env.KEYS) == {k.split("=")[0].replace("export ", "").strip() for k in FULL.splitlines()
                                     if k and not k.startswith("#")}
    assert c.lines["SCHEDULE"] == 4 and c.lines["KEEP_MONTHLY"] == 11


def test_defaults_and_the_template():
    c = parse("DESTINATION=offsite\nSCHEDULE=daily@02:00\n").config
    assert (c.enabled, c.timezone, c.items, c.accounts, c.keep_last, c.keep_daily) == (
        True, None, ("account", "units", "files"), "all", 7, None)
    template = parse(backups_env.TEMPLATE)
    assert template.ok and template.config.schedule == "daily@02:00"
    assert parse("DESTINATION=o\nSCHEDULE=15 3 * * 1-5\nACCOUNTS=tag:vip\nITEMS=all\n").config.accounts == "tag:vip"
    for doc_key in backups_env.KEYS:
        assert doc_key in backups_env.__doc__, doc_key         # every key is documented


@pytest.mark.parametrize("text, line, words", [
    ("DESTINATION=o\nSCHEDULE=daily@25:00\n", 2, "SCHEDULE: Invalid schedule"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nKEEP_LAST=0\n", 3, "KEEP_LAST is a number from 1 to 10,000"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nKEEP_DAILY=lots\n", 3, "KEEP_DAILY is a number"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nENABLED=maybe\n", 3, "ENABLED is yes or no"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nTIMEZONE=Mars/Olympus\n", 3, "is not a time zone"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nITEMS=files,mail\n", 3, "unknown item 'mail'"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nACCOUNTS=Alice Smith\n", 3, "is not a username"),
    ("DESTINATION=bad name!\nSCHEDULE=daily@02:00\n", 1, "is not a destination name"),
    ('DESTINATION="offsite\nSCHEDULE=daily@02:00\n', 1, "no closing"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nDESTINATION=p\n", 3, "given again (first on line 1)"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nkeep_last=3\n", 3, "did you mean KEEP_LAST"),
    ("DESTINATION=o\nSCHEDULE=daily@02:00\nRETENTION=3\n", 3, "unknown key RETENTION"),
    ("DESTINATION=o\n\n# fine\nthis is not a setting\nSCHEDULE=daily@02:00\n", 4, "not KEY=VALUE"),
    ("DESTINATION=o\nSCHEDULE=\n", 2, "SCHEDULE has no value"),
])
def test_bad_lines_are_named_by_number(text, line, words):
    parsed = parse(text)
    assert parsed.config is None and len(parsed.problems) == 1, parsed.problems
    problem = parsed.problems[0]
    assert problem.line == line and words in problem.message, problem
    assert str(problem).startswith(f"line {line}: ")


def test_every_problem_is_reported_at_once():
    parsed = parse("SCHEDULE=sometimes\nKEEP_LAST=-1\nWHAT\n")
    assert [p.line for p in parsed.problems] == [1, 2, 3, None]
    assert str(parsed.problems[-1]) == "DESTINATION is missing."


def test_control_characters_are_not_echoed():
    parsed = parse("DESTINATION=o\nSCHEDULE=daily@02:00\nACCOUNTS=\x1b[31mred\n")
    assert "\x1b" not in str(parsed.problems[0])


def test_files_that_are_too_large_or_not_utf8(tmp_path):
    big = tmp_path / "big.env"
    big.write_text("# " + "x" * (70 * 1024))
    assert "larger than" in str(backups_env.read(big).problems[0])
    bad = tmp_path / "bad.env"
    bad.write_bytes(b"DESTINATION=o\nSCHEDULE=\xff\n")
    assert backups_env.read(bad).problems[0].line == 2
    assert backups_env.read(tmp_path / "none.env") is None


# --- the file in use --------------------------------------------------------------------------------------
@pytest.fixture
def g(ctx, tmp_path):
    from tests.governed import build

    return build(ctx, tmp_path, mode="admin-configured")


def test_admin_configured_mode_puts_the_file_in_use(g):
    from core.app import modes, schedule
    from core.errors import InvalidInputError

    boss = g.sign_in("boss")
    with pytest.raises(InvalidInputError) as err:
        modes.apply_env(g.ctx, actor=boss)
    assert err.value.kind == "backups_env_missing"
    env = g.ctx.home.root / "backups.env"
    env.write_text("DESTINATION=elsewhere\nSCHEDULE=daily@02:00\nACCOUNTS=alice,carol\n")
    with pytest.raises(modes.EnvProblems) as err:
        modes.apply_env(g.ctx, actor=boss)
    assert err.value.details == ["line 1: DESTINATION: there is no destination named 'elsewhere'",
                                 "line 3: ACCOUNTS: there is no account named 'carol'"]
    assert g.ctx.catalog.jobs.find("backups.env") is None
    env.write_text("DESTINATION=offsite\nSCHEDULE=daily@02:00\nTIMEZONE=UTC\nACCOUNTS=alice\nKEEP_LAST=3\n")
    applied = modes.apply_env(g.ctx, actor=boss)
    job = g.ctx.catalog.jobs.get("backups.env")
    assert applied.changed and (job.destination, job.accounts, job.keep_last, job.enabled) == (
        "offsite", {"usernames": ["alice"]}, 3, True)
    assert not modes.apply_env(g.ctx, actor=boss).changed
    # the scheduler follows the file; switching to user-configured disables the job
    env.write_text("DESTINATION=offsite\nSCHEDULE=hourly\nTIMEZONE=UTC\n")
    schedule.run_due(g.ctx, actor=boss)
    assert g.ctx.catalog.jobs.get("backups.env").schedule == "hourly"
    modes.set_mode(g.ctx, modes.SetMode("user-configured"), actor=boss)
    assert not g.ctx.catalog.jobs.get("backups.env").enabled
    with pytest.raises(InvalidInputError):
        modes.apply_env(g.ctx, actor=boss)
    modes.set_mode(g.ctx, modes.SetMode("admin-configured"), actor=boss)
    assert g.ctx.catalog.jobs.get("backups.env").enabled
    # a broken file is never half used: the job stops until it is fixed
    env.write_text("DESTINATION=offsite\nSCHEDULE=hourly\nKEEP_LAST=none\n")
    schedule.run_due(g.ctx, actor=boss)
    assert not g.ctx.catalog.jobs.get("backups.env").enabled
    shown = modes.show_mode(g.ctx, actor=boss)
    assert shown.mode == "admin-configured" and [str(p) for p in shown.env.problems] == [
        "line 3: KEEP_LAST is a number from 1 to 10,000"]


def test_the_mode_switch_hides_and_refuses_what_it_should(g):
    from core.app import backups, modes, mybackups
    from core.app.policy import PermissionDenied

    boss = g.sign_in("boss")
    alice = g.sign_in("alice")
    g.ctx.backup_token = g.token("alice")
    for call in (lambda: mybackups.show_my_backups(g.ctx, actor=alice),
                 lambda: mybackups.run_my_backup(g.ctx, actor=alice),
                 lambda: backups.list_backups(g.ctx, backups.ListBackups("alice"), actor=alice)):
        with pytest.raises(PermissionDenied) as err:
            call()
        assert err.value.kind == "backups_admin_configured"
    with pytest.raises(PermissionDenied):
        modes.set_mode(g.ctx, modes.SetMode("user-configured"), actor=alice)
    modes.set_mode(g.ctx, modes.SetMode("user-configured", reason="self-service pilot"), actor=boss)
    assert mybackups.show_my_backups(g.ctx, actor=g.sign_in("alice")).account == "alice"
    with pytest.raises(PermissionDenied) as err:
        mybackups.show_my_backups(g.ctx, actor=g.sign_in("bob"))        # bob's plan has no Backups module
    assert err.value.kind == "backups_module_disabled"
    entry = [e for e in g.ctx.catalog.audit.list() if e.action == "mode.set" and e.outcome == "done"][0]
    assert (entry.actor, entry.target, entry.details["reason"]) == ("boss", "user-configured", "self-service pilot")
