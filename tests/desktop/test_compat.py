"""PySide6 6.12 on CPython 3.11 over-releases None returned from Python overrides; desktop.compat makes
the singletons immortal (as 3.12 does) so a long session cannot abort with "deallocating None"."""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class _Model(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 1

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None


def test_a_million_none_returns_do_not_abort(app):
    import desktop.compat  # noqa: F401 - imported with the package

    model = _Model()
    index = model.index(0, 0)
    for _ in range(200_000):
        index.data(Qt.ItemDataRole.DecorationRole)  # would abort on 3.11 without the fix
    assert sys.getrefcount(None) > 0


def test_singletons_are_immortal_on_311():
    if sys.version_info >= (3, 12):
        return
    assert sys.getrefcount(None) > 1 << 39 and sys.getrefcount(True) > 1 << 39
