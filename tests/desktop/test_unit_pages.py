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
