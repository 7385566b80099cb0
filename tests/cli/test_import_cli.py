"""``unitvault import``, ``snapshots`` and ``undo`` as a user runs them (in-process, temporary home)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from core.bundle import KdfParams, export_unit
from core.bundle import limits as L
from tests.conftest import write_secret

PASSWORD = "correct horse battery staple"
VECTORS = Path(__file__).resolve().parents[1] / "vectors"


@pytest.fixture
def setup(cli, tmp_path):
    """Units a and b (small demo content) and a password bundle of a."""
    assert cli("unit", "seed", "a", "--seed", "1")[0] == 0
    assert cli("unit", "seed", "b", "--seed", "2")[0] == 0
    from core.app.context import AppContext

    ctx = AppContext.from_options(str(cli.home))
    try:
        export_unit(ctx.units, "a", tmp_path / "a.uvault", password=PASSWORD,
                    kdf=KdfParams(L.KDF_FLOOR_M, L.KDF_FLOOR_T, L.KDF_FLOOR_P))
    finally:
        ctx.close()
    pw = tmp_path / "pw"
    write_secret(pw, PASSWORD + "\n")
    cli.bundle, cli.pw = str(tmp_path / "a.uvault"), str(pw)
    return cli


def digest(cli, name):
    rc, out, _ = cli("unit", "digest", name)
    assert rc == 0
    return out.strip()


def imp(cli, *extra):
    return cli("import", cli.bundle, "--password-file", cli.pw, *extra)


def test_dry_run_prints_the_plan_and_changes_nothing(setup):
    before = digest(setup, "b")
    rc, out, err = imp(setup, "--into", "b", "--dry-run")
    assert rc == 0, err
    assert "Source:  unit 'a'" in out and "ANOTHER unit" in out
    assert "config_keys" in out and "replace" in out and "Dry run: nothing was changed." in out
    assert digest(setup, "b") == before


def test_without_a_terminal_and_without_yes_it_refuses(setup):
    before = digest(setup, "b")
    rc, out, err = imp(setup, "--into", "b", "--allow-other-unit")
    assert rc == 1 and "needs confirmation" in err and "--yes" in err
    assert digest(setup, "b") == before


def test_import_into_a_new_unit_round_trips(setup):
    rc, out, err = imp(setup, "--into", "copy", "--yes")
    assert rc == 0, err
    assert "new unit 'copy'" in out and "Done: unit copy" in out
    assert digest(setup, "copy") == digest(setup, "a")


def test_other_unit_needs_allow_other_unit_with_yes(setup):
    before = digest(setup, "b")
    rc, _, err = imp(setup, "--into", "b", "--yes")
    assert rc == 1 and "--allow-other-unit" in err
    assert digest(setup, "b") == before
    rc, out, err = imp(setup, "--into", "b", "--yes", "--allow-other-unit")
    assert rc == 0, err
    assert digest(setup, "b") == digest(setup, "a")
    assert "unitvault undo b" in out


def test_json_output(setup):
    rc, out, err = imp(setup, "--into", "b", "--yes", "--allow-other-unit", "--json", "--sections", "plugins")
    assert rc == 0, err
    data = json.loads(out)
    assert data["applied"] is True and data["preview"]["other_unit"] is True
    plan = data["preview"]["plan"]
    assert plan["sections"] == ["plugins"] and plan["affected_sections"] == ["plugins"]
    assert data["result"]["snapshot_id"] and data["result"]["digest_after"] == digest(setup, "b")


def test_wrong_password_fails_cleanly(setup, tmp_path):
    before = digest(setup, "b")
    bad = tmp_path / "bad"
    write_secret(bad, "not the password")
    rc, out, err = setup("import", setup.bundle, "--password-file", str(bad), "--into", "b", "--yes",
                         "--allow-other-unit")
    assert rc == 1 and err.startswith("unitvault: error:") and "not the password" not in err
    assert digest(setup, "b") == before


def test_refused_plan_exits_1_with_its_message(setup):
    rc, _, err = imp(setup, "--into", "b", "--sections", "profiles", "--dry-run")
    assert rc == 1 and "Importing profiles without workspaces" in err


def test_typed_confirmation_on_a_terminal(setup, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    before = digest(setup, "b")
    monkeypatch.setattr("sys.stdin", Tty("wrong\n"))
    rc, _, err = imp(setup, "--into", "b")
    assert rc == 1 and "did not match" in err and digest(setup, "b") == before
    monkeypatch.setattr("sys.stdin", Tty("b\n"))
    rc, out, err = imp(setup, "--into", "b")
    assert rc == 0, err
    assert "Type the unit name (b)" in err and digest(setup, "b") == digest(setup, "a")


def test_merge_mode(setup):
    rc, out, err = imp(setup, "--into", "b", "--mode", "merge", "--yes", "--allow-other-unit", "--json")
    assert rc == 0, err
    totals = json.loads(out)["result"]["totals"]
    assert totals["removed"] == 0 and totals["added"] > 0


def test_snapshots_list_restore_and_undo(setup):
    before = digest(setup, "b")
    assert imp(setup, "--into", "b", "--yes", "--allow-other-unit")[0] == 0
    after = digest(setup, "b")
    rc, out, _ = setup("snapshots", "list", "b", "--json")
    (snap,) = json.loads(out)
    assert snap["unit_name"] == "b" and snap["kind"] == "import"
    rc, out, _ = setup("snapshots", "list")
    assert snap["id"] in out and "before importing 'a'" in out

    rc, out, err = setup("undo", "b")
    assert rc == 1 and "needs confirmation" in err and "--yes" in err and digest(setup, "b") == after
    rc, out, err = setup("undo", "b", "--dry-run")
    assert rc == 0 and "Dry run" in out and digest(setup, "b") == after
    rc, out, err = setup("undo", "b", "--yes")
    assert rc == 0, err
    assert digest(setup, "b") == before

    rc, out, _ = setup("snapshots", "list", "b", "--json")
    redo = next(s for s in json.loads(out) if s["kind"] == "undo")
    rc, out, err = setup("snapshots", "restore", redo["id"], "--yes")
    assert rc == 0, err
    assert digest(setup, "b") == after
    rc, _, err = setup("snapshots", "restore", "nonsense", "--yes")
    assert rc == 1 and "Invalid snapshot id" in err


def test_no_safety_snapshot(setup):
    assert imp(setup, "--into", "b", "--yes", "--allow-other-unit", "--no-safety-snapshot")[0] == 0
    rc, out, _ = setup("snapshots", "list", "--json")
    assert json.loads(out) == []
    rc, _, err = setup("undo", "b", "--yes")
    assert rc == 1 and "no safety snapshot left to undo" in err


def test_recovery_key(cli, tmp_path):
    entry = json.loads((VECTORS / "manifest.json").read_text())["good/v1-compat-small.uvault"]
    key = tmp_path / "recovery.key"
    key.write_text(entry["recovery_key"] + "\n")
    rc, out, err = cli("import", str(VECTORS / "good/v1-compat-small.uvault"), "--recovery-key", str(key),
                       "--into", "fromkit", "--yes")
    assert rc == 0, err
    assert digest(cli, "fromkit") == entry["digest"]


def test_a_bad_vector_through_the_cli(setup):
    before = digest(setup, "b")
    rc, _, err = setup("import", str(VECTORS / "bad/flip-middle-chunk.uvault"), "--password-file", setup.pw,
                       "--into", "b", "--yes", "--allow-other-unit")
    assert rc == 1 and err.count("\n") >= 1 and "damaged" in err.lower()
    assert digest(setup, "b") == before


def _crash_after_commit(cli, snapshot_id):
    """What a SIGKILL between the import's COMMIT and its sidecar update leaves: a pending sidecar."""
    from core.home import AppHome

    side = AppHome.resolve(cli.home).snapshots_dir / f"{snapshot_id}.json"
    data = json.loads(side.read_text())
    side.write_text(json.dumps(data | {"state": "pending"}))


@pytest.fixture
def crashed(setup, tmp_path):
    """b imported a (snapshot s1), then c, killed right after the second import committed (s2 pending)."""
    from core.app.context import AppContext

    assert setup("unit", "seed", "c", "--seed", "3")[0] == 0
    ctx = AppContext.from_options(str(setup.home))
    try:
        export_unit(ctx.units, "c", tmp_path / "c.uvault", password=PASSWORD,
                    kdf=KdfParams(L.KDF_FLOOR_M, L.KDF_FLOOR_T, L.KDF_FLOOR_P))
    finally:
        ctx.close()
    assert imp(setup, "--into", "b", "--yes", "--allow-other-unit")[0] == 0
    setup.after_a = digest(setup, "b")
    rc, out, err = setup("import", str(tmp_path / "c.uvault"), "--password-file", setup.pw, "--into", "b",
                         "--yes", "--allow-other-unit", "--json")
    assert rc == 0, err
    setup.s2 = json.loads(out)["result"]["snapshot_id"]
    _crash_after_commit(setup, setup.s2)
    return setup


def test_snapshots_list_after_a_crash_shows_the_committed_import(crashed):
    rc, out, err = crashed("snapshots", "list", "b", "--json")
    assert rc == 0, err
    assert [s["id"] for s in json.loads(out)][0] == crashed.s2


def test_undo_after_a_crash_reverts_the_committed_import(crashed):
    rc, out, err = crashed("undo", "b", "--yes")
    assert rc == 0, err
    assert digest(crashed, "b") == crashed.after_a


def test_json_on_a_terminal_shows_the_plan_before_asking(setup, monkeypatch):
    """--json keeps stdout for the JSON result, but a user asked to type the unit name sees what
    they confirm (on stderr), including that the bundle comes from another unit."""
    class Tty(io.StringIO):
        def isatty(self):
            return True

    before = digest(setup, "b")
    monkeypatch.setattr("sys.stdin", Tty("nope\n"))
    rc, out, err = imp(setup, "--into", "b", "--json")
    assert rc == 1 and "did not match" in err and digest(setup, "b") == before
    shown = err.split("Type the unit name")[0]
    assert "ANOTHER unit" in shown and "Plan:" in shown


def test_undo_walks_back_after_a_crash_before_the_undo_was_recorded(setup, tmp_path):
    """An undo killed after its commit but before it marked its snapshot undone: the next undo finds
    the unit already equal to that snapshot; it must record it and let the one after walk back."""
    from core.app.context import AppContext
    from core.home import AppHome

    original = digest(setup, "b")
    assert setup("unit", "seed", "c", "--seed", "3")[0] == 0
    ctx = AppContext.from_options(str(setup.home))
    try:
        export_unit(ctx.units, "c", tmp_path / "c.uvault", password=PASSWORD,
                    kdf=KdfParams(L.KDF_FLOOR_M, L.KDF_FLOOR_T, L.KDF_FLOOR_P))
    finally:
        ctx.close()
    assert setup("import", str(tmp_path / "c.uvault"), "--password-file", setup.pw, "--into", "b",
                 "--yes", "--allow-other-unit")[0] == 0
    as_c = digest(setup, "b")
    rc, out, err = imp(setup, "--into", "b", "--yes", "--allow-other-unit", "--json")
    assert rc == 0, err
    s1 = json.loads(out)["result"]["snapshot_id"]
    assert setup("undo", "b", "--yes")[0] == 0 and digest(setup, "b") == as_c
    side = AppHome.resolve(setup.home).snapshots_dir / f"{s1}.json"
    side.write_text(json.dumps(json.loads(side.read_text()) | {"undone": False}))  # the crash

    rc, out, err = setup("undo", "b", "--yes")
    assert rc == 0, err
    assert digest(setup, "b") == as_c
    rc, out, err = setup("undo", "b", "--yes")
    assert rc == 0, err
    assert digest(setup, "b") == original


def keys_of(cli, unit: str, section: str) -> set[str]:
    from core.app.context import AppContext

    ctx = AppContext.from_options(str(cli.home))
    try:
        unit_id = ctx.units.get_unit(unit).id
        return {w["key" if section == "config_keys" else "id"] for w in ctx.units.iter_wire(unit_id, section)}
    finally:
        ctx.close()


def test_list_changes_prints_every_key_and_changes_nothing(setup, monkeypatch):
    """Past what a plan lists (here 20 keys of each kind), the rest stream out one per line."""
    import importlib

    compare = importlib.import_module("core.unit_import.compare")
    monkeypatch.setattr(compare, "KEY_CAP", 50)
    monkeypatch.setattr(compare, "SAMPLE", 20)
    before = digest(setup, "b")
    src, live = keys_of(setup, "a", "config_keys"), keys_of(setup, "b", "config_keys")
    rc, out, err = imp(setup, "--into", "b", "--list-changes", "config_keys:added", "--yes", "--allow-other-unit")
    assert rc == 0, err
    assert out.splitlines() == sorted(src - live) and len(src - live) > 20
    rc, out, err = imp(setup, "--into", "b", "--list-changes", "config_keys:removed", "--json")
    assert rc == 0, err
    assert json.loads(out) == sorted(live - src)
    rc, out, err = imp(setup, "--into", "b", "--mode", "merge", "--list-changes", "config_keys:removed", "--json")
    assert rc == 0 and json.loads(out) == []  # a merge removes nothing
    assert digest(setup, "b") == before


@pytest.mark.parametrize("arg, words", [("config_keys", "SECTION:KIND"), ("keys:added", "Sections are"),
                                        ("config_keys:new", "Kinds are: added, removed, changed, kept")])
def test_list_changes_refuses_what_it_cannot_list_before_the_preview(setup, arg, words):
    """Said at once: not after a password prompt and a long preview (here the file does not even exist)."""
    rc, out, err = setup("import", "missing.uvault", "--into", "b", "--list-changes", arg)
    assert rc == 1 and words in err and "missing.uvault" not in err and out == ""


def test_undo_lists_what_it_would_change_and_changes_nothing(setup):
    """The same listing for an undo (and a snapshot restore): the keys the import took away come back."""
    original = digest(setup, "b")
    before = keys_of(setup, "b", "config_keys")
    assert imp(setup, "--into", "b", "--yes", "--allow-other-unit")[0] == 0
    after = keys_of(setup, "b", "config_keys")
    rc, out, err = setup("undo", "b", "--list-changes", "config_keys:added")
    assert rc == 0, err
    assert out.splitlines() == sorted(before - after) and out
    rc, out, err = setup("undo", "b", "--list-changes", "config_keys:removed", "--json")
    assert rc == 0 and json.loads(out) == sorted(after - before)
    assert setup("undo", "b", "--yes")[0] == 0  # the listing did not use the snapshot up
    assert digest(setup, "b") == original
