"""``backups.env``: the admin's configuration of admin-configured backups (after OpenPanel's file of
the same name), in the home. One ``KEY=VALUE`` per line; ``#`` starts a comment (at the start of a
line, or after a space); values may be quoted with ``"`` or ``'``; ``export KEY=VALUE`` is accepted
too. Every problem is reported with its line number, and the file is used only when it has none.

Documented keys (``TEMPLATE`` is the commented file ``unitvault mode env --template`` prints):

=============  ========  ============================================================================
key            default   value
=============  ========  ============================================================================
ENABLED        yes       yes | no: whether the scheduler runs it
DESTINATION    (needed)  a destination the admin added
SCHEDULE       (needed)  hourly | daily@HH:MM | weekly@DAY,HH:MM | monthly@D,HH:MM | a cron expression
TIMEZONE       local     an IANA time zone the schedule is read in
ITEMS          all       account, units, files (a comma-separated subset) or all
ACCOUNTS       all       all | tag:NAME | usernames separated by commas
KEEP_LAST      7         rotation: the newest N backups of each account are kept (1-10,000)
KEEP_DAILY     -         also keep the newest backup of each of the last N days (1-10,000)
KEEP_WEEKLY    -         ... of each of the last N weeks
KEEP_MONTHLY   -         ... of each of the last N months
=============  ========  ============================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FILE_NAME = "backups.env"
JOB_NAME = "backups.env"          # the job the file becomes in admin-configured mode
MAX_FILE = 64 * 1024
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
USERNAME_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
TAG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
KEYS = ("ENABLED", "DESTINATION", "SCHEDULE", "TIMEZONE", "ITEMS", "ACCOUNTS", "KEEP_LAST", "KEEP_DAILY",
        "KEEP_WEEKLY", "KEEP_MONTHLY")
REQUIRED = ("DESTINATION", "SCHEDULE")
DEFAULT_KEEP_LAST = 7
ITEMS = ("account", "units", "files")

TEMPLATE = """\
# Unitvault: admin-configured backups (used while the mode is admin-configured).
# One KEY=VALUE per line. Lines starting with # are comments. Check it with: unitvault mode env
ENABLED=yes                 # yes | no
DESTINATION=offsite         # a destination added with: unitvault destination add
SCHEDULE=daily@02:00        # hourly | daily@HH:MM | weekly@DAY,HH:MM | monthly@D,HH:MM | cron expression
TIMEZONE=UTC                # an IANA time zone (default: this machine's)
ITEMS=account,units,files   # what each backup holds (or: all)
ACCOUNTS=all                # all | tag:NAME | alice,bob
KEEP_LAST=7                 # the newest N backups of each account are kept
#KEEP_DAILY=7
#KEEP_WEEKLY=4
#KEEP_MONTHLY=6
"""


@dataclass(frozen=True)
class Problem:
    line: int | None          # None: about the file as a whole (a key that is missing)
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class AdminBackups:
    """The file's configuration, every value checked for shape (names are looked up when applied)."""
    enabled: bool
    destination: str
    schedule: str
    timezone: str | None
    items: tuple[str, ...]
    accounts: str                     # all | tag:NAME | alice,bob (the form jobs take)
    keep_last: int
    keep_daily: int | None = None
    keep_weekly: int | None = None
    keep_monthly: int | None = None
    lines: dict = field(default_factory=dict, compare=False, repr=False)   # key -> line number

    def as_dict(self) -> dict:
        return {"enabled": self.enabled, "destination": self.destination, "schedule": self.schedule,
                "timezone": self.timezone, "items": list(self.items), "accounts": self.accounts,
                "keep_last": self.keep_last, "keep_daily": self.keep_daily, "keep_weekly": self.keep_weekly,
                "keep_monthly": self.keep_monthly}


@dataclass(frozen=True)
class Parsed:
    config: AdminBackups | None     # None when there is any problem
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _unquote(raw: str) -> tuple[str | None, str]:
    """(value, problem): quotes kept whole; an unquoted value ends at `` #``."""
    raw = raw.strip()
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        end = raw.find(quote, 1)
        if end < 0:
            return None, f"the value has no closing {quote}"
        rest = raw[end + 1:].strip()
        if rest and not rest.startswith("#"):
            return None, "text after the closing quote"
        return raw[1:end], ""
    cut = re.search(r"\s#", raw)
    return (raw[:cut.start()] if cut else raw).strip(), ""


def _printable(text: str, limit: int = 60) -> str:
    shown = "".join(ch if ch.isprintable() else "?" for ch in text)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _yes_no(value: str) -> bool | None:
    v = value.lower()
    if v in ("yes", "true", "1", "on"):
        return True
    if v in ("no", "false", "0", "off"):
        return False
    return None


def _keep(value: str) -> int | None:
    if not re.fullmatch(r"\d{1,6}", value):
        return None
    n = int(value)
    return n if 1 <= n <= 10_000 else None


def _check(key: str, value: str) -> tuple[object, str]:
    """(the checked value, problem) for one key."""
    if key == "ENABLED":
        flag = _yes_no(value)
        return (flag, "") if flag is not None else (None, "ENABLED is yes or no")
    if key == "DESTINATION":
        return (value, "") if NAME_RE.match(value) else (None, f"DESTINATION {_printable(value)!r} is not a "
                                                                "destination name")
    if key == "SCHEDULE":
        from core.errors import UnitvaultError
        from core.jobs.schedule import parse

        try:
            parse(value, "UTC")
        except UnitvaultError as exc:
            return None, f"SCHEDULE: {exc.message.rstrip('.')} ({exc.hint or 'see the template'})"
        return value, ""
    if key == "TIMEZONE":
        from core.errors import UnitvaultError
        from core.jobs.schedule import check_timezone

        try:
            return check_timezone(value), ""
        except UnitvaultError:
            return None, f"TIMEZONE {_printable(value)!r} is not a time zone (use an IANA name like Europe/Berlin)"
    if key == "ITEMS":
        if value == "all":
            return ITEMS, ""
        parts = [p.strip() for p in value.split(",") if p.strip()]
        bad = [p for p in parts if p not in ITEMS]
        if bad or not parts:
            return None, f"ITEMS: unknown item {_printable(bad[0]) if bad else ''!r} (use account, units, files)"
        return tuple(i for i in ITEMS if i in parts), ""
    if key == "ACCOUNTS":
        if value == "all":
            return value, ""
        if value.startswith("tag:"):
            tag = value[4:].strip()
            return (f"tag:{tag}", "") if TAG_RE.match(tag) else (None, f"ACCOUNTS: {_printable(tag)!r} is not a "
                                                                       "tag name")
        names = [n.strip() for n in value.split(",") if n.strip()]
        bad = [n for n in names if not USERNAME_RE.match(n)]
        if bad or not names:
            return None, f"ACCOUNTS: {_printable(bad[0]) if bad else value!r} is not a username (use all, tag:NAME " \
                         "or usernames separated by commas)"
        return ",".join(names), ""
    n = _keep(value)
    return (n, "") if n is not None else (None, f"{key} is a number from 1 to 10,000")


def parse(text: str) -> Parsed:
    """Check every line; the configuration when nothing is wrong."""
    problems: list[Problem] = []
    values: dict[str, object] = {}
    lines: dict[str, int] = {}
    if len(text) > MAX_FILE:
        return Parsed(None, (Problem(None, f"The file is larger than {MAX_FILE // 1024} KiB."),))
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("export "):
            stripped = stripped[7:].lstrip()
        key, eq, raw = stripped.partition("=")
        key = key.strip()
        if not eq or not KEY_RE.match(key):
            problems.append(Problem(number, f"not KEY=VALUE: {_printable(stripped)!r}"))
            continue
        if key not in KEYS:
            close = [k for k in KEYS if k.lower() == key.lower()]
            problems.append(Problem(number, f"unknown key {_printable(key)}"
                                    + (f" (did you mean {close[0]}?)" if close else f"; known keys: {', '.join(KEYS)}")))
            continue
        if key in lines:
            problems.append(Problem(number, f"{key} is given again (first on line {lines[key]})"))
            continue
        lines[key] = number
        value, problem = _unquote(raw)
        if value is None:
            problems.append(Problem(number, f"{key}: {problem}"))
            continue
        if value == "":
            problems.append(Problem(number, f"{key} has no value"))
            continue
        checked, problem = _check(key, value)
        if problem:
            problems.append(Problem(number, problem))
            continue
        values[key] = checked
    for key in REQUIRED:
        if key not in lines:
            problems.append(Problem(None, f"{key} is missing."))
    if problems:
        return Parsed(None, tuple(problems))
    return Parsed(AdminBackups(
        enabled=values.get("ENABLED", True), destination=values["DESTINATION"], schedule=values["SCHEDULE"],
        timezone=values.get("TIMEZONE"), items=values.get("ITEMS", ITEMS), accounts=values.get("ACCOUNTS", "all"),
        keep_last=values.get("KEEP_LAST", DEFAULT_KEEP_LAST), keep_daily=values.get("KEEP_DAILY"),
        keep_weekly=values.get("KEEP_WEEKLY"), keep_monthly=values.get("KEEP_MONTHLY"), lines=lines), ())


def read(path) -> Parsed | None:
    """The file parsed, or None when there is none. Read with a cap, as UTF-8."""
    from pathlib import Path

    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_FILE + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Parsed(None, (Problem(None, f"Cannot read {p}: {exc.strerror}."),))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        return Parsed(None, (Problem(line, "the line is not valid UTF-8"),))
    return parse(text)
