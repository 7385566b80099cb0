"""Guard against the PySide6 release that over-releases ``None`` returned from Python overrides.

PySide6-Essentials 6.12 (abi3 wheels) drops one reference to ``None`` each time a Python override
such as ``QAbstractItemModel.data`` returns it; on CPython 3.11 (where ``None`` is not immortal) a
long session then aborts with "deallocating None". pyproject.toml keeps PySide6 below 6.12; this test
fails if an installed version has the bug again. It runs in a subprocess so an abort cannot take the
test session down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r"""
import sys
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QApplication

app = QApplication([])


class Model(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()):
        return 1

    def columnCount(self, parent=QModelIndex()):
        return 1

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None


model = Model()
index = model.index(0, 0)
before = sys.getrefcount(None)
for _ in range(20000):
    index.data(Qt.ItemDataRole.DecorationRole)
print(sys.getrefcount(None) - before)
"""


def test_returning_none_from_a_model_does_not_leak_or_drop_references():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    drift = int(out.stdout.strip().splitlines()[-1])
    assert abs(drift) < 100, f"None's refcount drifted by {drift}: this PySide6 release mishandles references"
