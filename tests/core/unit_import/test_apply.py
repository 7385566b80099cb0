"""Applying a plan: exactly the plan, in one transaction; failures and cancels change nothing."""

from __future__ import annotations

import pytest

from core import events
from core.errors import Cancelled, DamagedBundleError, OtherUnitError, PlanRefusedError, TruncatedBundleError
from core.progress import CancelToken, Reporter
from core.unit.records import SECTIONS
from core.unit.seed import seed_unit
from core.unit_import import MemorySource, apply_import, open_source, preview_import, safety
from tests.core.unit_import.helpers import RAW_KEY, digest, mutate, snapshot_files, unit_wires


def run_import(ctx, source, target, **kw):
    apply_kw = {k: kw.pop(k) for k in ("safety_snapshot", "allow_other_unit", "reporter") if k in kw}
    preview = preview_import(ctx.units, source, target, **kw)
    return apply_import(ctx.units, ctx.home, ctx.secrets, source, preview, **apply_kw)


def test_round_trip_into_a_fresh_unit(ctx, bundle_a):
    store = ctx.units
    before = digest(store, "a")
    result = run_import(ctx, open_source(bundle_a, raw_key=RAW_KEY), "fresh")
    assert digest(store, "fresh") == before == result.digest_after
    assert result.unit.id != store.get_unit("a").id  # a fresh id
    assert result.snapshot_id is None and result.plan.creates_unit


@pytest.mark.parametrize("mode", ["replace", "merge"])
@pytest.mark.parametrize("sections", [None, ("plugins",), ("workspaces", "profiles"), ("config_keys",),
                                      ("profiles",)])
def test_digest_after_is_what_the_plan_said(ctx, bundle_a, mode, sections):
    store = ctx.units
    src = open_source(bundle_a, raw_key=RAW_KEY)
    try:
        preview = preview_import(store, src, "b", mode=mode, sections=sections)
    except PlanRefusedError:
        assert sections == ("profiles",)  # a's profiles name a's workspaces, which b lacks
        return
    result = apply_import(store, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(store, "b") == preview.plan.digest_after == result.digest_after


def test_a_bundle_replaced_between_the_passes_is_refused(ctx, bundle_a, tmp_path):
    """Apply reads the bundle again inside its transaction; another file in its place (even a valid
    bundle under the same key) is refused and changes nothing."""
    import shutil

    from core.bundle import export_unit

    copy = tmp_path / "copy.uvault"
    shutil.copyfile(bundle_a, copy)
    src = open_source(copy, raw_key=RAW_KEY)
    preview = preview_import(ctx.units, src, "b")
    before = digest(ctx.units, "b")
    copy.unlink()
    export_unit(ctx.units, "b", copy, raw_key=RAW_KEY)
    with pytest.raises((DamagedBundleError, TruncatedBundleError)):
        apply_import(ctx.units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(ctx.units, "b") == before and snapshot_files(ctx.home) == []


def test_replace_sections_semantics(ctx, two_units):
    a, b = unit_wires(two_units, "a"), unit_wires(two_units, "b")
    run_import(ctx, MemorySource(a), "b", sections=("plugins", "config_keys"), allow_other_unit=True)
    after = unit_wires(two_units, "b")
    assert after["plugins"] == a["plugins"] and after["config_keys"] == a["config_keys"]
    assert after["workspaces"] == b["workspaces"] and after["profiles"] == b["profiles"]


def test_merge_semantics(ctx, two_units):
    a = unit_wires(two_units, "a")
    src = mutate(a)
    live_changed = src["plugins"][0]
    live_changed["version"] = "42.0.0"  # differs from live: live must be kept whole
    new_plugin = mutate(src["plugins"][1])
    new_plugin["id"] = "zz-added"
    src["plugins"].append(new_plugin)
    del src["config_keys"][:10]  # missing from the source: merge removes nothing
    result = run_import(ctx, MemorySource(src, source_unit_id=two_units.get_unit("a").id), "a", mode="merge")
    after = unit_wires(two_units, "a")
    assert after["plugins"] == sorted(a["plugins"] + [new_plugin], key=lambda w: w["id"])
    assert after["config_keys"] == a["config_keys"]
    assert result.plan.section("plugins").kept_keys == (live_changed["id"],)
    assert result.plan.affected_sections == ("plugins",)


def test_merge_adds_workspace_with_apps_and_profile_with_assignments(ctx, two_units):
    src = mutate(unit_wires(two_units, "a"))
    ws = mutate(src["workspaces"][0])
    ws["id"] = "zz-ws"
    for i, app in enumerate(ws["applications"]):
        app["id"] = f"zz-app-{i}"
    prof = mutate(src["profiles"][0])
    prof["id"], prof["workspaces"] = "zz-prof", ["zz-ws", src["workspaces"][1]["id"]]
    src["workspaces"].append(ws)
    src["profiles"].append(prof)
    run_import(ctx, MemorySource(src, source_unit_id=two_units.get_unit("a").id), "a", mode="merge")
    after = unit_wires(two_units, "a")
    assert next(w for w in after["workspaces"] if w["id"] == "zz-ws") == ws
    assert next(p for p in after["profiles"] if p["id"] == "zz-prof") == prof


@pytest.mark.parametrize("how_many", [1, 40])
def test_replace_workspaces_under_live_profiles(ctx, two_units, how_many):
    """Changed workspaces that live profiles name: the profiles are kept and still name them."""
    a = unit_wires(two_units, "a")
    src = mutate(a)
    for w in src["workspaces"][:how_many]:  # 1: delta path; 40 of 50: wipe path
        w["description"] = "changed"
    result = run_import(ctx, MemorySource(src, source_unit_id=two_units.get_unit("a").id), "a",
                        sections=("workspaces",))
    after = unit_wires(two_units, "a")
    assert after["workspaces"] == src["workspaces"] and after["profiles"] == a["profiles"]
    assert digest(two_units, "a") == result.digest_after


def test_other_unit_needs_permission(ctx, bundle_a):
    store = ctx.units
    before = digest(store, "b")
    src = open_source(bundle_a, raw_key=RAW_KEY)
    preview = preview_import(store, src, "b")
    assert preview.other_unit
    with pytest.raises(OtherUnitError):
        apply_import(store, ctx.home, ctx.secrets, src, preview)
    assert digest(store, "b") == before and snapshot_files(ctx.home) == []
    assert not preview_import(store, src, "a").other_unit


class FailingSource(MemorySource):
    """Fails after its last record on pass number ``fail_on`` (1 = validation, 2 = apply)."""

    fail_on = 2
    passes = 0

    def records(self, reporter=None):
        self.passes += 1
        yield from super().records(reporter)
        if self.passes == self.fail_on:
            raise DamagedBundleError("The bundle is damaged.")


def test_error_during_apply_rolls_back(ctx, two_units):
    before = digest(two_units, "b")
    src = FailingSource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "b")
    with pytest.raises(DamagedBundleError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(two_units, "b") == before
    assert snapshot_files(ctx.home) == []


def test_new_unit_is_not_created_when_apply_fails(ctx, two_units):
    src = FailingSource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "newone")
    with pytest.raises(DamagedBundleError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview)
    assert two_units.find_unit("newone") is None


def test_source_changed_between_passes(ctx, two_units):
    before = digest(two_units, "b")
    wires = unit_wires(two_units, "a")
    src = MemorySource(wires)
    preview = preview_import(two_units, src, "b")
    wires["config_keys"][0]["description"] = "tampered after validation"
    with pytest.raises(DamagedBundleError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(two_units, "b") == before and snapshot_files(ctx.home) == []


def test_target_changed_since_preview(ctx, two_units):
    src = MemorySource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "b", sections=("plugins",))
    unit = two_units.get_unit("b")
    with two_units.write() as conn:
        two_units.delete_keys(conn, unit.id, "plugins", [unit_wires(two_units, "b")["plugins"][0]["id"]])
    before = digest(two_units, "b")
    with pytest.raises(PlanRefusedError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(two_units, "b") == before and snapshot_files(ctx.home) == []
    seed_unit(two_units, "late", "small", 3)
    preview = preview_import(two_units, src, "later")
    with two_units.write() as conn:
        two_units.create_unit(conn, "later")
    with pytest.raises(PlanRefusedError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview)


STAGES = ["validating", "checking unit", "importing"]


@pytest.mark.parametrize("stage", STAGES + ["commit"])
def test_cancel_at_every_stage_changes_nothing(ctx, two_units, stage):
    before = digest(two_units, "b")
    token = CancelToken()
    seen = []

    def sink(state):
        seen.append(state.stage)
        if state.stage == stage:
            token.cancel()

    reporter = Reporter(sink, token, min_interval=0)
    wires = unit_wires(two_units, "a")
    sections = None
    if stage == "checking unit":  # a chosen section without changes is checked, not snapshotted
        wires = unit_wires(two_units, "b") | {"plugins": wires["plugins"]}
        sections = ("plugins", "config_keys")
    src = MemorySource(wires)
    if stage == "commit":  # cancel after the last insert: the final check before commit sees it
        real_advance = reporter.advance

        def advance(n=1):
            real_advance(n)
            if reporter._state.stage == "importing" and reporter._state.done >= reporter._state.total:
                token.cancel()
        reporter.advance = advance
    with pytest.raises(Cancelled):
        preview = preview_import(two_units, src, "b", reporter=reporter, sections=sections)
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True, reporter=reporter)
    assert stage == "commit" or stage in seen
    assert digest(two_units, "b") == before
    assert snapshot_files(ctx.home) == []


def test_unit_changed_event_after_commit_only(ctx, two_units):
    got = []
    unsubscribe = events.subscribe(got.append)
    try:
        src = FailingSource(unit_wires(two_units, "a"))
        preview = preview_import(two_units, src, "b")
        with pytest.raises(DamagedBundleError):
            apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
        assert got == []
        run_import(ctx, MemorySource(unit_wires(two_units, "a")), "b", allow_other_unit=True)
        assert got == ["b"]
    finally:
        unsubscribe()


def test_no_changes_means_no_snapshot_and_no_write(ctx, two_units):
    unit = two_units.get_unit("a")
    result = run_import(ctx, MemorySource(unit_wires(two_units, "a"), source_unit_id=unit.id), "a")
    assert result.snapshot_id is None and not result.plan.has_changes
    assert two_units.get_unit("a").updated_at == unit.updated_at


def test_all_sections_in_fixed_order():
    assert SECTIONS == ("plugins", "workspaces", "profiles", "config_keys")


def test_apply_checks_the_unit_revision_not_its_records(ctx, two_units, monkeypatch):
    """With a revision in the preview, apply does not re-read the target when no snapshot is taken,
    and a write since the preview (any kind, even one that leaves the content as it was) refuses."""
    src = MemorySource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "b")
    assert preview.comparison.revision == two_units.revision(preview.target.id)
    with two_units.write() as conn:
        two_units.touch(conn, preview.target.id)
    before = digest(two_units, "b")
    with pytest.raises(PlanRefusedError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(two_units, "b") == before and snapshot_files(ctx.home) == []

    preview = preview_import(two_units, src, "b")
    reads = []
    real = two_units.iter_wire
    monkeypatch.setattr(two_units, "iter_wire", lambda *a, **k: reads.append(a[1]) or real(*a, **k))
    apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True, safety_snapshot=False)
    assert reads == [] and digest(two_units, "b") == preview.plan.digest_after


def test_a_preview_without_the_units_revision_is_refused(ctx, two_units):
    from dataclasses import replace

    src = MemorySource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "b")
    preview = replace(preview, comparison=replace(preview.comparison, revision=None))
    before = digest(two_units, "b")
    with pytest.raises(PlanRefusedError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(two_units, "b") == before and snapshot_files(ctx.home) == []


@pytest.mark.parametrize("separate", [True, False])
def test_the_snapshot_streamed_from_the_store_restores_the_unit(ctx, two_units, monkeypatch, separate):
    """The snapshot streams from the store: on a worker thread with its own read transaction (which
    sees the committed unit while the import writes), or inside the import's transaction before it
    deletes anything (an in-memory store); either way undo gets b back."""
    import core.unit_import.apply as apply_mod
    from core.unit_import import undo

    assert apply_mod._separate_reader(two_units)
    if not separate:
        monkeypatch.setattr(apply_mod, "_separate_reader", lambda store: False)
    before = digest(two_units, "b")
    src = MemorySource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "b", sections=("plugins", "workspaces", "profiles"))
    result = apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert result.snapshot_id and digest(two_units, "b") == preview.plan.digest_after
    undo(two_units, ctx.home, ctx.secrets, "b", allow_other_unit=True)
    assert digest(two_units, "b") == before


def test_a_failing_snapshot_thread_rolls_the_import_back(ctx, two_units, monkeypatch):
    from core.errors import InvalidInputError

    def broken(*a, **k):
        raise InvalidInputError("The disk is full.")

    monkeypatch.setattr(safety, "write_pending", broken)
    before = digest(two_units, "b")
    src = MemorySource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "b")
    with pytest.raises(InvalidInputError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(two_units, "b") == before and snapshot_files(ctx.home) == []


def test_an_import_failing_while_the_snapshot_is_written_leaves_no_snapshot(ctx, two_units, monkeypatch):
    import core.unit_import.apply as apply_mod

    def failing_execute(*a, **k):
        raise DamagedBundleError("boom")

    monkeypatch.setattr(apply_mod, "_execute", failing_execute)
    before = digest(two_units, "b")
    src = MemorySource(unit_wires(two_units, "a"))
    preview = preview_import(two_units, src, "b")
    with pytest.raises(DamagedBundleError):
        apply_import(two_units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert digest(two_units, "b") == before and snapshot_files(ctx.home) == []


def test_the_import_page_cache_is_put_back(ctx, two_units):
    from sqlalchemy import text

    def cache_size():
        with two_units.read() as conn:  # the pool hands back the import's connection
            return conn.execute(text("PRAGMA cache_size")).scalar()

    before = cache_size()
    run_import(ctx, MemorySource(unit_wires(two_units, "a")), "b", allow_other_unit=True)
    assert cache_size() == before


def test_field_diffs_of_the_first_records_that_differ(two_units):
    from core.unit_import import field_diff

    live = unit_wires(two_units, "b")
    wires = mutate(live)
    for w in wires["config_keys"][::7] + wires["plugins"][::3]:
        w["description" if "key" in w else "name"] = "changed"
    preview = preview_import(two_units, MemorySource(wires), "b", diff_limit=3)
    sp = preview.plan.section("config_keys")
    changed = [w["key"] for w in wires["config_keys"][::7]]
    assert sp.changed == len(changed) and sp.changed_keys == tuple(changed)
    by_key = {w["key"]: w for w in live["config_keys"]}
    new = {w["key"]: w for w in wires["config_keys"]}
    assert [(d.key, d.fields) for d in sp.diffs] == [
        (k, field_diff("config_keys", by_key[k], new[k])) for k in changed[:3]]


@pytest.mark.parametrize("mode", ["replace", "merge"])
def test_more_changes_than_a_plan_lists(ctx, two_units, monkeypatch, mode):
    """Past KEY_CAP changes a section's plan lists only the first keys: apply then wipes and re-inserts
    (replace) or looks keys up in the unit (merge), and every key is still there on demand."""
    import importlib

    compare_mod = importlib.import_module("core.unit_import.compare")

    monkeypatch.setattr(compare_mod, "KEY_CAP", 5)
    monkeypatch.setattr(compare_mod, "SAMPLE", 2)
    live = unit_wires(two_units, "b")
    wires = mutate(live)
    for w in wires["config_keys"][::3]:
        w["description"] = "changed"
    extra = [{"key": f"zz.extra.{i:03d}", "value": i, "secret": False, "description": ""} for i in range(12)]
    wires["config_keys"] = [w for i, w in enumerate(wires["config_keys"]) if i % 5] + extra
    src = MemorySource(wires, source_unit_id=two_units.get_unit("b").id)
    preview = preview_import(two_units, src, "b", mode=mode, sections=("config_keys",))
    sp = preview.plan.section("config_keys")
    assert not sp.complete and len(sp.added_keys) == 2 and sp.added == 12
    assert list(preview.iter_changes(two_units, src, "config_keys", "added")) == [w["key"] for w in extra]
    removed = list(preview.iter_changes(two_units, src, "config_keys", "removed"))
    assert removed == ([w["key"] for i, w in enumerate(live["config_keys"]) if not i % 5] if mode == "replace" else [])
    kind = "changed" if mode == "replace" else "kept"
    differ = list(preview.iter_changes(two_units, src, "config_keys", kind))
    assert len(differ) == getattr(sp, kind) > 2
    result = apply_import(two_units, ctx.home, ctx.secrets, src, preview)
    assert digest(two_units, "b") == preview.plan.digest_after == result.digest_after
    undo_target = unit_wires(two_units, "b")["config_keys"]
    assert [w["key"] for w in undo_target][-12:] == [w["key"] for w in extra]


def test_a_source_out_of_key_order_gives_the_same_plan(ctx, two_units):
    wires = unit_wires(two_units, "a")
    backwards = {s: list(reversed(v)) for s, v in wires.items()}
    one = preview_import(two_units, MemorySource(wires), "b")
    two = preview_import(two_units, MemorySource(backwards), "b")
    assert one.plan == two.plan and one.validation.digest == two.validation.digest
    apply_import(two_units, ctx.home, ctx.secrets, MemorySource(backwards), two, allow_other_unit=True)
    assert digest(two_units, "b") == one.plan.digest_after


@pytest.mark.parametrize("reads", ["sqlite", "store"])
def test_helper_processes_give_the_same_preview_and_a_snapshot_that_restores(ctx, two_units, monkeypatch, reads):
    """Big units are read and hashed by a helper process on its own read transaction (its revision
    is the one apply checks), and their safety snapshot is written by one; the preview is the same
    as when read in-process. A SQLite file is read with SQLite's own driver and the SQL the store
    compiled; any other database through the store (here forced)."""
    from core.unit.store import UnitStore
    from core.unit_import import live

    if reads == "store":
        monkeypatch.setattr(UnitStore, "sqlite_reads", lambda self, unit_id: None)

    wires = mutate(unit_wires(two_units, "a"))
    wires["config_keys"][3]["value"] = "changed"
    src = MemorySource(wires)
    monkeypatch.setenv("UNITVAULT_HELPERS", "0")
    here = preview_import(two_units, src, "b")
    monkeypatch.setenv("UNITVAULT_HELPERS", "1")
    spawned = []
    real = live.Helper.__init__
    monkeypatch.setattr(live.Helper, "__init__", lambda self, *a: spawned.append(1) or real(self, *a))
    there = preview_import(two_units, src, "b")
    assert spawned and there.plan == here.plan and there.comparison.revision == here.comparison.revision
    with two_units.write() as conn:  # a write after the helper's read: apply refuses
        two_units.touch(conn, there.target.id)
    with pytest.raises(PlanRefusedError):
        apply_import(two_units, ctx.home, ctx.secrets, src, there, allow_other_unit=True)
    before = digest(two_units, "b")
    again = preview_import(two_units, src, "b")
    result = apply_import(two_units, ctx.home, ctx.secrets, src, again, allow_other_unit=True)
    assert digest(two_units, "b") == again.plan.digest_after
    from core.unit_import import undo  # the snapshot a helper process wrote restores the unit

    assert result.snapshot_id
    undo(two_units, ctx.home, ctx.secrets, "b", allow_other_unit=True)
    assert digest(two_units, "b") == before


def test_a_helper_started_before_the_key_is_derived_is_the_one_the_preview_reads(ctx, two_units, monkeypatch):
    """The import starts the target's helper first, so its start-up overlaps the key derivation; the
    preview reads through that helper (no second one) and plans the same; one started for another
    unit is closed and not used."""
    from core.unit_import import live

    wires = mutate(unit_wires(two_units, "a"))
    src = MemorySource(wires)
    monkeypatch.setenv("UNITVAULT_HELPERS", "0")
    here = preview_import(two_units, src, "b")
    monkeypatch.setenv("UNITVAULT_HELPERS", "1")
    assert live.start_live(two_units, "no-such-unit") is None
    early, other = live.start_live(two_units, "b"), live.start_live(two_units, "a")
    spawned = []
    real = live.Helper.__init__
    monkeypatch.setattr(live.Helper, "__init__", lambda self, *a: spawned.append(1) or real(self, *a))
    there = preview_import(two_units, src, "b", live=early)
    assert not spawned and there.plan == here.plan and there.comparison.revision == here.comparison.revision
    assert early.proc.poll() is not None                     # done with, and closed
    again = preview_import(two_units, src, "b", live=other)
    assert spawned == [1] and again.plan == here.plan and other.proc.poll() is not None
    # a helper that cannot read (here: a store that is not there) is closed, and the preview reads in-process
    request = live._request(two_units, two_units.find_unit("b").id)
    request["sqlite"]["path"] = "/nonexistent/folder/units.sqlite3"
    broken = live.Helper(request)
    monkeypatch.setenv("UNITVAULT_HELPERS", "0")
    third = preview_import(two_units, src, "b", live=broken)
    assert third.plan == here.plan and broken.proc.poll() is not None


@pytest.mark.parametrize("limit", [7, 1_000_000])
def test_records_read_ahead_while_the_unit_is_wiped_import_exactly_the_plan(ctx, bundle_a, tmp_path, monkeypatch,
                                                                             limit):
    """While the database wipes a big section, a worker thread decodes the bundle's first records (at
    most ``READ_AHEAD``, then the import reads on itself): the unit becomes what the plan said, and a
    bundle cut short after the preview is refused with nothing changed, whichever side read the cut."""
    import shutil

    from core.unit_import import apply as apply_module

    monkeypatch.setattr(apply_module, "READ_AHEAD_MIN", 0)
    monkeypatch.setattr(apply_module, "READ_AHEAD", limit)
    workers = []
    real = apply_module._DecodeAhead.__init__
    monkeypatch.setattr(apply_module._DecodeAhead, "__init__", lambda self, *a: workers.append(1) or real(self, *a))
    copy = tmp_path / "copy.uvault"
    shutil.copyfile(bundle_a, copy)
    src = open_source(copy, raw_key=RAW_KEY)
    preview = preview_import(ctx.units, src, "b")
    before = digest(ctx.units, "b")
    size = copy.stat().st_size
    with open(copy, "r+b") as fh:           # cut off: the second pass fails part-way
        fh.truncate(size * 2 // 3)
    with pytest.raises((DamagedBundleError, TruncatedBundleError)):
        apply_import(ctx.units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert workers == [1] and digest(ctx.units, "b") == before and snapshot_files(ctx.home) == []
    shutil.copyfile(bundle_a, copy)
    result = apply_import(ctx.units, ctx.home, ctx.secrets, src, preview, allow_other_unit=True)
    assert workers == [1, 1] and digest(ctx.units, "b") == preview.plan.digest_after == result.digest_after


def test_the_read_ahead_holds_a_bounded_weight_of_records_and_yields_them_all_in_order():
    """Memory stays flat at any size: the worker stops once its buffer holds ``limit`` of weight (a
    workspace weighs one more per application), and the rest is read on demand, in order."""
    from core.unit_import.apply import _DecodeAhead

    records = [("workspaces", {"id": f"w{i:03}", "applications": [{"id": f"a{i}-{j}"} for j in range(10)]})
               for i in range(100)] + [("config_keys", {"key": f"k{i}"}) for i in range(50)]
    ahead = _DecodeAhead(iter(records), 35)
    ahead._thread.join()
    assert len(ahead._buffer) == 4               # 11 of weight each: the fourth goes past 35
    assert list(ahead) == records
    failing = _DecodeAhead((r if i < 3 else 1 / 0 for i, r in enumerate(records)), 1000)
    got = []
    with pytest.raises(ZeroDivisionError):
        for r in failing:
            got.append(r)
    assert got == records[:3]                     # what came before the error, then the error
