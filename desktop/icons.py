"""SVG icons from resources/icons, tinted with the palette's text colour so they follow light and dark themes.

Icons are drawn as monochrome strokes in black; at load time black is swapped for the palette colour and
the SVG is rendered at several sizes (and at the screen's device pixel ratio), so they stay sharp on HiDPI.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from core.resources import read_bytes

SIZES = (16, 20, 24, 32, 48, 64)


def _svg(name: str) -> bytes:
    return read_bytes("resources", f"icons/{name}.svg")


def _render(data: bytes, size: int, dpr: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(data))
    px = QPixmap(QSize(round(size * dpr), round(size * dpr)))
    px.fill(Qt.GlobalColor.transparent)
    painter = QPainter(px)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, px.width(), px.height()))
    painter.end()
    px.setDevicePixelRatio(dpr)
    return px


@lru_cache(maxsize=256)
def _icon(name: str, color: str, dpr: float) -> QIcon:
    data = _svg(name).replace(b"#000000", color.encode("ascii"))
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(_render(data, size, dpr))
    return icon


def icon(name: str, color: str | None = None) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` in ``color`` (default: the palette's window text)."""
    app = QGuiApplication.instance()
    if color is None:
        color = app.palette().color(QPalette.ColorRole.WindowText).name() if app else "#000000"
    dpr = max(1.0, app.devicePixelRatio()) if app else 1.0
    return _icon(name, color, float(dpr))


def clear_cache() -> None:
    """Forget rendered icons (after a palette change)."""
    _icon.cache_clear()
