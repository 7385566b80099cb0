"""``unitvault db``: info, check, migrate and move-to, as a user types them."""

from __future__ import annotations

import json


def test_info_check_and_migrate_on_a_fresh_home(cli):
    rc, out, _ = cli("db", "info")
    assert rc == 0 and out.startswith("SQLite on this computer")
    rc, out, _ = cli("db", "migrate")
    assert rc == 0 and "units: empty -> u" in out
    rc, out, _ = cli("db", "check", "--json")
    report = json.loads(out)
    assert rc == 0 and report["ok"] and [s["state"] for s in report["stores"]] == ["current", "current"]


def test_move_to_then_every_command_uses_postgresql(cli, pg_url):
    assert cli("unit", "seed", "demo")[0] == 0
    digest = cli("unit", "digest", "demo")[1].strip()
    rc, out, err = cli("db", "move-to", pg_url)
    assert rc == 0, err
    assert "1 unit(s) with equal digests" in out
    rc, out, _ = cli("db", "info", "--json")
    assert json.loads(out)["team_mode"] is True
    assert cli("unit", "digest", "demo")[1].strip() == digest
    rc, out, _ = cli("db", "check")
    assert rc == 0 and "PostgreSQL" in out and out.strip().endswith("ok")


def test_a_password_in_the_url_is_neither_saved_nor_shown(cli, pg_url, tmp_path):
    url = pg_url.replace("postgres@", "postgres:not-needed-by-trust@")
    rc, out, err = cli("db", "move-to", url)
    assert rc == 0, err
    assert "was not saved" in out and "not-needed-by-trust" not in out + err
    home = cli.home
    assert "not-needed-by-trust" not in (home / "settings.ini").read_text()
    assert "not-needed-by-trust" not in (home / "logs" / "unitvault.log").read_text()


def test_move_to_refuses_a_url_that_is_not_postgresql(cli, tmp_path):
    rc, _, err = cli("db", "move-to", "sqlite:///" + str(tmp_path / "other.sqlite3"))
    assert rc == 1 and "PostgreSQL" in err
