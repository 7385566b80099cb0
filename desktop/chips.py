"""Tags shown as coloured chips: in a table cell (a delegate) and as a row of labels.

A chip's text is white or black, whichever reads better on the tag's colour (WCAG relative
luminance); names are cut to a few dozen characters, the cell's tooltip has them all."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop import fmt

TagsRole = Qt.ItemDataRole.UserRole + 7     # a cell's tags: [(name, "#rrggbb"), ...]
CHIP_CHARS = 24


def text_color(background: str) -> QColor:
    """Black or white text, whichever contrasts more with ``background``."""
    c = QColor(background)

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())
    return QColor("#000000") if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else QColor("#ffffff")


def paint_chips(painter: QPainter, rect: QRect, tags, font) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    x = rect.left() + 2
    h = min(rect.height() - 4, metrics.height() + 4)
    y = rect.top() + (rect.height() - h) // 2
    for name, color in tags:
        label = fmt.short(name, CHIP_CHARS)
        w = metrics.horizontalAdvance(label) + 12
        if x + w > rect.right():
            painter.setPen(QPalette().color(QPalette.ColorRole.Text))
            painter.drawText(QRect(x, rect.top(), rect.right() - x, rect.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, "…")
            break
        box = QRectF(x, y, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        painter.drawRoundedRect(box, h / 2, h / 2)
        painter.setPen(text_color(color))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
        x += w + 4
    painter.restore()


class ChipDelegate(QStyledItemDelegate):
    """Paints the cell's ``TagsRole`` as chips (the display text, "vip, web", stays for screen readers)."""

    def paint(self, painter, option, index):
        tags = index.data(TagsRole)
        if not tags:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        paint_chips(painter, option.rect.adjusted(2, 0, -2, 0), tags, option.font)

    def sizeHint(self, option, index):  # noqa: N802
        hint = super().sizeHint(option, index)
        return QSize(min(hint.width(), 220), hint.height())


class ChipRow(QWidget):
    """Tags as a row of chip labels (the account panel, the tags dialogs)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self.empty = QLabel("No tags")
        self.row.addWidget(self.empty)
        self.row.addStretch(1)
        self.labels: list[QLabel] = []

    def set_tags(self, tags) -> None:
        for label in self.labels:
            label.deleteLater()
        self.labels = []
        for i, (name, color) in enumerate(tags):
            label = QLabel(fmt.short(name, CHIP_CHARS))
            label.setToolTip(name)
            label.setAccessibleName(f"Tag {name}")
            fg = text_color(color).name()
            label.setStyleSheet(f"QLabel {{ background: {color}; color: {fg}; border-radius: 8px; "
                                "padding: 1px 8px; }")
            self.row.insertWidget(i, label)
            self.labels.append(label)
        self.empty.setVisible(not tags)
