"""``unitvault account ...`` end to end, in-process against a temporary home."""

from __future__ import annotations

import json


def test_account_commands(cli, tmp_path):
    home_dir = tmp_path / "alice"
    home_dir.mkdir()
    assert cli("unit", "seed", "shop")[0] == 0
    rc, out, err = cli("account", "add", "alice", "--home-dir", str(home_dir), "--email", "a@example.org",
                       "--unit", "shop", "--exclude", "*.log", "--json")
    assert rc == 0, err
    added = json.loads(out)
    assert added["units"] == ["shop"] and added["encryption"] == "app" and added["status"] == "active"
    rc, out, _ = cli("account", "list", "--json")
    assert [a["username"] for a in json.loads(out)] == ["alice"]
    rc, out, err = cli("account", "add", "alice", "--home-dir", str(home_dir))
    assert rc == 1 and "already exists" in err
    rc, out, err = cli("account", "add", "bob", "--home-dir", str(home_dir), "--unit", "missing")
    assert rc == 1 and "missing" in err
    rc, out, _ = cli("account", "edit", "alice", "--email", "b@example.org", "--remove-unit", "shop",
                     "--add-exclude", "cache/", "--json")
    edited = json.loads(out)
    assert edited["email"] == "b@example.org" and edited["units"] == [] and edited["excludes"] == ["*.log", "cache/"]
    assert cli("account", "suspend", "alice")[0] == 0
    rc, out, _ = cli("account", "show", "alice", "--json")
    assert json.loads(out)["status"] == "suspended"
    assert cli("account", "unsuspend", "alice")[0] == 0
    rc, out, err = cli("account", "delete", "alice")
    assert rc == 1 and "--yes" in err
    assert cli("account", "delete", "alice", "--yes")[0] == 0
    rc, out, _ = cli("account", "list", "--json")
    assert json.loads(out) == []
    rc, out, _ = cli("account", "show", added["id"], "--json")
    assert json.loads(out)["status"] == "deleted"
    rc, out, err = cli("account", "add", "Bad Name", "--home-dir", str(home_dir))
    assert rc == 1 and "Invalid username" in err
