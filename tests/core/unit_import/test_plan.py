"""The plan: a pure function of what the preview's single pass found (source vs the live unit)."""

from __future__ import annotations

import pytest

from core.errors import InvalidInputError, PlanRefusedError
from core.unit_import import MASK, MemorySource, compare, compute_plan, preview_import
from tests.core.unit_import.helpers import digest, mutate, unit_wires


@pytest.fixture
def base(two_units):
    """Target = unit a; returns (store, wires of a, a function: source -> (validation, comparison))."""
    unit = two_units.get_unit("a")
    return two_units, unit_wires(two_units, "a"), lambda src: compare(two_units, unit, src)


def edited(wires):
    """A source differing from ``wires`` in every section: one added, one removed, one changed."""
    w = mutate(wires)
    for section, key in (("plugins", "id"), ("workspaces", "id"), ("profiles", "id"), ("config_keys", "key")):
        extra = mutate(w[section][0])
        extra[key] = ("zz-new-" if section != "config_keys" else "zz.new.") + section
        if section == "workspaces":
            for i, a in enumerate(extra["applications"]):
                a["id"] = f"zz-app-{i}"
        w[section].append(extra)
    w["plugins"][1]["version"] = "99.0.0"
    w["workspaces"][2]["applications"][0]["name"] = "Renamed app"
    w["profiles"][1]["description"] = "changed description"
    w["config_keys"][3]["value"] = "changed value"
    # removals: records nobody references
    removed_ws = next(x for x in w["workspaces"][3:]
                      if all(x["id"] not in p["workspaces"] for p in w["profiles"]))
    w["workspaces"].remove(removed_ws)
    del w["plugins"][4], w["profiles"][5], w["config_keys"][6]
    return w, removed_ws["id"]


def test_replace_plan_per_section(base):
    store, wires, target = base
    src, removed_ws = edited(wires)
    v, cmp = target(MemorySource(src))
    plan = compute_plan(v, cmp, "replace")
    for sp in plan.per_section:
        assert sp.action == "replace"
        assert (sp.added, sp.removed, sp.changed) == (1, 1, 1), sp.section
        assert sp.unchanged == sp.target_count - 2 and sp.complete
    assert plan.section("workspaces").removed_keys == (removed_ws,)
    assert plan.section("plugins").changed_keys == (wires["plugins"][1]["id"],)
    assert plan.totals == {"added": 4, "removed": 4, "changed": 4, "kept": 0,
                           "unchanged": sum(sp.unchanged for sp in plan.per_section)}
    assert plan.digest_before == digest(store, "a")
    assert plan.digest_after == v.digest  # replace all: the result is the source
    assert plan.affected_sections == ("plugins", "workspaces", "profiles", "config_keys")


def test_merge_plan_keeps_live_records(base):
    _, wires, target = base
    src, _ = edited(wires)
    plan = compute_plan(*target(MemorySource(src)), "merge")
    for sp in plan.per_section:
        assert sp.action == "merge"
        assert (sp.added, sp.removed, sp.changed, sp.kept) == (1, 0, 0, 1)


def test_field_level_diffs(base):
    store, wires, target = base
    src, _ = edited(wires)
    plan = compute_plan(*target(MemorySource(src)), "replace")
    (p,) = plan.section("plugins").diffs
    assert [(f.path, f.kind, f.old, f.new) for f in p.fields] == [
        ("version", "changed", wires["plugins"][1]["version"], "99.0.0")]
    (w,) = plan.section("workspaces").diffs
    app_id = wires["workspaces"][2]["applications"][0]["id"]
    assert [(f.path, f.new) for f in w.fields] == [(f"applications[{app_id}]/name", "Renamed app")]


def test_secret_values_are_masked(base):
    store, wires, _ = base
    src = mutate(wires)
    secret = next(w for w in src["config_keys"] if w["secret"])
    old_value = secret["value"]
    secret["value"] = "n3w-s3cret-value"
    preview = preview_import(store, MemorySource(src, source_unit_id=store.get_unit("a").id), "a")
    (rc,) = preview.plan.section("config_keys").diffs
    assert rc.key == secret["key"]
    assert [(f.path, f.old, f.new) for f in rc.fields] == [("value", MASK, MASK)]
    text = repr(preview.plan) + repr(preview.to_json(limit=None))
    assert "n3w-s3cret-value" not in text and old_value not in text


def test_section_choice_leaves_the_rest_untouched(base):
    _, wires, target = base
    src, _ = edited(wires)
    plan = compute_plan(*target(MemorySource(src)), "replace", ("plugins", "config_keys"))
    assert plan.sections == ("plugins", "config_keys")
    assert plan.section("workspaces").action == "keep" and not plan.section("workspaces").has_changes
    assert plan.affected_sections == ("plugins", "config_keys")


def test_profiles_without_their_workspaces_are_refused(base):
    _, wires, target = base
    src = mutate(wires)
    new_ws = mutate(src["workspaces"][0])
    new_ws["id"] = "brand-new-ws"
    new_ws["applications"] = []
    src["workspaces"].append(new_ws)
    src["profiles"][0]["workspaces"] = ["brand-new-ws"]
    v, cmp = target(MemorySource(src))
    with pytest.raises(PlanRefusedError) as e:
        compute_plan(v, cmp, "replace", ("profiles",))
    assert "Importing profiles without workspaces" in e.value.message
    assert any("brand-new-ws" in d for d in e.value.details)
    compute_plan(v, cmp, "replace", ("workspaces", "profiles"))  # together: fine
    compute_plan(v, cmp, "merge", ("workspaces", "profiles"))


def test_workspaces_replaced_under_live_profiles_are_refused(base):
    _, wires, target = base
    src = mutate(wires)
    named = src["profiles"][0]["workspaces"][0] if src["profiles"][0]["workspaces"] else None
    named = named or next(p["workspaces"][0] for p in src["profiles"] if p["workspaces"])
    src["workspaces"] = [w for w in src["workspaces"] if w["id"] != named]
    for p in src["profiles"]:
        p["workspaces"] = [x for x in p["workspaces"] if x != named]
    v, cmp = target(MemorySource(src))
    with pytest.raises(PlanRefusedError) as e:
        compute_plan(v, cmp, "replace", ("workspaces",))
    assert "live profile" in e.value.message and "Include the profiles section" in e.value.hint
    compute_plan(v, cmp, "replace", ("workspaces", "profiles"))
    compute_plan(v, cmp, "merge", ("workspaces",))  # merge removes nothing


def test_merged_profile_naming_a_missing_workspace_is_refused(base):
    _, wires, target = base
    src = mutate(wires)
    extra = mutate(src["profiles"][0])
    extra["id"] = "new-profile"
    ws = mutate(src["workspaces"][0])
    ws["id"], ws["applications"] = "only-in-source", []
    src["workspaces"].append(ws)
    extra["workspaces"] = ["only-in-source"]
    src["profiles"].append(extra)
    v, cmp = target(MemorySource(src))
    with pytest.raises(PlanRefusedError):
        compute_plan(v, cmp, "merge", ("profiles",))
    plan = compute_plan(v, cmp, "merge", ("workspaces", "profiles"))
    assert plan.section("profiles").added_keys == ("new-profile",)


def test_merge_refuses_application_id_clash(base):
    _, wires, target = base
    src = mutate(wires)
    ws = mutate(src["workspaces"][0])
    ws["id"] = "clashing-ws"  # new workspace, but its applications reuse live ids
    src["workspaces"].append(ws)
    src["workspaces"][0]["applications"] = []
    v, cmp = target(MemorySource(src))
    with pytest.raises(PlanRefusedError) as e:
        compute_plan(v, cmp, "merge", ("workspaces",))
    assert "application" in e.value.message
    compute_plan(v, cmp, "replace", ("workspaces", "profiles"))


def test_section_missing_from_source_and_bad_mode(base):
    _, wires, target = base
    v, cmp = target(MemorySource({"plugins": wires["plugins"]}, sections=("plugins",)))
    assert compute_plan(v, cmp).sections == ("plugins",)
    with pytest.raises(PlanRefusedError):
        compute_plan(v, cmp, "replace", ("config_keys",))
    with pytest.raises(InvalidInputError):
        compute_plan(v, cmp, "overwrite")


def test_new_unit_plan(two_units):
    v, cmp = compare(two_units, None, MemorySource(unit_wires(two_units, "a")))
    plan = compute_plan(v, cmp)
    assert plan.creates_unit and plan.digest_before is None and plan.digest_after == v.digest
    assert plan.totals["added"] == sum(v.counts.as_dict()[s] for s in ("plugins", "workspaces", "profiles",
                                                                        "config_keys"))


def test_with_choice_needs_no_store(base):
    store, wires, _ = base
    src, _ = edited(wires)
    preview = preview_import(store, MemorySource(src), "a")
    engine, store.engine = store.engine, None  # any I/O would now fail loudly
    try:
        merged = preview.with_choice("merge", "plugins,profiles")
    finally:
        store.engine = engine
    assert merged.plan.mode == "merge" and merged.plan.sections == ("plugins", "profiles")
    assert merged.validation is preview.validation


@pytest.mark.parametrize("helpers", ["0", "1"])
def test_application_clashes_are_counted_exactly_among_many_new_applications(two_units, monkeypatch, helpers):
    """New workspaces bring many new application ids and a few that the unit already uses (in other
    workspaces): the preview counts exactly those few and names the first, whether the unit is read
    in-process or by a helper process (which streams the unit's application ids)."""
    monkeypatch.setenv("UNITVAULT_HELPERS", helpers)
    wires = unit_wires(two_units, "a")
    live_apps = [(w["id"], a) for w in wires["workspaces"] for a in w["applications"]]
    src = mutate(wires)
    reused = []
    for n in range(3):
        ws = mutate(src["workspaces"][n])
        ws["id"] = f"zz-new-ws-{n}"
        fresh = [dict(mutate(ws["applications"][0]), id=f"zz-fresh-{n}-{i}", position=i) for i in range(40)]
        old = dict(live_apps[n * 2][1], position=len(fresh))  # an id the unit uses in another workspace
        ws["applications"] = fresh + [old]
        reused.append((ws["id"], old["id"]))
        src["workspaces"].append(ws)
    for w in src["workspaces"][:3]:  # the reused ids leave their old workspaces in the source
        w["applications"] = [a for a in w["applications"] if a["id"] not in {aid for _, aid in reused}]
    unit = two_units.get_unit("a")
    v, cmp = compare(two_units, unit, MemorySource(src))
    assert cmp.clash_count == 3 and sorted(cmp.clashes) == sorted(reused)
    with pytest.raises(PlanRefusedError) as e:
        compute_plan(v, cmp, "merge", ("workspaces",))
    assert "application" in e.value.message
    assert compute_plan(v, cmp, "replace").section("workspaces").added == 3
