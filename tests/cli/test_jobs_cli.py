"""``unitvault job``, ``tag``, ``priority``, ``retention``, ``backup lock|forget``, ``condition``, ``orphans``
and ``settings`` as a script would run them (JSON where it exists)."""

from __future__ import annotations

import json

import pytest

from tests.core.accounts.treegen import make_tree


@pytest.fixture
def setup(cli, tmp_path):
    make_tree(tmp_path / "alice", files=10, big=0)
    make_tree(tmp_path / "bob", files=10, big=0)
    assert cli("destination", "add", "repo", "--type", "local", "--path", str(tmp_path / "repo"))[0] == 0
    for name in ("alice", "bob"):
        assert cli("account", "add", name, "--home-dir", str(tmp_path / name))[0] == 0
    return tmp_path


def test_jobs_tags_and_priorities(cli, setup):
    rc, out, err = cli("tag", "add", "vip", "--color", "#FF8800", "--priority", "High", "--json")
    assert rc == 0, err
    assert json.loads(out) == {"name": "vip", "color": "#ff8800", "priority_group": "High", "accounts": 0}
    rc, out, _ = cli("tag", "add", "misc", "--json")
    assert rc == 0 and json.loads(out)["color"].startswith("#") and len(json.loads(out)["color"]) == 7
    rc, _, err = cli("tag", "add", "bad", "--color", "orange")
    assert rc == 1 and "#RRGGBB" in err
    assert cli("tag", "assign", "vip", "alice")[0] == 0
    rc, out, _ = cli("account", "list", "--tag", "vip", "--json")
    assert [a["username"] for a in json.loads(out)] == ["alice"] and json.loads(out)[0]["tags"] == ["vip"]
    rc, out, err = cli("job", "add", "nightly", "--destination", "repo", "--accounts", "tag:vip", "--items", "files",
                       "--schedule", "daily@02:00", "--timezone", "Europe/Berlin", "--keep", "7", "--json")
    assert rc == 0, err
    job = json.loads(out)
    assert job["accounts"] == "tag:vip" and job["schedule"] == "daily@02:00" and job["keep_last"] == 7
    rc, out, _ = cli("job", "show", "nightly", "--json")
    shown = json.loads(out)
    assert shown["covers"] == ["alice"] and len(shown["next_runs"]) == 5
    rc, _, err = cli("job", "add", "bad", "--destination", "repo", "--accounts", "all", "--schedule", "daily@26:00",
                     "--keep", "1")
    assert rc == 1 and "daily@HH:MM" in err
    assert cli("job", "edit", "nightly", "--schedule", "weekly@sun,03:00", "--disabled")[0] == 0
    rc, out, _ = cli("job", "list", "--json")
    assert json.loads(out)[0]["schedule"] == "weekly@sun,03:00" and json.loads(out)[0]["enabled"] is False
    rc, out, _ = cli("priority", "list", "--json")
    data = json.loads(out)
    assert [g["name"] for g in data["groups"]] == ["High", "Normal", "Low"] and data["kinds"]["restore"] == "High"
    rc, _, err = cli("priority", "remove", "High")
    assert rc == 1 and "in use" in err
    assert cli("job", "remove", "nightly")[0] == 1
    assert cli("job", "remove", "nightly", "--yes")[0] == 0


def test_on_demand_lock_forget_retention(cli, setup):
    assert cli("settings", "set", "--ondemand-max", "2")[0] == 0
    ids = []
    for _ in range(2):
        rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files", "--json")
        assert rc == 0, err
        ids.append(json.loads(out)["id"])
    rc, _, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files")
    assert rc == 1 and "on-demand backups, the most allowed (2)" in err
    rc, out, _ = cli("backup", "lock", ids[0], "--reason", "audit", "--json")
    assert json.loads(out)["locked"] is True and json.loads(out)["lock_reason"] == "audit"
    rc, _, err = cli("backup", "forget", ids[0], "--yes")
    assert rc == 1 and "locked" in err
    rc, out, _ = cli("backup", "list", "alice")
    assert "locked" in out
    assert cli("settings", "set", "--ondemand-keep", "1")[0] == 0
    rc, out, _ = cli("retention", "run", "--dry-run", "--json")
    decisions = {d["id"]: d for d in json.loads(out)["decisions"]}
    assert decisions[ids[0]]["action"] == "keep" and decisions[ids[0]]["reasons"] == ["locked"]
    assert decisions[ids[1]]["action"] == "keep"
    assert cli("backup", "unlock", ids[0])[0] == 0
    rc, out, _ = cli("retention", "run", "--dry-run")
    assert rc == 0 and f"remove {ids[0]}  on demand, beyond the newest 1" in out and f"keep   {ids[1]}" in out
    assert "Dry run: 1 backup would be removed; nothing was changed." in out
    rc, out, _ = cli("retention", "run")
    assert rc == 0 and f"remove {ids[0]}" in out and "Removed 1 backup" in out
    rc, _, err = cli("backup", "forget", ids[1])
    assert rc == 1 and "--yes" in err
    assert cli("backup", "forget", ids[1], "--yes")[0] == 0
    rc, out, _ = cli("backup", "list", "alice", "--json")
    assert json.loads(out) == []


def test_conditions_and_orphans(cli, setup):
    rc, out, _ = cli("backup", "now", "bob", "--destination", "repo", "--items", "files", "--json")
    bid = json.loads(out)["id"]
    assert cli("condition", "add", "Live files newer than the backup are overwritten.")[0] == 0
    rc, _, err = cli("backup", "restore", bid, "--items", "files", "--mode", "merge", "--to", str(setup / "o"))
    assert rc == 1 and "newer than the backup" in err and "--accept-conditions" in err
    rc, _, err = cli("backup", "restore", bid, "--items", "files", "--mode", "merge", "--to", str(setup / "o"),
                     "--accept-conditions")
    assert rc == 0, err
    rc, out, _ = cli("account", "show", "bob", "--json")
    bob_id = json.loads(out)["id"]
    assert cli("account", "delete", "bob", "--yes")[0] == 0
    rc, out, _ = cli("orphans", "list", "--json")
    assert [(o["account_id"], o["username"], o["backups"]) for o in json.loads(out)] == [(bob_id, "bob", 1)]
    (setup / "bobby").mkdir()
    rc, out, err = cli("orphans", "adopt", bob_id, "--username", "bobby", "--home-dir", str(setup / "bobby"))
    assert rc == 0, err
    rc, out, _ = cli("backup", "list", "bobby", "--json")
    assert [b["id"] for b in json.loads(out)] == [bid]
    rc, out, _ = cli("accounts", "assignable", "--json")
    assert rc == 0 and json.loads(out) == []


def test_job_run_queues_one_backup_per_account_and_wait_runs_them(cli, setup):
    assert cli("job", "add", "nightly", "--destination", "repo", "--accounts", "all", "--items", "files",
               "--schedule", "daily@02:00", "--keep", "3")[0] == 0
    rc, out, err = cli("job", "run", "nightly", "--wait", "--json")
    assert rc == 0, err
    data = json.loads(out)
    assert len(data["items"]) == 2 and data["failed"] == 0
    for name in ("alice", "bob"):
        rc, out, _ = cli("backup", "list", name, "--json")
        made = json.loads(out)
        assert [(b["kind"], b["job"]) for b in made] == [("scheduled", "nightly")]


def test_backup_now_can_go_through_the_queue(cli, setup):
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files", "--queue", "--json")
    assert rc == 0, err
    item = json.loads(out)
    assert item["state"] == "queued" and item["kind"] == "backup"
    rc, out, _ = cli("queue", "run", "--until-empty", "--json")
    assert rc == 0
    rc, out, _ = cli("backup", "list", "alice", "--json")
    assert len(json.loads(out)) == 1 and json.loads(out)[0]["kind"] == "on-demand"
