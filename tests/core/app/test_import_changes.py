"""Every key of a change on demand: a preview lists the first keys of each kind, the rest stream from
the bundle and the unit again (``import.changes``), in key order, whether or not the plan holds them."""

from __future__ import annotations

import importlib
import itertools
import random

import pytest

from core.app import imports
from core.app.bundles import BundleKey
from core.bundle import KdfParams, export_unit
from core.bundle import limits as L
from core.errors import InvalidInputError
from core.unit.records import SECTIONS
from core.unit.seed import seed_unit
from core.unit_import import MemorySource, preview_import

PASSWORD = "tulip-anchor-42"
KEY = {"plugins": "id", "workspaces": "id", "profiles": "id", "config_keys": "key"}


@pytest.fixture
def units(ctx, tmp_path):
    """Unit a (seed 1) as a bundle, unit b (seed 2) to import it into."""
    seed_unit(ctx.units, "a", "small", 1)
    seed_unit(ctx.units, "b", "small", 2)
    path = tmp_path / "a.uvault"
    export_unit(ctx.units, "a", path, password=PASSWORD, kdf=KdfParams(L.KDF_FLOOR_M, L.KDF_FLOOR_T, L.KDF_FLOOR_P))
    return path


@pytest.fixture
def short_plans(monkeypatch):
    """A plan lists every key of a section only up to 50 changes, else its first 20 of each kind."""
    compare = importlib.import_module("core.unit_import.compare")
    monkeypatch.setattr(compare, "KEY_CAP", 50)
    monkeypatch.setattr(compare, "SAMPLE", 20)


def records(ctx, unit: str, section: str) -> dict[str, dict]:
    unit_id = ctx.units.get_unit(unit).id
    return {w[KEY[section]]: w for w in ctx.units.iter_wire(unit_id, section)}


def truth(ctx, section: str, mode: str) -> dict[str, list[str]]:
    """What each kind holds, from the two units' records themselves."""
    src, live = records(ctx, "a", section), records(ctx, "b", section)
    differ = sorted(k for k in src.keys() & live.keys() if src[k] != live[k])
    return {"added": sorted(src.keys() - live.keys()),
            "removed": sorted(live.keys() - src.keys()) if mode == "replace" else [],
            "changed": differ if mode == "replace" else [], "kept": differ if mode == "merge" else []}


def preview(ctx, path, mode="replace", into="b"):
    return imports.preview_import(ctx, imports.PreviewImport(path, BundleKey(PASSWORD), into=into, mode=mode))


def changes(ctx, plan, section, kind) -> list[str]:
    return list(imports.list_import_changes(ctx, imports.ListChanges(plan, section, kind)))


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_every_key_of_every_kind_beyond_what_the_plan_lists(ctx, units, short_plans, mode):
    plan = preview(ctx, units, mode)
    sp = plan.preview.plan.section("config_keys")
    assert not sp.complete and len(sp.added_keys) == 20 < sp.added
    for section in SECTIONS:
        expected = truth(ctx, section, mode)
        for kind in expected:
            got = changes(ctx, plan, section, kind)
            assert got == expected[kind], (section, kind)
            assert len(got) == getattr(plan.preview.plan.section(section), kind)


def test_a_complete_plan_gives_the_same_keys(ctx, units):
    plan = preview(ctx, units)
    assert plan.preview.plan.section("config_keys").complete
    expected = truth(ctx, "config_keys", "replace")
    assert {k: changes(ctx, plan, "config_keys", k) for k in expected} == expected


def test_keys_are_read_as_they_are_taken(ctx, units, short_plans):
    """A caller takes a page: the next keys after the ones it shows."""
    plan = preview(ctx, units)
    keys = imports.list_import_changes(ctx, imports.ListChanges(plan, "config_keys", "added"))
    expected = truth(ctx, "config_keys", "replace")["added"]
    assert list(itertools.islice(keys, 20, 420)) == expected[20:420]


def test_into_a_new_unit_everything_is_added(ctx, units, short_plans):
    plan = preview(ctx, units, into="fresh")
    assert plan.preview.target is None
    assert changes(ctx, plan, "config_keys", "added") == sorted(records(ctx, "a", "config_keys"))
    assert changes(ctx, plan, "config_keys", "removed") == []


@pytest.mark.parametrize("section, kind, words", [("plugin", "added", "Sections are"),
                                                  ("plugins", "gone", "Kinds are"),
                                                  ("plugins", "", "Kinds are")])
def test_a_section_or_kind_that_does_not_exist_is_refused(ctx, units, section, kind, words):
    plan = preview(ctx, units)
    with pytest.raises(InvalidInputError) as e:
        imports.list_import_changes(ctx, imports.ListChanges(plan, section, kind))
    assert words in (e.value.hint or "")


def test_a_source_out_of_key_order_still_lists_in_key_order(ctx, units, short_plans):
    """Not written by our exporter: the section is sorted (its keys and hashes held) before the join."""
    live = records(ctx, "b", "config_keys")
    wires = {s: list(records(ctx, "a", s).values()) for s in SECTIONS}
    random.Random(5).shuffle(wires["config_keys"])
    source = MemorySource(wires)
    p = preview_import(ctx.units, source, "b")
    assert not p.validation.in_key_order and not p.plan.section("config_keys").complete
    src = records(ctx, "a", "config_keys")
    assert list(p.iter_changes(ctx.units, source, "config_keys", "added")) == sorted(src.keys() - live.keys())
    assert list(p.iter_changes(ctx.units, source, "config_keys", "removed")) == sorted(live.keys() - src.keys())


def test_a_restore_dry_run_lists_every_change_of_a_unit_on_demand(ctx, tmp_path, short_plans):
    """An account restore's dry run plans each unit as an import does (first keys of each kind);
    the rest come on demand (``backup.restore_changes``): the backup is opened again and the
    unit's keys stream in key order, a page at a time, exactly as the two sides hold them."""
    from core.app import accounts, backups, destinations

    seed_unit(ctx.units, "a", "small", 1)
    destinations.add_destination(ctx, destinations.AddDestination("repo", "local", path=str(tmp_path / "repo")))
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "notes.txt").write_text("notes")
    accounts.add_account(ctx, accounts.AddAccount("alice", str(tmp_path / "alice"), units=("a",)))
    made = backups.backup_now(ctx, backups.BackupNow("alice", "repo"))
    saved = records(ctx, "a", "config_keys")
    unit_id = ctx.units.get_unit("a").id
    rng = random.Random(5)
    gone = rng.sample(sorted(saved), 70)
    with ctx.units.write() as conn:                   # the live unit moves on after the backup
        ctx.units.delete_keys(conn, unit_id, "config_keys", gone)
        ctx.units.insert_wire(conn, unit_id, "config_keys", [dict(saved[k], value="edited") for k in gone[60:]]
                              + [dict(saved[gone[0]], key=f"zz.new.{i:03}") for i in range(55)])
    live = records(ctx, "a", "config_keys")
    request = backups.RestoreBackup(made.backup_id, "units:a", "terminate", dry_run=True)
    (unit,) = backups.restore_backup(ctx, request).plan.units
    sp = unit.preview.plan.section("config_keys")
    assert not sp.complete and len(sp.keys("added")) < sp.added == 60      # the plan lists only the first
    want = {"added": sorted(saved.keys() - live.keys()), "removed": sorted(live.keys() - saved.keys()),
            "changed": sorted(gone[60:])}
    for kind, keys in want.items():
        ask = backups.RestoreUnitChanges(request, unit, "config_keys", kind)
        assert list(backups.list_restore_changes(ctx, ask)) == keys, kind
    pages = [list(backups.list_restore_changes(ctx, backups.RestoreUnitChanges(request, unit, "config_keys", "added",
                                                                               start, 25))) for start in (0, 25, 50)]
    assert [len(p) for p in pages] == [25, 25, 10] and sum(pages, []) == want["added"]
    with pytest.raises(InvalidInputError):
        backups.list_restore_changes(ctx, backups.RestoreUnitChanges(request, unit, "config_keys", "moved"))
