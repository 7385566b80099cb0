"""Who may do what, through the command line: each role against each operation (refused with a clear
message, or let through to the operation), signing in with --user and sessions, users, tokens
(--token-file, --token-stdin, UNITVAULT_BACKUP_TOKEN), modes and backups.env, the audit log; and no
password or token in the home, the log or the output."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from core.cli.main import main
from tests.conftest import write_secret
from tests.governed import PASSWORDS, build

REFUSED = re.compile(r"(is an admin|is a helpdesk user|is a user); \S+ needs|may do \S+ only for their own account|"
                     r"may see only the units|Backups are configured by the admin|Backups module is not enabled|"
                     r"Sign in first")
BUNDLE_PASSWORD = "tulip-anchor-42"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """One home for the whole module (built through core, as the shells would): users, tokens,
    password and token files, a backup of alice made by the admin."""
    from core.app import backups
    from core.app.context import AppContext
    from core.home import AppHome

    tmp = tmp_path_factory.mktemp("gov-cli")
    home = AppHome.resolve(tmp / "home")
    ctx = AppContext(home)
    g = build(ctx, tmp)
    files = {"tmp": tmp, "home": tmp / "home"}
    for name, password in PASSWORDS.items():
        files[f"{name}.pw"] = write_secret(tmp / f"{name}.pw", password + "\n")
        files[f"{name}.token"] = write_secret(tmp / f"{name}.token", g.token(name) + "\n")
    files["bundle.pw"] = write_secret(tmp / "bundle.pw", BUNDLE_PASSWORD + "\n")
    ctx.backup_token = files["boss.token"].read_text().strip()
    files["backup"] = backups.backup_now(ctx, backups.BackupNow("alice", "offsite", "files"),
                                         actor=g.sign_in("boss")).backup_id
    ctx.close()
    return files


@pytest.fixture
def run(setup, capsys):
    def call(*argv: str, user: str | None = None):
        prefix = ["--home", str(setup["home"])]
        if user:
            prefix += ["--user", user, "--user-password-file", str(setup[f"{user}.pw"])]
        try:
            rc = main([*prefix, *argv])
        except SystemExit as exc:
            rc = exc.code
        got = capsys.readouterr()
        return rc, got.out, got.err
    return call


def _commands(s: dict) -> list[tuple[str, set[str], list[str]]]:
    """(action, the roles allowed, argv): each a real command, on names that do not exist where the
    command would destroy something (the permission is checked first)."""
    t, backup = s["tmp"], s["backup"]
    token = str(t / "{user}.token")
    A, H, U = "boss", "helper", "alice"
    return [
        ("unit.list", {A, H, U}, ["unit", "list"]),
        ("unit.show", {A, H, U}, ["unit", "show", "alice"]),
        ("unit.delete", {A}, ["unit", "delete", "no-such-unit", "--yes"]),
        ("bundle.export", {A, H}, ["export", "alice", "--out", str(t / "out-{user}.uvault"), "--password-file",
                                   str(s["bundle.pw"]), "--token-file", token]),
        ("import.preview", {A, H}, ["import", str(t / "none.uvault"), "--into", "alice", "--password-file",
                                    str(s["bundle.pw"])]),
        ("account.list", {A, H, U}, ["account", "list"]),
        ("account.show", {A, H, U}, ["account", "show", "alice"]),
        ("account.add", {A}, ["account", "add", "carol", "--home-dir", str(t / "no-such-home")]),
        ("backup.list", {A, H, U}, ["backup", "list", "alice"]),
        ("backup.now", {A, H}, ["backup", "now", "bob", "--destination", "offsite", "--items", "files",
                                "--token-file", token]),
        ("backup.restore", {A, U}, ["backup", "restore", backup, "--items", "files", "--mode", "merge", "--to",
                                    str(t / "restored-{user}")]),
        ("backup.download", {A, U}, ["backup", "download", backup, "--items", "files", "--out", str(t / "dl-{user}"),
                                     "--token-file", token]),
        ("destination.list", {A, H}, ["destination", "list"]),
        ("destination.add", {A}, ["destination", "add", "more", "--type", "local", "--path", str(t / "more")]),
        ("job.list", {A, H}, ["job", "list"]),
        ("queue.list", {A, H, U}, ["queue", "list"]),
        ("settings.backups-show", {A, H}, ["settings", "show"]),
        ("settings.backups-set", {A}, ["settings", "set", "--ondemand-max", "12"]),
        ("settings.access-show", {A, H, U}, ["settings", "access"]),
        ("settings.kdf-show", {A, H}, ["kdf", "show"]),
        ("user.list", {A}, ["user", "list"]),
        ("user.whoami", {A, H, U}, ["user", "whoami"]),
        ("token.status", {A, H, U}, ["token", "show"]),
        ("token.allow-now", {A}, ["token", "allow-now", "helper"]),
        ("mode.show", {A, H, U}, ["mode", "show"]),
        ("mode.set", {A}, ["mode", "set", "user-configured"]),
        ("plan.list", {A, H}, ["plan", "list"]),
        ("mybackup.show", {U}, ["my-backups", "show"]),
        ("notify.smtp-show", {A}, ["notify", "smtp"]),
        ("audit.list", {A}, ["audit", "list"]),
        ("audit.verify", {A}, ["audit", "verify"]),
    ]


def test_the_commands_cover_what_they_claim(setup):
    from core.app import load_all
    from core.app.usecase import REGISTRY

    load_all()
    assert all(action in REGISTRY for action, _, _ in _commands(setup))


@pytest.mark.parametrize("user", ["boss", "helper", "alice"])
def test_each_role_against_each_command(setup, run, user):
    wrong = []
    for action, allowed, argv in _commands(setup):
        argv = [a.replace("{user}", user) for a in argv]
        rc, out, err = run(*argv, user=user)
        refused = bool(REFUSED.search(err))
        if refused == (user in allowed):
            wrong.append((action, rc, err.strip()[:200]))
        if refused:
            assert rc == 1 and err.startswith("unitvault: error: "), (action, err)
            assert "Traceback" not in err
    assert wrong == []


def test_a_home_with_users_asks_who_you_are(run, setup):
    rc, out, err = run("unit", "list")
    assert rc == 1 and "Sign in first" in err and "--user USERNAME" in err
    rc, out, err = run("--user", "helper", "--user-password-file", str(setup["alice.pw"]), "unit", "list")
    assert rc == 1 and "The user name or the password is wrong." in err
    rc, out, err = run("--user-password-file", str(setup["alice.pw"]), "unit", "list")
    assert rc == 1 and "--user USERNAME" in err


def test_sessions(run, setup):
    assert run("session", "start", user="helper")[0] == 0
    rc, out, err = run("unit", "list")                         # no --user: the session
    assert rc == 0 and "alice" in out
    rc, out, err = run("session", "show", "--json")
    assert json.loads(out)["session_user"] == "helper"
    assert run("session", "end")[0] == 0
    assert "Sign in first" in run("unit", "list")[2]


def test_users_through_the_cli(run, setup):
    t = setup["tmp"]
    pw = write_secret(t / "carol.pw", "carol-password-1\n")
    rc, out, err = run("user", "add", "carol", "--role", "helpdesk", "--password-file", str(pw), "--email",
                       "carol@example.org", "--json", user="boss")
    assert rc == 0, err
    assert json.loads(out) | {"created_at": "", "updated_at": ""} == {
        "username": "carol", "role": "helpdesk", "email": "carol@example.org", "password_less": False,
        "accounts": [], "created_at": "", "updated_at": ""}
    rc, out, err = run("user", "list", "--json", user="boss")
    listed = {u["username"]: u for u in json.loads(out)}
    assert listed["alice"]["accounts"] == ["alice"] and listed["carol"]["token"] == "none"
    assert listed["boss"]["token"] == "valid"
    rc, out, err = run("user", "edit", "carol", "--role", "admin", user="boss")
    assert rc == 0 and "Changed carol (admin)." in out
    rc, out, err = run("user", "remove", "carol", user="boss")
    assert rc == 1 and "--yes" in err
    assert run("user", "remove", "carol", "--yes", user="boss")[0] == 0
    rc, out, err = run("user", "add", "dave", "--role", "user", "--password-less", "--account", "bob", user="boss")
    assert rc == 0 and "password-less" in out
    rc, out, err = run("user", "add", "erin", "--role", "user", user="boss")       # no TTY, no file
    assert rc == 1 and "--password-file" in err


def test_tokens_through_the_cli(run, setup, monkeypatch):
    t = setup["tmp"]
    rc, out, err = run("token", "reset", user="helper")
    assert rc == 0, err
    token = out.strip()
    assert token.startswith("uvbt_") and "only time the token is shown" in err
    write_secret(setup["helper.token"], token + "\n")
    rc, out, err = run("token", "show", "--json", user="helper")
    assert json.loads(out)["state"] == "valid" and token not in out
    export = ["export", "bob", "--out", str(t / "tok.uvault"), "--password-file", str(setup["bundle.pw"]), "--force"]
    rc, out, err = run(*export, user="helper")
    assert rc == 1 and "--token-file F, --token-stdin or UNITVAULT_BACKUP_TOKEN" in err
    monkeypatch.setenv("UNITVAULT_BACKUP_TOKEN", token)
    assert run(*export, user="helper")[0] == 0
    monkeypatch.setenv("UNITVAULT_BACKUP_TOKEN", "uvbt_wrong")
    rc, out, err = run(*export, user="helper")
    assert rc == 1 and "not right" in err and "token reset" in err
    monkeypatch.delenv("UNITVAULT_BACKUP_TOKEN")
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert run(*export, "--token-stdin", user="helper")[0] == 0
    rc, out, err = run("token", "create", user="helper")
    assert rc == 1 and "token reset" in err


def test_modes_and_backups_env_through_the_cli(run, setup):
    home = setup["home"]
    rc, out, err = run("mode", "env", "--template", user="boss")
    assert rc == 0 and "DESTINATION=offsite" in out
    (home / "backups.env").write_text("DESTINATION=offsite\nSCHEDULE=daily@26:00\nKEEP_LAST=x\n")
    rc, out, err = run("mode", "env", user="boss")
    assert rc == 1 and "line 2: SCHEDULE" in out and "line 3: KEEP_LAST" in out
    assert run("mode", "set", "admin-configured", "--reason", "pilot over", user="boss")[0] == 0
    rc, out, err = run("mode", "apply", user="boss")
    assert rc == 1 and "  line 2: SCHEDULE" in err and "mode apply" in err
    (home / "backups.env").write_text("# fixed\nDESTINATION=offsite\nSCHEDULE=daily@02:00\nTIMEZONE=UTC\n")
    rc, out, err = run("mode", "apply", "--json", user="boss")
    assert rc == 0 and json.loads(out)["job"]["schedule"] == "daily@02:00"
    rc, out, err = run("my-backups", "show", user="alice")
    assert rc == 1 and "admin-configured" in err and "mode set user-configured" in err
    rc, out, err = run("mode", "show", "--json", user="alice")
    assert json.loads(out)["mode"] == "admin-configured"
    assert run("mode", "set", "user-configured", user="boss")[0] == 0
    (home / "backups.env").unlink()


def test_a_replace_import_needs_a_reason(run, setup):
    t = setup["tmp"]
    bundle = t / "reason.uvault"
    rc, out, err = run("export", "bob", "--out", str(bundle), "--password-file", str(setup["bundle.pw"]),
                       "--token-file", str(setup["boss.token"]), user="boss")
    assert rc == 0, err
    argv = ["import", str(bundle), "--into", "alice", "--allow-other-unit", "--password-file",
            str(setup["bundle.pw"]), "--yes"]
    rc, out, err = run(*argv, user="boss")
    assert rc == 1 and "needs a reason" in err and "--reason TEXT" in err
    rc, out, err = run(*argv, "--reason", "restore Friday's plugins", user="boss")
    assert rc == 0, err
    rc, out, err = run("audit", "list", "--action", "import", "--json", user="boss")
    entries = json.loads(out)
    assert entries[0]["outcome"] == "done" and entries[0]["reason"] == "restore Friday's plugins"


def test_audit_verify_names_the_tampered_entry(run, setup):
    rc, out, err = run("audit", "verify", user="boss")
    assert rc == 0 and "intact" in out
    db = str(setup["home"] / "catalog.sqlite3")
    con = sqlite3.connect(db)
    (original,) = con.execute("SELECT outcome FROM audit_log WHERE seq = 5").fetchone()
    con.execute("UPDATE audit_log SET outcome = 'done' WHERE seq = 5" if original != "done" else
                "UPDATE audit_log SET actor = 'someone' WHERE seq = 5")
    con.commit()
    rc, out, err = run("audit", "verify", "--json", user="boss")
    assert rc == 1 and json.loads(out)["seq"] == 5
    rc, out, err = run("audit", "verify", user="boss")
    assert rc == 1 and "Entry 5 was changed after it was written." in out
    con.execute("DELETE FROM audit_log WHERE seq = 5")
    con.commit()
    con.close()
    rc, out, err = run("audit", "verify", user="boss")
    assert rc == 1 and "Entry 5 is missing" in out
    rc, out, err = run("audit", "export", "--out", str(setup["tmp"] / "audit.csv"), user="boss")
    assert rc == 0 and "entries to" in out
    assert (setup["tmp"] / "audit.csv").read_text().startswith("seq,at,actor,role,action")


def test_no_password_or_token_reaches_the_home_the_log_or_the_output(run, setup):
    outputs = []
    for user in ("boss", "helper", "alice"):
        for argv in (["unit", "list"], ["user", "whoami"], ["token", "show"]):
            rc, out, err = run(*argv, user=user)
            outputs.append(out + err)
    rc, out, err = run("--user", "boss", "--user-password-file", str(setup["alice.pw"]), "unit", "list")
    outputs.append(out + err)
    everything = b"".join(p.read_bytes() for p in sorted(Path(setup["home"]).rglob("*")) if p.is_file())
    everything += "".join(outputs).encode()
    for name in ("boss", "helper", "alice", "bob"):
        assert PASSWORDS[name].encode() not in everything, name
        token = setup[f"{name}.token"].read_text().strip()
        assert token.encode() not in everything, name
    assert b"command: unit" in (setup["home"] / "logs" / "unitvault.log").read_bytes()
