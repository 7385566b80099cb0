"""What an account's exclude patterns leave out of its backups, shown before they are saved.

``preview_excludes`` is pure: it takes the entries of a home directory (relative path, folder or not,
size), parents first, and the patterns, and returns what they match, decided exactly as a backup
walks (core/accounts/tree.py: gitignore-style patterns, a folder tested with a trailing "/", and
nothing below an excluded folder looked at again). ``walk_home`` feeds it from disk, reading names
and sizes only, up to a cap.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import InvalidInputError
from core.support.names import escape_name

SCAN_LIMIT = 200_000        # entries looked at, at most (a preview, not a backup)
SHOWN = 200                 # matched paths listed


@dataclass(frozen=True)
class ExcludePreview:
    patterns: tuple[str, ...]
    matched: tuple[str, ...]         # the excluded paths a backup would skip first (folders not descended), text
    matched_count: int               # excluded entries, with everything below excluded folders
    matched_bytes: int               # bytes of the excluded files
    scanned: int                     # entries looked at
    scanned_bytes: int
    complete: bool                   # False: the scan stopped at its cap
    by_pattern: tuple[tuple[str, int], ...] = ()   # (pattern, top-level matches it decided)

    def as_dict(self) -> dict:
        return {"patterns": list(self.patterns), "matched": list(self.matched), "matched_count": self.matched_count,
                "matched_bytes": self.matched_bytes, "scanned": self.scanned, "scanned_bytes": self.scanned_bytes,
                "complete": self.complete, "by_pattern": [list(p) for p in self.by_pattern]}


def compile_patterns(patterns: Iterable[str]):
    """The patterns as a backup uses them; an invalid one is refused, named."""
    import pathspec

    out = []
    for p in patterns:
        if not isinstance(p, str) or not p.strip() or "\n" in p or "\x00" in p:
            raise InvalidInputError("An exclude pattern is empty or contains a line break.", kind="invalid_exclude")
        try:
            pathspec.GitIgnoreSpec.from_lines([p])
        except Exception:
            raise InvalidInputError(f"The exclude pattern {p!r} is not a valid gitignore-style glob.",
                                    kind="invalid_exclude", data={"pattern": p}) from None
        out.append(p)
    return tuple(out), (pathspec.GitIgnoreSpec.from_lines(list(out)) if out else None)


def preview_excludes(entries: Iterable[tuple[bytes, bool, int]], patterns: Iterable[str], *,
                     shown: int = SHOWN, complete: bool = True) -> ExcludePreview:
    """``entries``: (relative path, is a folder, size) in walk order (parents first)."""
    import pathspec

    pats, spec = compile_patterns(patterns)
    singles = [(p, pathspec.GitIgnoreSpec.from_lines([p])) for p in pats]
    excluded_dirs: list[bytes] = []       # a stack of excluded folders (walk order: descendants follow)
    matched: list[str] = []
    counts = dict.fromkeys(pats, 0)
    n = n_bytes = m = m_bytes = 0
    for rel, is_dir, size in entries:
        n += 1
        n_bytes += size if not is_dir else 0
        while excluded_dirs and not rel.startswith(excluded_dirs[-1] + b"/"):
            excluded_dirs.pop()
        if excluded_dirs:                 # below an excluded folder: left out with it
            m += 1
            m_bytes += size if not is_dir else 0
            continue
        if spec is None:
            continue
        text = os.fsdecode(rel) + ("/" if is_dir else "")
        if not spec.match_file(text):
            continue
        m += 1
        m_bytes += size if not is_dir else 0
        if len(matched) < shown:
            matched.append(escape_name(rel) + ("/" if is_dir else ""))
        for p, single in singles:
            if single.match_file(text):
                counts[p] += 1
        if is_dir:
            excluded_dirs.append(rel)
    return ExcludePreview(pats, tuple(matched), m, m_bytes, n, n_bytes, complete, tuple(counts.items()))


def walk_home(root: str, limit: int = SCAN_LIMIT, check=None) -> tuple[list[tuple[bytes, bool, int]], bool]:
    """(entries, complete): names, kinds and sizes below ``root`` in a backup's walk order (parents
    first, names sorted), without following links or reading content; at most ``limit`` entries.
    ``check()`` is called once per folder (a reporter's cancel check)."""
    out: list[tuple[bytes, bool, int]] = []
    stack: list[tuple[bytes, bytes]] = [(os.fsencode(root), b"")]   # folders still to list
    pending: list[list] = []
    while stack:
        path, rel = stack.pop()
        if check is not None:
            check()
        try:
            with os.scandir(path) as it:
                items = sorted((os.fsencode(e.name), e) for e in it)
        except OSError:
            items = []                  # unreadable: a backup skips it too
        below = []
        for name, e in items:
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            r = rel + b"/" + name if rel else name
            is_dir = stat.S_ISDIR(st.st_mode)
            below.append((r, is_dir, st.st_size if stat.S_ISREG(st.st_mode) else 0, os.path.join(path, name)))
        # a folder's entries go out in order, each folder followed by what is below it: emit up to the
        # first folder, descend there, and come back for the rest
        pending.append(below)
        while pending:
            todo = pending[-1]
            if not todo:
                pending.pop()
                continue
            r, is_dir, size, full = todo.pop(0)
            if len(out) >= limit:
                return out, False
            out.append((r, is_dir, size))
            if is_dir:
                stack.append((full, r))
                break
    return out, True
