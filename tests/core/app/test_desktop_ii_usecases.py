"""Use cases the desktop's account pages need: what a backup holds (and ``backup ls``), the excludes
preview, an SFTP server's host key fetched without trusting it, the accounts overview at scale, and
the queue's workers and scheduler in the background of a long-lived process."""

from __future__ import annotations

import json
import os
import subprocess
import threading

import pytest

from core.app import accounts, backups, destinations, jobs, queue, tags
from core.app.background import start_background
from core.errors import InvalidInputError, NotFoundError, PermanentDestinationError
from core.support.clock import ManualClock
from tests.core.accounts.treegen import make_tree


@pytest.fixture
def demo_ctx(ctx):
    from core.app.units import seed_first_start

    seed_first_start(ctx)
    return ctx


def local_dest(ctx, tmp_path, name="repo"):
    return destinations.add_destination(ctx, destinations.AddDestination(name, "local", path=str(tmp_path / name)))


def small_home(tmp_path, name="alice"):
    root = tmp_path / name
    (root / "docs" / "deep").mkdir(parents=True)
    (root / "docs" / "a.txt").write_bytes(b"a" * 10)
    (root / "docs" / "deep" / "b.txt").write_bytes(b"b" * 20)
    (root / "cache").mkdir()
    (root / "cache" / "big.bin").write_bytes(b"c" * 1000)
    (root / "notes.md").write_bytes(b"n" * 5)
    (root / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin")
    return root


def test_browse_a_backup_lists_its_settings_units_and_files(demo_ctx, tmp_path):
    ctx = demo_ctx
    local_dest(ctx, tmp_path)
    home = small_home(tmp_path)
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home), units=("demo",)))
    made = backups.backup_now(ctx, backups.BackupNow("alice", "repo"))
    got = backups.browse_backup(ctx, backups.BrowseBackup(made.backup_id))
    assert got.entry.id == made.backup_id and got.account_settings["username"] == "alice"
    (unit,) = got.units
    assert unit.name == "demo" and set(unit.sections) == {"plugins", "workspaces", "profiles", "config_keys"}
    assert all(n > 0 for n in unit.sections.values())
    files = got.files
    top = files.children(b"")
    assert [n.name for n in top] == ["cache", "docs", "caf\\xe9.txt", "notes.md"]   # folders first, escaped names
    docs = files.node(b"docs")
    assert docs.is_dir and docs.size == 30 and docs.entries == 3
    assert [n.path for n in files.children(b"docs")] == ["docs/deep", "docs/a.txt"]
    assert files.total_size == 10 + 20 + 1000 + 5 + 5 and files.below(b"") == files.total_entries == 8
    assert [n.path for n in files.search("B.TXT")] == ["docs/deep/b.txt"]
    assert files.under(b"docs") == [b"docs/a.txt", b"docs/deep", b"docs/deep/b.txt"]
    assert files.node(b"docs/a.txt").mtime.endswith("Z")


def test_backup_ls_lists_a_folder_a_file_and_refuses_what_is_not_there(demo_ctx, tmp_path, cli):
    ctx = demo_ctx
    local_dest(ctx, tmp_path)
    accounts.add_account(ctx, accounts.AddAccount("alice", str(small_home(tmp_path))))
    made = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
    root = backups.list_backup_entries(ctx, backups.ListBackupEntries(made.backup_id))
    assert [n.name for n in root.entries] == ["cache", "docs", "caf\\xe9.txt", "notes.md"]
    one = backups.list_backup_entries(ctx, backups.ListBackupEntries(made.backup_id, "docs/a.txt"))
    assert [(n.path, n.size) for n in one.entries] == [("docs/a.txt", 10)]
    with pytest.raises(NotFoundError) as err:
        backups.list_backup_entries(ctx, backups.ListBackupEntries(made.backup_id, "nothing/here"))
    assert err.value.kind == "backup_path_not_found"
    ctx.close()
    rc, out, err_text = cli("backup", "ls", made.backup_id, "docs", "--json")
    assert rc == 0, err_text
    listed = json.loads(out)
    assert [(e["name"], e["type"], e["size"]) for e in listed] == [("deep", "folder", 20), ("a.txt", "file", 10)]
    rc, out, _ = cli("backup", "ls", made.backup_id)
    assert rc == 0 and "caf\\xe9.txt" in out and "docs/" in out and out.splitlines()[0].split()[:3] == [
        "TYPE", "MODE", "SIZE"]
    rc, _, err_text = cli("backup", "ls", made.backup_id, "../etc")
    assert rc == 1 and "not a relative path" in err_text


def test_the_excludes_preview_decides_as_a_backup_walks(ctx, tmp_path):
    from core.accounts.excludes import preview_excludes, walk_home

    home = small_home(tmp_path)
    entries, complete = walk_home(str(home))
    assert complete and [e[0] for e in entries][:4] == [b"cache", b"cache/big.bin", b"caf\xe9.txt", b"docs"]
    got = preview_excludes(entries, ["cache/", "*.md"])
    assert got.matched == ("cache/", "notes.md")          # the folder once, nothing below it listed
    assert got.matched_count == 3 and got.matched_bytes == 1005 and got.scanned == 8
    assert dict(got.by_pattern) == {"cache/": 1, "*.md": 1}
    assert preview_excludes(entries, ["deep"]).matched == ("docs/deep/",)
    assert preview_excludes(entries, []).matched_count == 0
    with pytest.raises(InvalidInputError) as err:
        preview_excludes(entries, ["ok", "  "])
    assert err.value.kind == "invalid_exclude"
    # the use case, on the account's home: exactly what a backup then leaves out
    accounts.add_account(ctx, accounts.AddAccount("alice", str(home)))
    shown = accounts.preview_excludes(ctx, accounts.PreviewExcludes(("cache/", "*.md"), name="alice"))
    assert shown.matched == ("cache/", "notes.md")
    local_dest(ctx, tmp_path)
    accounts.edit_account(ctx, accounts.EditAccount("alice", excludes=("cache/", "*.md")))
    made = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
    kept = backups.browse_backup(ctx, backups.BrowseBackup(made.backup_id)).files
    assert kept.total_entries == shown.scanned - shown.matched_count


def test_a_large_tree_preview_stops_at_its_cap(ctx, tmp_path):
    from core.accounts.excludes import walk_home

    home = make_tree(tmp_path / "big", files=120, big=0)
    entries, complete = walk_home(str(home), limit=50)
    assert len(entries) == 50 and not complete
    every, done = walk_home(str(home))
    assert done and entries == every[:50]


@pytest.mark.server
def test_the_host_key_is_fetched_untrusted_and_pinned_only_when_given(ctx, sftp_server, tmp_path):
    server = sftp_server
    got = destinations.fetch_host_key(ctx, destinations.FetchHostKey(server.host, server.port))
    assert got.key == server.host_key and got.algorithm == "ssh-ed25519"
    expected = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", "-"], input=server.host_key.encode(),
                              capture_output=True, check=True).stdout.decode().split()[1]
    assert got.fingerprint == expected
    assert destinations.list_destinations(ctx) == []        # nothing saved by looking
    params = dict(host=server.host, port=server.port, user=server.user, key_file=server.key_file,
                  path=f"{server.root}/pinned-{os.getpid()}")
    with pytest.raises(PermanentDestinationError) as err:    # another key pinned: refused
        destinations.add_destination(ctx, destinations.AddDestination("bad", "sftp", host_key=server.other_host_key,
                                                                      **params))
    assert err.value.kind == "host_key_unknown"
    added = destinations.add_destination(ctx, destinations.AddDestination("pinned", "sftp", host_key=got.key,
                                                                          **params))
    assert added.config.params["host_key"] == server.host_key and "known_hosts" not in added.config.params
    probed = destinations.probe_destination(ctx, destinations.ProbeDestination("pinned", 0.1))
    assert probed.latency_s > 0 and probed.write_mib_s > 0
    with pytest.raises(InvalidInputError):
        destinations.fetch_host_key(ctx, destinations.FetchHostKey(" ", 22))


def test_a_closed_port_answers_with_a_destination_error(ctx):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Exception) as err:
        destinations.fetch_host_key(ctx, destinations.FetchHostKey("127.0.0.1", port))
    assert type(err.value).__name__ == "TransientDestinationError" and "127.0.0.1" in err.value.message


def test_the_overview_gives_every_account_its_latest_and_next_backup(home, tmp_path):
    from core.app.context import AppContext

    clock = ManualClock("2027-03-01T10:00:00Z")
    ctx = AppContext(home, clock=clock)
    try:
        local_dest(ctx, tmp_path)
        tags.add_tag(ctx, tags.AddTag("vip", "#aa3355"))
        for name in ("alice", "bob", "carol"):
            folder = tmp_path / name
            folder.mkdir()
            (folder / "f.txt").write_bytes(name.encode() * 100)
            accounts.add_account(ctx, accounts.AddAccount(name, str(folder)))
        tags.assign_tag(ctx, tags.TagAccount("vip", "bob"))
        first = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
        clock.advance(minutes=5)
        second = backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files"))
        jobs.add_job(ctx, jobs.JobSpec("vip-nightly", "repo", "tag:vip", "files", "daily@02:00", "UTC", keep=3))
        jobs.add_job(ctx, jobs.JobSpec("off", "repo", "all", "files", "hourly", "UTC", keep=3, enabled=False))
        rows = {r.account.username: r for r in accounts.account_overview(ctx)}
        assert rows["alice"].backups == 2 and rows["alice"].last_backup == second.created
        assert rows["alice"].last_size == ctx.catalog.backups.get(second.backup_id).size and first.backup_id
        assert rows["alice"].next_backup is None                     # only the disabled job covers her
        assert rows["bob"].next_job == "vip-nightly" and rows["bob"].next_backup == "2027-03-02T02:00:00Z"
        assert rows["bob"].account.tags == ("vip",) and rows["carol"].backups == 0
        assert [r.account.username for r in accounts.account_overview(ctx, accounts.ListAccounts(tag="vip"))] == ["bob"]
    finally:
        ctx.close()


def test_listing_many_accounts_reads_units_and_tags_for_all_at_once(demo_ctx, tmp_path):
    ctx = demo_ctx
    folder = tmp_path / "h"
    folder.mkdir()
    tags.add_tag(ctx, tags.AddTag("blue", "#2244aa"))
    for i in range(30):
        accounts.add_account(ctx, accounts.AddAccount(f"user{i:02d}", str(folder),
                                                      units=("demo",) if i % 3 == 0 else ()))
    for i in range(0, 30, 5):
        tags.assign_tag(ctx, tags.TagAccount("blue", f"user{i:02d}"))
    listed = ctx.catalog.accounts.list()
    assert [a.username for a in listed] == sorted(a.username for a in listed)
    for a in listed:
        assert a == ctx.catalog.accounts.get(a.id)               # the same as one account read alone


def test_the_background_runs_queued_work_and_reports_it(ctx, tmp_path):
    local_dest(ctx, tmp_path)
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "f.txt").write_text("hello")
    accounts.add_account(ctx, accounts.AddAccount("alice", str(folder)))
    finished = []
    seen = threading.Event()

    def heard(f):
        finished.append((f.item.id, f.outcome))
        seen.set()

    work = start_background(ctx, on_finish=heard, schedule=False, poll=0.1)
    try:
        item = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("alice", "repo", "files")))
        assert seen.wait(60), "the background workers did not run the queued backup"
        assert finished == [(item.id, "done")] and work.running() == []
        done = queue.show_item(ctx, queue.QueueRef(item.id))
        assert done.state == "done" and done.result["backup_id"]
    finally:
        work.stop(timeout=30)
    assert work.stopped


def test_a_schedule_is_previewed_in_words_with_its_next_five_runs(home):
    from core.app.context import AppContext

    ctx = AppContext(home, clock=ManualClock("2027-03-27T12:00:00Z"))
    try:
        got = jobs.preview_schedule(ctx, jobs.PreviewSchedule("daily@02:30", "Europe/Berlin"))
        assert got.text == "Every day at 02:30" and got.timezone == "Europe/Berlin" and len(got.runs) == 5
        # 28 March 2027: clocks jump from 02:00 to 03:00 in Berlin; the run comes one hour later in absolute time
        assert [t.isoformat() for t in got.runs[:3]] == ["2027-03-28T01:30:00+00:00", "2027-03-29T00:30:00+00:00",
                                                         "2027-03-30T00:30:00+00:00"]
        assert jobs.preview_schedule(ctx, jobs.PreviewSchedule("weekly@sun,03:00", "UTC")).text == \
            "Every Sunday at 03:00"
        assert jobs.preview_schedule(ctx, jobs.PreviewSchedule("monthly@last,04:00", "UTC")).text.startswith(
            "On the last day")
        assert jobs.preview_schedule(ctx, jobs.PreviewSchedule("hourly@:15", "UTC")).text == \
            "Every hour at 15 minutes past"
        with pytest.raises(InvalidInputError) as err:
            jobs.preview_schedule(ctx, jobs.PreviewSchedule("sometimes"))
        assert err.value.kind == "invalid_schedule"
    finally:
        ctx.close()


def test_a_jobs_retention_is_previewed_with_unsaved_keep_counts(home, tmp_path):
    from core.app.context import AppContext

    clock = ManualClock("2027-03-01T10:00:00Z")
    ctx = AppContext(home, clock=clock)
    try:
        local_dest(ctx, tmp_path)
        folder = tmp_path / "alice"
        folder.mkdir()
        (folder / "f.txt").write_text("x")
        accounts.add_account(ctx, accounts.AddAccount("alice", str(folder)))
        jobs.add_job(ctx, jobs.JobSpec("nightly", "repo", "all", "files", "daily@02:00", "UTC", keep=5))
        made = []
        for _ in range(4):
            made.append(backups.backup_now(ctx, backups.BackupNow("alice", "repo", "files", job="nightly")).backup_id)
            clock.advance(days=1)
        assert jobs.preview_retention(ctx, jobs.JobSpec("nightly")).remove == ()
        shown = jobs.preview_retention(ctx, jobs.JobSpec("nightly", keep=2))
        assert set(shown.remove) == set(made[:2])           # the two oldest, not yet saved
        assert len(backups.list_backups(ctx, backups.ListBackups("alice")).backups) == 4   # nothing removed
        assert ctx.catalog.jobs.get("nightly").keep_last == 5                                # nothing saved
    finally:
        ctx.close()


def test_an_accounts_tags_are_set_as_a_whole_in_one_transaction(ctx, tmp_path):
    """What the account's tags dialog saves: the account ends with exactly the chosen tags; a tag that
    does not exist refuses the whole change."""
    for name in ("red", "green", "blue"):
        tags.add_tag(ctx, tags.AddTag(name, "#336699"))
    accounts.add_account(ctx, accounts.AddAccount("alice", str(small_home(tmp_path))))
    tags.assign_tag(ctx, tags.TagAccount("red", "alice"))
    tags.assign_tag(ctx, tags.TagAccount("green", "alice"))
    changed = tags.set_account_tags(ctx, tags.SetAccountTags("alice", ("green", "blue")))
    assert (changed.added, changed.removed) == (("blue",), ("red",))
    assert sorted(ctx.catalog.accounts.get("alice").tags) == ["blue", "green"]
    with pytest.raises(NotFoundError):
        tags.set_account_tags(ctx, tags.SetAccountTags("alice", ("blue", "red", "zzz")))   # red first, then none
    assert sorted(ctx.catalog.accounts.get("alice").tags) == ["blue", "green"]      # nothing half done
    unchanged = tags.set_account_tags(ctx, tags.SetAccountTags("alice", ("blue", "green")))
    assert unchanged == tags.TagsChanged((), ())
