"""``unitvault-desktop``: start the app on the embedded default store (seeding ``demo`` on first start)."""

from __future__ import annotations

import argparse
import sys

from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QListWidget, QMainWindow, QStackedWidget,
                               QTableWidget, QTableWidgetItem, QWidget)

from core.context import AppContext
from core.logsetup import setup_logging

PAGES = ("Units", "Account backups", "Queue", "Activity", "Settings")


def ensure_demo(ctx: AppContext) -> None:
    """On first start with an empty home, seed a small unit named ``demo``."""
    from core.unit.seed import seed_unit

    if not ctx.units.list_units():
        seed_unit(ctx.units, "demo", "small", 0, display_name="Demo unit")


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("Unitvault")
        self.resize(1000, 640)
        central = QWidget()
        layout = QHBoxLayout(central)
        self.sidebar = QListWidget()
        self.sidebar.addItems(PAGES)
        self.sidebar.setFixedWidth(180)
        self.sidebar.setAccessibleName("Sections")
        self.pages = QStackedWidget()
        self.units_table = QTableWidget(0, 6)
        self.units_table.setHorizontalHeaderLabels(["Unit", "Plugins", "Workspaces", "Applications", "Profiles", "Config keys"])
        self.pages.addWidget(self.units_table)
        for name in PAGES[1:]:
            self.pages.addWidget(QLabel(f"{name}: coming in a later release."))
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.reload()

    def reload(self) -> None:
        units = self.ctx.units.list_units()
        counts = self.ctx.units.all_counts()
        self.units_table.setRowCount(len(units))
        for row, unit in enumerate(units):
            c = counts.get(unit.id)
            values = [unit.name] + ([str(v) for v in c.as_dict().values()] if c else ["0"] * 5)
            for col, v in enumerate(values):
                self.units_table.setItem(row, col, QTableWidgetItem(v))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="unitvault-desktop")
    parser.add_argument("--home")
    parser.add_argument("--db")
    parser.add_argument("--catalog")
    args, qt_args = parser.parse_known_args(argv)
    ctx = AppContext.from_options(args.home, args.db, args.catalog)
    setup_logging(ctx.home.log_file)
    app = QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("Unitvault")
    ensure_demo(ctx)
    window = MainWindow(ctx)
    window.show()
    return app.exec()


def run() -> None:
    sys.exit(main())
