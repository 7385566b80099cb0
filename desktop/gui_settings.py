"""The desktop's own settings (window geometry, recent files) in the home's settings.ini via QSettings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 8


class GuiSettings:
    def __init__(self, path: Path):
        self.qs = QSettings(str(path), QSettings.Format.IniFormat)

    def recent_files(self) -> list[str]:
        value = self.qs.value("recent/files", [])
        if isinstance(value, str):
            value = [value] if value else []
        return [str(v) for v in (value or [])]

    def add_recent(self, path: str | Path) -> list[str]:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        files = files[:MAX_RECENT]
        self.qs.setValue("recent/files", files)
        self.qs.sync()
        return files

    def clear_recent(self) -> None:
        self.qs.remove("recent/files")
        self.qs.sync()

    def geometry(self) -> QByteArray | None:
        value = self.qs.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.qs.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qs.setValue("window/geometry", geometry)
        self.qs.setValue("window/state", state)
        self.qs.sync()

    def last_folder(self) -> str:
        return str(self.qs.value("paths/last_folder", "") or "")

    def set_last_folder(self, folder: str | Path) -> None:
        self.qs.setValue("paths/last_folder", str(folder))
        self.qs.sync()
