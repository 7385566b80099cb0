"""Property: any tree comes back exact. Randomized trees with more directories than the writer's
descriptor cache, many large files (written in pieces by several workers), content duplicated under
other names in other directories, hard links, symlinks, FIFOs, holes, extended attributes, any
byte in names, odd modes and nanosecond times; and random batch, window, cache and group-commit
sizes, so group commits fall at every point of the writer's loop. Every byte and attribute is
compared (tests/core/accounts/treecheck.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.accounts.backup import backup_account
from core.accounts.restore import files as restore_mod
from core.accounts.restore import restore_backup
from tests.core.accounts.treecheck import describe

names = st.binary(min_size=1, max_size=24).filter(
    lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..") and b".uvrestore-" not in b)
dir_modes = st.sampled_from([0o700, 0o755, 0o750, 0o711, 0o555, 0o2775, 0o1777])
file_modes = st.sampled_from([0o600, 0o644, 0o755, 0o400, 0o4755, 0o2750, 0o640])
times = st.integers(min_value=0, max_value=4 * 10**18)


@st.composite
def trees(draw):
    ndirs = draw(st.integers(min_value=3, max_value=24))
    dirs = [()]
    for _ in range(ndirs):
        parent = draw(st.sampled_from(dirs))
        dirs.append(parent + (draw(names),))
    dirs = sorted(set(dirs))
    files = []
    for _ in range(draw(st.integers(min_value=1, max_value=40))):
        where = draw(st.sampled_from(dirs))
        kind = draw(st.sampled_from(["small", "small", "small", "large", "dup", "link", "symlink", "fifo",
                                     "sparse"]))
        files.append((where, draw(names), kind, draw(st.integers(0, 2**32 - 1)), draw(file_modes), draw(times),
                      draw(st.booleans())))
    multi_chunk = draw(st.integers(min_value=0, max_value=4)) == 0   # now and then a file of several chunks
    tuning = {"PIECE": draw(st.sampled_from([16 << 10, 64 << 10, 256 << 10])),
              "BATCH_FILES": draw(st.integers(1, 5)), "WINDOW_TASKS": draw(st.integers(1, 6)),
              "WINDOW_BYTES": draw(st.sampled_from([64 << 10, 1 << 20, 32 << 20])),
              "SYNC_FILES": draw(st.integers(1, 30)), "SYNC_BYTES": draw(st.sampled_from([32 << 10, 128 << 20])),
              "DIR_CACHE": draw(st.integers(1, 6))}
    dir_attrs = {d: (draw(dir_modes), draw(times)) for d in dirs if d}
    return dirs, files, multi_chunk, tuning, dir_attrs


def _build(root: Path, spec) -> None:
    import random

    dirs, files, multi_chunk, _tuning, dir_attrs = spec
    broot = os.fsencode(root)
    for d in dirs:
        if d:
            os.makedirs(broot + b"/" + b"/".join(d), exist_ok=True)
    made: list[bytes] = []
    for where, name, kind, seed, mode, mtime, xattr in files:
        rnd = random.Random(seed)
        path = broot + b"/" + b"/".join(where + (name,))
        if os.path.lexists(path) or os.path.isdir(path):
            continue
        if kind == "small":
            with open(path, "wb") as fh:
                fh.write(rnd.randbytes(rnd.randint(0, 3000)))
        elif kind == "large":
            with open(path, "wb") as fh:
                fh.write(rnd.randbytes(rnd.randint(20 << 10, 400 << 10)))
        elif kind == "dup" and made:
            shutil.copyfile(rnd.choice(made), path)
        elif kind == "link" and made:
            os.link(rnd.choice(made), path)
        elif kind == "symlink":
            os.symlink(rnd.choice([b"../x", b"/etc/passwd", name, b"a" * 300]), path)
            os.utime(path, ns=(mtime, mtime), follow_symlinks=False)
            continue
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "sparse":
            with open(path, "wb") as fh:
                size = rnd.randint(1, 64) * 16384
                fh.truncate(size)
                for _ in range(rnd.randint(0, 3)):
                    fh.seek(rnd.randrange(0, size, 4096))
                    fh.write(rnd.randbytes(rnd.randint(1, 9000)))
        else:
            continue
        if xattr and kind != "fifo":
            os.setxattr(path, b"user.p" + bytes([65 + seed % 26]), rnd.randbytes(seed % 40))
        os.chmod(path, mode if kind != "fifo" else 0o620)
        os.utime(path, ns=(mtime, mtime))
        if kind not in ("fifo",):
            made.append(path)
    if multi_chunk:
        with open(broot + b"/" + b"/".join(dirs[-1] + (b"several-chunks.bin",)), "wb") as fh:
            fh.write(os.urandom(4 << 20) + os.urandom(600_000))
    for d in sorted((d for d in dirs if d), key=len, reverse=True):      # deepest first: modes and times last
        mode, mtime = dir_attrs[d]
        p = broot + b"/" + b"/".join(d)
        os.chmod(p, mode)
        os.utime(p, ns=(mtime, mtime))


def _check(ctx, local_dest, monkeypatch, spec) -> None:
    for name, value in spec[3].items():
        monkeypatch.setattr(restore_mod, name, value)
    base = Path(tempfile.mkdtemp(prefix="uv-prop-"))
    try:
        home = base / "h"
        home.mkdir()
        _build(home, spec)
        user = "u" + uuid.uuid4().hex[:12]
        ctx.catalog.accounts.add(user, str(home))
        r = backup_account(ctx, user, "repo", destination=local_dest, items="files")
        out = base / "out"
        res = restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=local_dest)
        assert res.files.failed == ()
        assert describe(out) == describe(home)
    finally:
        for dirpath, dirnames, _files in os.walk(base):
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o700)
        shutil.rmtree(base)


_SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]   # each example makes its own dirs


@settings(max_examples=12, deadline=None, suppress_health_check=_SLOW_OK)
@given(spec=trees())
def test_any_tree_comes_back_exact(ctx, local_dest, monkeypatch, spec):
    _check(ctx, local_dest, monkeypatch, spec)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=_SLOW_OK)
@given(spec=trees())
def test_any_tree_comes_back_exact_long_run(ctx, local_dest, monkeypatch, spec):
    _check(ctx, local_dest, monkeypatch, spec)
