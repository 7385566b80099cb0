"""Desktop notifications: a backup or restore that finishes or fails while the window is in the
background is announced by the system tray (QSystemTrayIcon). Where the desktop has no tray, the
window asks for attention instead (the taskbar entry flashes); the status bar says it either way."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QSystemTrayIcon

TIMEOUT_MS = 10_000


class Notifier:
    def __init__(self, window):
        self.window = window
        self.sent: list[tuple[str, str, bool]] = []     # (title, text, failed), newest last
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(window.windowIcon(), window)
            self.tray.setToolTip("Unitvault")
            self.tray.activated.connect(lambda _reason: self._raise())
            self.tray.messageClicked.connect(self._raise)
            self.tray.show()

    def notify(self, title: str, text: str, *, failed: bool = False) -> None:
        self.sent.append((title, text, failed))
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            icon = QSystemTrayIcon.MessageIcon.Warning if failed else QSystemTrayIcon.MessageIcon.Information
            self.tray.showMessage(title, text, icon, TIMEOUT_MS)
        else:
            QApplication.alert(self.window)

    def _raise(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()
