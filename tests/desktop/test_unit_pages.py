"""The unit views read a unit a page at a time and search big ones on a helper thread."""

from __future__ import annotations

from core.unit.records import SECTIONS
from desktop import ops
from desktop.models import ConfigKeysModel, RecordTreeModel
from tests.desktop.conftest import WAIT_MS


def _load(ctx, name):
    from core.progress import Reporter

    return ops.load_unit(ctx, name)(Reporter())


def test_pages_hold_exactly_the_units_records_and_only_a_few_pages(demo_ctx):
    data = _load(demo_ctx, "demo")
    unit = demo_ctx.units.get_unit("demo")
    for section in SECTIONS:
        pages = data.sections[section]
        every = list(demo_ctx.units.iter_wire(unit.id, section))
        assert len(pages) == len(every)
        assert [pages[i] for i in range(len(pages))] == every
        assert pages[-1] == every[-1]
        assert len(pages._cache) <= pages.KEEP
    assert data.workspace_names.get(every_ws := data.sections["workspaces"][3]["id"]) == \
        data.sections["workspaces"][3]["name"]
    assert data.workspace_names.get("no-such-workspace", "?") == "?"
    assert every_ws in [w["id"] for w in demo_ctx.units.iter_wire(unit.id, "workspaces")]


def test_a_tree_view_laying_out_does_not_read_every_page(demo_ctx, qtbot):
    from PySide6.QtWidgets import QTreeView

    data = _load(demo_ctx, "demo")
    pages = data.sections["workspaces"]
    model = RecordTreeModel([("Workspace", lambda w: w["name"])], children=lambda w: w["applications"])
    model.set_rows(pages)
    view = QTreeView()
    qtbot.addWidget(view)
    view.setUniformRowHeights(True)
    view.setModel(model)
    view.resize(400, 200)
    view.show()
    qtbot.waitExposed(view)
    assert len(pages._cache) <= 2  # what is on screen, not all 50 workspaces' pages
    view.expand(model.index(len(pages) - 1, 0))
    assert model.rowCount(model.index(len(pages) - 1, 0)) == 10


def test_a_search_over_many_keys_runs_aside_and_finds_what_a_scan_finds(demo_ctx, qtbot, monkeypatch, app):
    data = _load(demo_ctx, "demo")
    keys = data.sections["config_keys"]
    small = ConfigKeysModel()
    small.set_rows(list(keys))
    small.set_filter("auth.a")
    expected = [small.wire(i)["key"] for i in range(small.rowCount())]
    assert expected and len(expected) < len(keys)

    monkeypatch.setattr(ConfigKeysModel, "SYNC_LIMIT", 10)
    model = ConfigKeysModel()
    model.set_rows(keys)
    model.set_filter("auth.a")
    assert model.searching
    qtbot.waitUntil(lambda: not model.searching, timeout=WAIT_MS)
    assert [model.wire(i)["key"] for i in range(model.rowCount())] == expected
    model.set_filter("")
    assert not model.searching and model.rowCount() == len(keys)


def test_many_records_are_grouped_in_ranges_a_tree_view_lays_out_cheaply(qtbot):
    from PySide6.QtWidgets import QTreeView

    rows = [{"name": f"w{i}", "applications": [{"name": f"a{i}-{j}"} for j in range(i % 3)]} for i in range(2500)]
    model = RecordTreeModel([("Workspace", lambda w: w["name"])], children=lambda w: w["applications"],
                            child_columns=[lambda a: a["name"]], noun="Workspaces")
    model.GROUP_AT, model.GROUP = 1000, 1000
    model.set_rows(rows)
    assert model.rowCount() == 3
    assert [model.data(model.index(i, 0)) for i in range(3)] == [
        "Workspaces 1–1,000", "Workspaces 1,001–2,000", "Workspaces 2,001–2,500"]
    last_range = model.index(2, 0)
    assert model.rowCount(last_range) == 500
    record = model.index(498, 0, last_range)
    assert model.data(record) == "w2498" and model.parent(record) == last_range
    assert model.rowCount(record) == 2498 % 3 == 2
    child = model.index(1, 0, record)
    assert model.data(child) == "a2498-1" and model.parent(child) == record
    assert model.parent(model.parent(child)) == last_range
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.show()
    view.expand(last_range)
    view.expand(record)
    qtbot.waitExposed(view)
    model.set_rows(rows[:10])  # few records: at the top level again
    assert model.rowCount() == 10 and model.data(model.index(3, 0)) == "w3"
