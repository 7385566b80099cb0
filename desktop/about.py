"""About dialog: the app's and its main libraries' versions."""

from __future__ import annotations

import platform
from importlib import metadata

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

import core
from desktop.icons import icon

LIBRARIES = ("PySide6-Essentials", "cryptography", "argon2-cffi", "msgpack", "zstandard", "SQLAlchemy",
             "jsonschema-rs")


def versions() -> list[tuple[str, str]]:
    rows = [("Unitvault", core.__version__), ("Python", platform.python_version()), ("Qt", qVersion())]
    for name in LIBRARIES:
        try:
            rows.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            rows.append((name, "not installed"))
    return rows


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About Unitvault")
        layout = QVBoxLayout(self)
        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(logo)
        head = QLabel(f"<h2>Unitvault {core.__version__}</h2>"
                      "<p>Trustworthy backups of dashboard units and accounts.</p>")
        head.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(head)
        table = "".join(f"<tr><td>{n}</td><td>&nbsp;&nbsp;{v}</td></tr>" for n, v in versions())
        self.versions = QLabel(f"<table>{table}</table>")
        self.versions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.versions.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.versions)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
