"""Plan trees in the wizards (desktop/plan_view.py): their rows, and their "… more" rows read from
the keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.desktop.conftest import WAIT_MS


def section_row(tree, title: str):
    return next(tree.topLevelItem(i) for i in range(tree.topLevelItemCount()) if tree.topLevelItem(i).text(0) == title)


def kind_row(section, title: str):
    """A section's group of one kind of change ("Added (…)", "Removed (…)", ...)."""
    return next(section.child(i) for i in range(section.childCount()) if section.child(i).text(0).startswith(title))


def read_every_more(qtbot, tree, group, button, count: int, shown: int, step: int) -> list[str]:
    """Select ``group``'s "… more" row and press Show more (Alt+H) until all ``count`` keys are
    listed, checking each time that the keys come above the row (gone with the last of them) and
    that the keyboard goes on at the first new key; returns the keys listed."""
    while shown < count:
        row = group.child(group.childCount() - 1)
        assert row.text(0).startswith(f"… and {count - shown:,} more"), row.text(0)
        tree.setCurrentItem(row)
        tree.setFocus()
        assert button.isEnabled()
        qtbot.keyClick(tree, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
        after = min(shown + step, count)
        qtbot.waitUntil(lambda n=after: group.childCount() == n + (n < count), timeout=WAIT_MS)
        assert tree.currentItem() is group.child(shown)
        shown = after
    return [group.child(i).text(0) for i in range(group.childCount())]
