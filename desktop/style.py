"""The look: the platform's palette (light or dark) with a few semantic colours that read on both.

No hard-coded colours except the diff colours below, each chosen per palette lightness.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

# (light palette, dark palette): readable against the window/base colour of each
SEMANTIC = {
    "added": ("#1a7f37", "#56d364"),
    "removed": ("#b42318", "#ff7b72"),
    "changed": ("#9a6700", "#e3b341"),
    "warning_bg": ("#fff4ce", "#4a3b00"),
    "warning_fg": ("#5c4400", "#ffe08a"),
}


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def semantic(name: str) -> QColor:
    light, dark = SEMANTIC[name]
    return QColor(dark if is_dark() else light)


def style_sheet() -> str:
    warn_bg, warn_fg = semantic("warning_bg").name(), semantic("warning_fg").name()
    return f"""
    QListWidget#sidebar {{ font-size: 11pt; }}
    QListWidget#sidebar::item {{ padding: 4px 6px; }}
    QLabel#loudNotice {{ background: {warn_bg}; color: {warn_fg}; border: 1px solid {warn_fg};
                          border-radius: 4px; padding: 8px; font-weight: bold; }}
    QLabel#errorPanel {{ border: 1px solid palette(mid); border-radius: 4px; padding: 8px; }}
    """


def apply_style(app) -> None:
    app.setStyleSheet(style_sheet())
