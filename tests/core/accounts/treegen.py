"""Generated home trees for account-backup tests, and a tree comparison that checks what users rely on."""

from __future__ import annotations

import os
import random
import stat
from pathlib import Path


def make_tree(root: Path, *, files: int = 300, big: int = 1, big_size: int = 3 << 20, seed: int = 0) -> Path:
    rnd = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    dirs = [root]
    for i in range(max(3, files // 40)):
        parent = rnd.choice(dirs)
        d = parent / (f"dir{i}" if i % 7 else f"répertoire-{i}-日本")
        d.mkdir(exist_ok=True)
        dirs.append(d)
    for i in range(files):
        d = rnd.choice(dirs)
        name = f"file{i}.txt" if i % 11 else f"ünïcödé {i} ✓.txt"
        body = (f"line {i} " * rnd.randint(0, 200)).encode()
        p = d / name
        p.write_bytes(body)
        if i % 13 == 0:
            p.chmod(0o600)
        if i % 17 == 0:
            p.chmod(0o755)
        os.utime(p, ns=(1_600_000_000_000_000_000 + i * 1_000_003, 1_600_000_000_000_000_000 + i * 1_000_003))
    for i in range(big):
        data = bytearray(rnd.randbytes(big_size))
        (root / f"big{i}.bin").write_bytes(bytes(data))
    (root / "dup-a.txt").write_bytes(b"same content\n" * 100)
    (root / "dup-b.txt").write_bytes(b"same content\n" * 100)
    (root / "empty-dir" / "nested-empty").mkdir(parents=True)
    (root / "empty.txt").write_bytes(b"")
    os.symlink("dup-a.txt", root / "link-to-file")
    os.symlink("/etc/passwd", root / "absolute-link")
    os.symlink("does/not/exist", root / "dangling-link")
    os.symlink("empty-dir", root / "link-to-dir")
    return root


def snapshot_of(root: Path, *, dir_mtimes: bool = True) -> dict:
    """path -> (type, mode, mtime_ns, content or link target) for every entry under root (no following)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode), st.st_mtime_ns if dir_mtimes else 0)
            else:
                out[rel] = ("f", stat.S_IMODE(st.st_mode), st.st_mtime_ns, p.read_bytes())
    return out
