"""``unitvault backup ...`` and ``downloads list`` end to end, in-process against a temporary home."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from core.destinations import DestinationConfig
from tests.conftest import write_secret
from tests.core.accounts.treegen import make_tree, snapshot_of


@pytest.fixture
def setup(cli, tmp_path):
    from core.catalog import Catalog

    home_dir = make_tree(tmp_path / "alice", files=40, big=1, big_size=2 << 20)
    repo = tmp_path / "repo"
    repo.mkdir()
    assert cli("unit", "seed", "shop")[0] == 0
    assert cli("account", "add", "alice", "--home-dir", str(home_dir), "--unit", "shop")[0] == 0
    cat = Catalog.open("sqlite:///" + str(tmp_path / "home" / "catalog.sqlite3"))
    cat.destinations.add(DestinationConfig("repo", "local", {"path": str(repo)}))
    cat.close()
    return home_dir


def test_backup_list_verify_restore(cli, setup, tmp_path):
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--json")
    assert rc == 0, err
    snap = json.loads(out)
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files")
    assert rc == 0 and "Backup" in out
    rc, out, _ = cli("backup", "list", "alice", "--json")
    listed = json.loads(out)
    assert [s["id"] for s in listed][0] == snap["id"] and len(listed) == 2
    for key in ("id", "time", "kind", "items", "size", "new_data", "encrypted", "destination", "status"):
        assert key in listed[0]
    assert listed[0]["items"] == ["account", "units", "files"] and listed[1]["items"] == ["files"]
    assert listed[0]["encrypted"] is True and listed[0]["destination"] == "repo"
    rc, out, err = cli("backup", "verify", snap["id"], "--read-data")
    assert rc == 0 and "OK" in out
    rc, out, err = cli("backup", "restore", snap["id"], "--items", "files", "--mode", "merge", "--to",
                       str(tmp_path / "out"), "--json")
    assert rc == 0, err
    assert json.loads(out)["files"]["restored"] > 40
    assert snapshot_of(tmp_path / "out") == snapshot_of(setup)
    rc, out, err = cli("backup", "restore", snap["id"], "--items", "files", "--mode", "terminate")
    assert rc == 1 and "--yes" in err
    rc, out, err = cli("backup", "verify", "0123456789abcdef")
    assert rc == 1 and "No backup" in err


def test_restore_dry_run_prints_the_plan_and_the_restore_does_exactly_that(cli, setup, tmp_path):
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files", "--json")
    bid = json.loads(out)["id"]
    target = tmp_path / "t"
    target.mkdir()
    (target / "stray.txt").write_text("live only")
    sub = next(p for p in sorted(setup.iterdir()) if p.is_dir() and not p.is_symlink())
    (target / sub.name).mkdir()
    before = snapshot_of(target)
    args = ("backup", "restore", bid, "--items", "files", "--mode", "terminate", "--to", str(target))
    rc, out, err = cli(*args, "--dry-run")
    assert rc == 0, err
    assert "Dry run: nothing was changed." in out and "removed first: stray.txt" in out
    assert snapshot_of(target) == before
    rc, out, err = cli(*args, "--dry-run", "--json")
    planned = json.loads(out)
    assert planned["applied"] is False and snapshot_of(target) == before
    files = planned["plan"]["files"]
    assert sorted(files["remove_paths"]) == sorted(["stray.txt", sub.name]) and files["skip"] == 0
    rc, out, err = cli(*args, "--yes", "--json")
    assert rc == 0, err
    done = json.loads(out)
    assert done["applied"] is True
    assert sorted(done["files"]["restored_paths"]) == sorted(files["restore_paths"])
    assert sorted(done["files"]["removed"]) == sorted(files["remove_paths"])
    assert snapshot_of(target) == snapshot_of(setup)


def test_verify_exit_code_on_damage(cli, setup, tmp_path):
    rc, out, _ = cli("backup", "now", "alice", "--destination", "repo", "--json")
    sid = json.loads(out)["id"]
    pack = next(p for p in (tmp_path / "repo").rglob("*") if p.is_file() and "/packs/" in str(p))
    data = bytearray(pack.read_bytes())
    data[100] ^= 1
    pack.write_bytes(bytes(data))
    rc, out, _ = cli("backup", "verify", sid)
    assert rc == 0  # structure is intact
    rc, out, _ = cli("backup", "verify", sid, "--read-data")
    assert rc == 1 and str(pack.relative_to(tmp_path / "repo")) in out


def test_download_files_and_list(cli, setup, tmp_path):
    import zstandard

    rc, out, _ = cli("backup", "now", "alice", "--destination", "repo", "--json")
    sid = json.loads(out)["id"]
    rc, out, err = cli("backup", "download", sid, "--items", "files", "--json")
    assert rc == 0, err
    (made,) = json.loads(out)
    assert made["path"].endswith(f"{sid}-files.tar.zst") and "/downloads/" in made["path"]
    raw = zstandard.ZstdDecompressor().stream_reader(open(made["path"], "rb")).read()
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        names = tar.getnames()
        assert "home/dup-a.txt" in names
        assert tar.extractfile("home/dup-a.txt").read() == (setup / "dup-a.txt").read_bytes()
        assert tar.getmember("home/link-to-file").issym()
    rc, out, _ = cli("downloads", "list", "--json")
    assert [d["path"] for d in json.loads(out)] == [made["path"]]


def test_downloads_expire_after_the_ttl(cli, setup, tmp_path):
    import time

    from core.accounts.download import expire_downloads
    from core.app.context import AppContext

    rc, out, _ = cli("backup", "now", "alice", "--destination", "repo", "--json")
    sid = json.loads(out)["id"]
    rc, out, _ = cli("backup", "download", sid, "--items", "files", "--json")
    path = json.loads(out)[0]["path"]
    ctx = AppContext.from_options(str(tmp_path / "home"))
    try:
        assert expire_downloads(ctx, now=time.time() + 6 * 86400) == []
        assert expire_downloads(ctx, now=time.time() + 8 * 86400) == [path]
    finally:
        ctx.close()
    import os

    assert not os.path.exists(path)
    rc, out, _ = cli("downloads", "list", "--json")
    assert json.loads(out) == []


def test_owner_held_account_asks_for_the_passphrase(cli, tmp_path, setup):
    pw = tmp_path / "pw"
    write_secret(pw, "owner secret\n")
    assert cli("account", "add", "olga", "--home-dir", str(setup), "--encryption", "owner")[0] == 0
    rc, out, err = cli("backup", "now", "olga", "--destination", "repo", "--items", "files")
    assert rc == 1 and ("passphrase" in err.lower() or "password" in err.lower())
    rc, out, err = cli("backup", "now", "olga", "--destination", "repo", "--items", "files", "--json",
                       "--password-file", str(pw))
    assert rc == 0, err
    sid = json.loads(out)["id"]
    bad = tmp_path / "bad"
    write_secret(bad, "not it\n")
    rc, out, err = cli("backup", "verify", sid, "--password-file", str(bad))
    assert rc == 1 and "passphrase" in err
    assert "not it" not in err and "owner secret" not in err
    rc, out, err = cli("backup", "verify", sid, "--read-data", "--password-file", str(pw))
    assert rc == 0, err


def test_download_units_as_bundles_that_import_back(cli, setup, tmp_path):
    pw = tmp_path / "pw"
    write_secret(pw, "bundle pass\n")
    rc, out, _ = cli("backup", "now", "alice", "--destination", "repo", "--items", "units", "--json")
    sid = json.loads(out)["id"]
    rc, out, err = cli("backup", "download", sid, "--items", "units:shop", "--out", str(tmp_path / "dl"),
                       "--password-file", str(pw), "--json")
    assert rc == 0, err
    (made,) = json.loads(out)
    assert made["path"].endswith(f"{sid}-shop.uvault") and made["kind"] == "unit"
    from core.unit_import import open_source

    source = open_source(made["path"], password="bundle pass")
    assert source.source_unit_name == "shop"
    assert sum(1 for _ in source.records()) > 0


@pytest.fixture
def second_home(tmp_path, capsys):
    """A second installation (another home) with the same destination: a new machine."""
    from core.cli.main import main

    home2 = tmp_path / "home2"

    def run(*argv):
        try:
            rc = main(["--home", str(home2), *argv])
        except SystemExit as exc:
            rc = exc.code
        got = capsys.readouterr()
        return rc, got.out, got.err

    assert run("destination", "add", "repo", "--type", "local", "--path", str(tmp_path / "repo"))[0] == 0
    return run


def test_a_new_installation_restores_with_the_recovery_key(cli, setup, tmp_path, second_home):
    rc, out, err = cli("recovery-key", "create", "--out", str(tmp_path / "rk"), "--use")
    assert rc == 0, err
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files", "--json")
    assert rc == 0, err
    bid = json.loads(out)["id"]
    rc, out, err = second_home("destination", "scan", "repo", "--json")
    assert rc == 0 and json.loads(out)["backups_added"] == 1 and json.loads(out)["unverified"] == 1
    args = ("backup", "restore", bid, "--items", "files", "--mode", "merge", "--to", str(tmp_path / "out"))
    rc, out, err = second_home(*args)
    assert rc == 1 and "--recovery-key" in err                    # the hint names the way out
    rc, out, err = second_home(*args, "--recovery-key", str(tmp_path / "rk" / "recovery.key"))
    assert rc == 0, err
    assert snapshot_of(tmp_path / "out") == snapshot_of(setup)
    rc, out, err = second_home("backup", "download", bid, "--items", "files", "--out", str(tmp_path / "dl"),
                               "--recovery-key", str(tmp_path / "rk" / "recovery.key"), "--json")
    assert rc == 0, err
    assert json.loads(out)[0]["kind"] == "files"


def test_account_key_export_opens_the_backups_on_a_new_installation(cli, setup, tmp_path, second_home):
    import os
    import stat

    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files", "--json")
    bid = json.loads(out)["id"]
    kit = tmp_path / "alice-key.html"
    rc, out, err = cli("account", "key", "export", "alice", "--out", str(kit))
    assert rc == 0, err
    assert stat.S_IMODE(os.stat(kit).st_mode) == 0o600 and "UVACC1-" in kit.read_text()
    rc, out, err = cli("account", "key", "export", "alice", "--out", str(kit))
    assert rc == 1 and "--force" in err
    assert second_home("destination", "scan", "repo")[0] == 0
    rc, out, err = second_home("backup", "restore", bid, "--items", "files", "--mode", "merge", "--to",
                               str(tmp_path / "out"), "--account-key", str(kit))
    assert rc == 0, err
    assert snapshot_of(tmp_path / "out") == snapshot_of(setup)
    key_text = kit.read_text()
    log = (tmp_path / "home" / "logs").rglob("*")
    assert not any(key_text[key_text.index("UVACC1-"):][:40] in p.read_text(errors="replace")
                   for p in log if p.is_file())


def test_account_key_reset_needs_the_typed_name_and_says_how_many_were_deleted(cli, setup, tmp_path):
    for items in ("files", "account"):
        assert cli("backup", "now", "alice", "--destination", "repo", "--items", items)[0] == 0
    rc, out, err = cli("account", "key", "reset", "alice")
    assert rc == 1 and "--confirm" in err
    rc, out, err = cli("account", "key", "reset", "alice", "--confirm", "bob")
    assert rc == 1
    assert len(json.loads(cli("backup", "list", "alice", "--json")[1])) == 2     # nothing deleted
    rc, out, err = cli("account", "key", "reset", "alice", "--confirm", "alice")
    assert rc == 0, err
    assert "Deleted 2 backups of alice at repo" in out
    assert json.loads(cli("backup", "list", "alice", "--json")[1]) == []
    assert cli("backup", "now", "alice", "--destination", "repo", "--items", "files")[0] == 0


def test_owner_held_backups_run_unattended_after_the_first(cli, setup, tmp_path):
    pw = write_secret(tmp_path / "pw", "owner secret\n")
    assert cli("account", "add", "olga", "--home-dir", str(setup), "--encryption", "owner")[0] == 0
    assert cli("backup", "now", "olga", "--destination", "repo", "--items", "files", "--password-file", str(pw))[0] == 0
    rc, out, err = cli("backup", "now", "olga", "--destination", "repo", "--items", "files", "--json")
    assert rc == 0, err                                            # no passphrase, no prompt
    sid = json.loads(out)["id"]
    rc, out, err = cli("backup", "verify", sid)                    # structure: with what the app holds
    assert rc == 0, err
    rc, out, err = cli("backup", "restore", sid, "--items", "files", "--mode", "merge", "--to", str(tmp_path / "o"))
    assert rc == 1 and "--password-file" in err                     # reading needs the owner
    rc, out, err = cli("backup", "restore", sid, "--items", "files", "--mode", "merge", "--to", str(tmp_path / "o"),
                       "--password-file", str(pw))
    assert rc == 0, err


def test_scan_reports_lost_backups(cli, setup, tmp_path):
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "account", "--json")
    bid = json.loads(out)["id"]
    next((tmp_path / "repo").rglob(f"snapshots/{bid}")).unlink()
    rc, out, err = cli("destination", "scan", "repo")
    assert rc == 0 and f"lost: backup {bid}" in out
    rc, out, err = cli("backup", "list", "alice", "--json")
    assert json.loads(out)[0]["status"] == "missing"


def test_file_names_from_a_backup_reach_the_terminal_escaped(cli, setup, tmp_path):
    evil = "evil\x1b]0;owned\x07\x1b[2J.txt"
    (setup / evil).write_text("x")
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--items", "files", "--json")
    bid = json.loads(out)["id"]
    target = tmp_path / "t"
    target.mkdir()
    (target / evil).write_text("live")
    rc, out, err = cli("backup", "restore", bid, "--items", "files", "--mode", "merge", "--to", str(target),
                       "--dry-run")
    assert rc == 0, err
    assert "skipped: evil\\x1b]0;owned\\x07\\x1b[2J.txt" in out
    assert "\x1b" not in out and "\x07" not in out


def test_restore_lists_every_change_of_a_unit_and_changes_nothing(cli, setup, tmp_path, monkeypatch):
    """Past the first keys a plan lists (here 20 of each kind), ``--list-changes UNIT:SECTION:KIND``
    streams every key the restore would add, remove or change in one section of a unit, and restores
    nothing; a listing it cannot make is refused before the backup is read."""
    import importlib

    from core.app.context import AppContext
    from core.home import AppHome

    compare = importlib.import_module("core.unit_import.compare")
    monkeypatch.setattr(compare, "KEY_CAP", 50)
    monkeypatch.setattr(compare, "SAMPLE", 20)
    rc, out, err = cli("backup", "now", "alice", "--destination", "repo", "--json")
    assert rc == 0, err
    bid = json.loads(out)["id"]
    ctx = AppContext(AppHome.resolve(tmp_path / "home"))
    try:
        unit = ctx.units.get_unit("shop")
        gone = sorted(ctx.units.section_keys(unit.id, "config_keys"))[10:75]
        with ctx.units.write() as conn:
            ctx.units.delete_keys(conn, unit.id, "config_keys", gone)
        revision = ctx.units.revision(unit.id)
    finally:
        ctx.close()
    args = ("backup", "restore", bid, "--items", "units", "--mode", "merge")
    rc, out, err = cli(*args, "--list-changes", "shop:config_keys:added")
    assert rc == 0, err
    assert out.splitlines() == gone
    rc, out, err = cli(*args, "--list-changes", "shop:config_keys:removed", "--json")
    assert rc == 0 and json.loads(out) == []                                    # a merge removes nothing
    rc, _, err = cli(*args, "--list-changes", "other:config_keys:added")
    assert rc == 1 and "no unit named 'other'" in err
    for bad, words in (("shop:config_keys", "UNIT:SECTION:KIND"), ("shop:keys:added", "Sections are"),
                       ("shop:config_keys:new", "Kinds are")):
        rc, out, err = cli("backup", "restore", "no-such-backup", "--items", "units", "--mode", "merge",
                           "--list-changes", bad)
        assert rc == 1 and words in err and "no-such-backup" not in err and out == ""
    ctx = AppContext(AppHome.resolve(tmp_path / "home"))
    try:
        assert ctx.units.revision(ctx.units.get_unit("shop").id) == revision      # nothing was restored
    finally:
        ctx.close()
