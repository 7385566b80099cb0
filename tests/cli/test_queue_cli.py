"""``unitvault queue ...`` and ``unitvault schedule ...`` end to end, in-process against a temporary home:
a due job run is queued once, the queue runs it to scheduled backups, items are cancelled and retried,
and a SIGTERM gives a running item back to the queue."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.catalog.jobs import Job
from core.destinations import DestinationConfig
from core.support.clock import to_iso

ROOT = Path(__file__).resolve().parents[2]


def _catalog(cli):
    from core.catalog import Catalog

    return Catalog.open("sqlite:///" + str(cli.home / "catalog.sqlite3"))


@pytest.fixture
def setup(cli, tmp_path):
    for name in ("alice", "bob"):
        home_dir = tmp_path / name
        home_dir.mkdir()
        (home_dir / "notes.txt").write_text(f"{name}'s notes\n")
        assert cli("account", "add", name, "--home-dir", str(home_dir))[0] == 0
    repo = tmp_path / "repo"
    repo.mkdir()
    cat = _catalog(cli)
    try:
        cat.destinations.add(DestinationConfig("repo", "local", {"path": str(repo)}))
        two_hours_ago = to_iso(dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
        cat.jobs.add(Job("hourly", "repo", ("files",), {"all": True}, "hourly", "UTC", 5, None, None, None, True,
                         two_hours_ago, "", ""))
        cat.jobs.add(Job("later", "repo", ("files",), {"usernames": ["bob"]}, "monthly@1,04:00", "Europe/Berlin", 5,
                         None, None, None, True, None, "", ""))
    finally:
        cat.close()


def test_a_due_run_is_queued_once_and_runs_to_scheduled_backups(cli, setup):
    rc, out, err = cli("schedule", "next", "--json")
    assert rc == 0, err
    upcoming = json.loads(out)
    assert [j["job"] for j in upcoming] == ["hourly", "later"] and upcoming[1]["accounts"] == 1
    assert upcoming[0]["next"][0].endswith(":00:00Z")
    rc, out, _ = cli("schedule", "next")
    assert rc == 0 and "hourly (UTC)" in out and "monthly@1,04:00 (Europe/Berlin)" in out
    rc, out, err = cli("schedule", "run-due", "--json")
    assert rc == 0, err
    due = json.loads(out)
    assert due["queued"] == 2 and [r["job"] for r in due["runs"]] == ["hourly"]
    rc, out, _ = cli("schedule", "run-due")
    assert rc == 0 and out == "No job runs are due.\n"
    rc, out, _ = cli("queue", "list", "--json")
    listed = json.loads(out)
    assert [(i["username"], i["state"], i["job"], i["priority_group"]) for i in listed["items"]] == [
        ("alice", "queued", "hourly", "Normal"), ("bob", "queued", "hourly", "Normal")]
    assert listed["counts"]["queued"] == 2
    rc, out, _ = cli("queue", "list")
    assert rc == 0 and "In the queue: 2 queued" in out and "Normal (50)" in out
    rc, out, err = cli("queue", "run", "--until-empty", "--json")
    assert rc == 0, err
    ran = json.loads(out)
    assert (ran["done"], ran["failed"], ran["released"]) == (2, 0, 0)
    rc, out, _ = cli("backup", "list", "alice", "--json")
    (backup,) = json.loads(out)
    assert (backup["kind"], backup["job"], backup["items"]) == ("scheduled", "hourly", ["files"])
    rc, out, _ = cli("queue", "list", "--state", "done")
    assert rc == 0 and f"backup {backup['id']}" in out


def test_cancel_retry_and_show(cli, setup):
    cli("schedule", "run-due")
    rc, out, _ = cli("queue", "list", "--json")
    first, second = (i["id"] for i in json.loads(out)["items"])
    rc, out, _ = cli("queue", "cancel", str(first))
    assert rc == 0 and out == f"Queue item {first} cancelled.\n"
    rc, _out, err = cli("queue", "cancel", str(first))
    assert rc == 1 and "already cancelled" in err
    rc, out, _ = cli("queue", "show", str(first), "--json")
    assert json.loads(out)["state"] == "cancelled"
    rc, _out, err = cli("queue", "retry", str(second))
    assert rc == 1 and "only failed or cancelled items are retried" in err
    rc, out, _ = cli("queue", "retry", str(first))
    assert rc == 0 and "queued again" in out
    rc, out, _ = cli("queue", "show", str(first))
    assert rc == 0 and f"Queue item {first}: backup alice, queued" in out and "job:" in out
    rc, _out, err = cli("queue", "show", "999")
    assert rc == 1 and "unitvault queue list" in err
    rc, _out, err = cli("queue", "list", "--state", "sleeping")
    assert rc == 1 and "Unknown state" in err


def test_queue_settings(cli, setup):
    rc, out, _ = cli("queue", "settings", "--workers", "3", "--connections", "4", "--json")
    assert rc == 0 and json.loads(out)["workers"] == 3 and json.loads(out)["connections"] == 4
    rc, out, _ = cli("queue", "settings", "--destination", "repo", "--connections", "1")
    assert rc == 0 and "repo: 1" in out
    rc, _out, err = cli("queue", "settings", "--destination", "nowhere", "--connections", "1")
    assert rc == 1 and "unitvault destination list" in err
    rc, out, _ = cli("queue", "settings", "--destination", "repo", "--default-connections", "--json")
    assert json.loads(out)["by_destination"] == {}


def test_sigterm_gives_the_running_item_back(cli, setup, tmp_path):
    """A real ``unitvault queue run`` stopped by SIGTERM (as systemd stops it) in the middle of a backup:
    the item goes back to the queue, its attempt not counted, no backup is indexed, and the process exits."""
    from core.app import backups, queue
    from core.app.context import AppContext

    (tmp_path / "alice" / "big.bin").write_bytes(os.urandom(8 << 20))
    (tmp_path / "slow").mkdir()
    ctx = AppContext.from_options(str(cli.home))
    try:
        ctx.catalog.destinations.add(DestinationConfig("slow", "local", {"path": str(tmp_path / "slow"),
                                                                         "bandwidth_limit": 1 << 20}))
        item = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("alice", "slow", "files")))
    finally:
        ctx.close()
    env = {**os.environ, "UNITVAULT_SECRETS": "file"}
    proc = subprocess.Popen([sys.executable, "-m", "core", "--home", str(cli.home), "queue", "run", "--workers", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended or never started the backup"
            rc, out, _ = cli("queue", "show", str(item.id), "--json")
            if json.loads(out)["progress"]:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1 and "cancelled" in err
    rc, out, _ = cli("queue", "show", str(item.id), "--json")
    got = json.loads(out)
    assert (got["state"], got["attempts"], got["worker"]) == ("queued", 0, None)
    rc, out, _ = cli("backup", "list", "alice", "--json")
    assert json.loads(out) == []
