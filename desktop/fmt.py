"""One way to write numbers, sizes, dates and names in the GUI: the user's locale (QLocale).

Numbers always carry the locale's group separator (the C locale leaves it out by default, which
gave "1000 plugins" beside "100,000 keys"). Dates are the locale's short date and time, in local
time, with a four-digit year (a backup's date must not be ambiguous). Names typed by users are
wrapped in Unicode isolates, so a right-to-left name cannot reorder the sentence around it.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, Qt

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate
NAME_CHARS = 60  # longer names are cut (with "…") inside sentences; the full name goes in a tooltip


def locale() -> QLocale:
    loc = QLocale()
    loc.setNumberOptions(QLocale.NumberOption.DefaultNumberOptions)
    return loc


def number(n: int | float) -> str:
    return locale().toString(n)


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``count(1000, "plugin")`` -> "1,000 plugins" (in the user's locale)."""
    return f"{number(n)} {singular if n == 1 else (plural or singular + 's')}"


def size(n: int | float) -> str:
    """Bytes in SI units, as the rest of the app counts them: 1.2 MB."""
    return locale().formattedDataSize(int(n), 1, QLocale.DataSizeFormat.DataSizeSIFormat)


def _date_format(loc: QLocale) -> str:
    if loc.language() == QLocale.Language.C:  # no locale configured: ISO 8601, not "1 12 2026"
        return "yyyy-MM-dd HH:mm"
    fmt = loc.dateTimeFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in fmt:
        fmt = fmt.replace("yy", "yyyy")
    return fmt


def date_time(stamp: str) -> str:
    """An ISO 8601 stamp (UTC, as core writes them) in the user's local time and date format."""
    if not stamp:
        return ""
    dt = QDateTime.fromString(stamp, Qt.DateFormat.ISODateWithMs)
    if not dt.isValid():
        dt = QDateTime.fromString(stamp, Qt.DateFormat.ISODate)
    if not dt.isValid():
        return stamp
    loc = locale()
    return loc.toString(dt.toLocalTime(), _date_format(loc))


def isolate(name: str) -> str:
    """A user's name set apart for the bidi algorithm (FSI ... PDI)."""
    return f"{FSI}{name}{PDI}"


def short(name: str, limit: int = NAME_CHARS) -> str:
    """A name cut to ``limit`` characters with an ellipsis (its tooltip should carry the whole name)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def name(text: str, limit: int = NAME_CHARS) -> str:
    """A user's name as it goes into a sentence: cut if very long, and isolated."""
    return isolate(short(text, limit))


def html_name(text: str, limit: int = NAME_CHARS) -> str:
    import html

    return html.escape(name(text, limit))
