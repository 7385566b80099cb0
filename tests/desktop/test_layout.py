"""Layout and formatting: long names are cut (with a tooltip) instead of widening windows, the units list
works at 1024x700, right-to-left names are isolated, numbers and dates are written one way."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, Qt

from core.unit.seed import seed_unit
from desktop import fmt
from tests.desktop.conftest import WAIT_MS

LONG = "Department of " + "Very " * 300 + "Long Names"  # 1,539 characters, well past any screen


def show_unit(window, qtbot, name: str) -> None:
    page = window.units_page
    page.reload()
    qtbot.waitUntil(lambda: name in [u.name for u, _ in page.model.rows], timeout=WAIT_MS)
    page.select(name)
    qtbot.waitUntil(lambda: page.view.data is not None and page.view.data.unit.name == name, timeout=WAIT_MS)


def test_a_long_display_name_does_not_widen_the_window(window, qtbot, demo_ctx):
    seed_unit(demo_ctx.units, "long", "small", 1, display_name=LONG[:200])
    show_unit(window, qtbot, "long")
    assert window.minimumSizeHint().width() < 800
    window.resize(900, 600)
    qtbot.waitUntil(lambda: window.width() == 900, timeout=WAIT_MS)
    view = window.units_page.view
    title = view.title
    assert title.width() < 900 and title.text().endswith("…")
    assert title.toolTip() == LONG[:200]  # the whole name, on hover
    assert view.name_label.isVisible() and view.name_label.text() == "(long)"  # the unit's name stays in view
    assert view.name_label.geometry().right() < view.width()
    model = window.units_page.model
    row = [u.name for u, _ in model.rows].index("long")
    assert model.data(model.index(row, 1), Qt.ItemDataRole.ToolTipRole) == LONG[:200]


def test_the_units_list_at_1024x700(window, qtbot, demo_ctx):
    for i in range(9):
        seed_unit(demo_ctx.units, f"unit-with-a-rather-long-name-{i}", "small", i,
                  display_name=f"Regional Operations and Customer Care Centre number {i}")
    window.resize(1024, 700)
    window.units_page.reload()
    qtbot.waitUntil(lambda: window.units_page.model.rowCount() == 10, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=WAIT_MS)
    table = window.units_page.table
    assert table.viewport().height() // table.rowHeight(0) >= 6  # not three rows
    visible = table.viewport().width()
    for col in range(2, window.units_page.model.columnCount()):  # every count and the date stay in view
        assert table.columnViewportPosition(col) + table.columnWidth(col) <= visible, col
        assert table.columnWidth(col) >= table.horizontalHeader().sectionSizeHint(col) - 1, col


def test_right_to_left_names_are_isolated_in_sentences(window, qtbot, demo_ctx, bundle):
    from tests.desktop.test_import_wizard import open_wizard, to_preview

    name = "مركز الدعم 7"
    seed_unit(demo_ctx.units, "rtl", "small", 1, display_name=name)
    show_unit(window, qtbot, "rtl")
    assert window.units_page.view.title.fullText() == name  # alone on its line: nothing to reorder
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    wizard.preview_page.target.setEditText("rtl")
    qtbot.waitUntil(lambda: wizard.preview is not None and wizard.preview.target_name == "rtl", timeout=WAIT_MS)
    assert f"{fmt.FSI}{name}{fmt.PDI}" in wizard.preview_page.target_state.text()
    assert f"{fmt.FSI}rtl{fmt.PDI}" in wizard.preview_page.notice.text()


@pytest.fixture
def german(app):
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(before)


def test_numbers_and_dates_follow_the_locale_everywhere(german, window, qtbot, demo_ctx, bundle):
    from tests.desktop.test_import_wizard import open_wizard, to_preview

    window.units_page.reload()
    qtbot.waitUntil(lambda: window.units_page.view.data is not None, timeout=WAIT_MS)
    page = window.units_page
    qtbot.waitUntil(lambda: page.model.data(page.model.index(0, 6)) == "1.000", timeout=WAIT_MS)
    unit = page.model.rows[0][0]
    when = page.model.data(page.model.index(0, 7))
    assert when == fmt.date_time(unit.updated_at) and "." in when  # 01.12.2026 15:37
    summary = page.view.summary.text()
    assert "1.000 config keys" in summary and f"updated {when}" in summary
    assert "1.000 keys" == page.view.keys_count.text()
    d = window.open_export(["demo"])
    qtbot.addWidget(d)
    assert "1.000 keys" in d.units.item(0).text()
    wizard = open_wizard(window, qtbot, bundle)
    to_preview(wizard, qtbot)
    assert "1.000 config keys" in wizard.preview_page.counts.text()
    wizard.next()
    summary = wizard.confirm_page.summary.text()
    assert "1.000 current records are replaced by the bundle's 1.000 (0 added, 0 removed, 0 changed, " \
           "1.000 unchanged)" in summary and "1,000" not in summary


def test_one_number_format_in_english_too(window):
    assert fmt.number(1000) == "1,000" and fmt.count(1000, "plugin") == "1,000 plugins"
    assert fmt.count(1, "plugin") == "1 plugin" and fmt.size(1_234_567) == "1.2 MB"
