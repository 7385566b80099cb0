"""How ``repo/`` and ``expected.json`` here were made: by the version-1 writer (commit b0d055f, before
repository format 2), so the tests read real version-1 bytes. Do not regenerate with a newer version.

Run from a checkout of that commit: ``python make_repository_v1.py OUT_DIR``. It backs up a small
home twice over: account "vera" (owner-held key, format 1, passphrase below) and account "alma"
(app-held key; its app key is saved as ``alma.app-key``). ``expected.json`` lists every file of the
home (type, mode, SHA-256 or link target) and the backup ids.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
from pathlib import Path

PASSPHRASE = "version one passphrase"


def make_home(root: Path) -> None:
    rnd = random.Random(1)
    (root / "docs" / "deep").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("first file\n")
    (root / "docs" / "deep" / "b.txt").write_text("second file\n" * 50)
    (root / "ünïcödé ✓.txt").write_text("a unicode name\n")
    pattern = rnd.randbytes(1024)
    (root / "big.bin").write_bytes(pattern * (4608))                # 4.5 MiB: cut into several blobs
    (root / "docs" / "private.txt").write_text("mode 600\n")
    os.chmod(root / "docs" / "private.txt", 0o600)
    (root / "empty.txt").write_bytes(b"")
    os.symlink("docs/a.txt", root / "link")
    for i, p in enumerate(sorted(root.rglob("*"))):
        if not p.is_symlink():
            os.utime(p, ns=(1_600_000_000_000_000_000 + i, 1_600_000_000_000_000_000 + i))


def listing(root: Path) -> dict:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = ["l", os.readlink(p)]
        elif p.is_dir():
            out[rel] = ["d", p.stat().st_mode & 0o7777]
        else:
            out[rel] = ["f", p.stat().st_mode & 0o7777, hashlib.sha256(p.read_bytes()).hexdigest()]
    return out


def main(out: Path) -> None:
    sys.path.insert(0, os.getcwd())
    os.environ["UNITVAULT_SECRETS"] = "file"
    from core.accounts.backup import backup_account
    from core.app.context import AppContext
    from core.destinations import DestinationConfig
    from core.home import AppHome

    work = out / "work"
    home = work / "tree"
    make_home(home)
    ctx = AppContext(AppHome.resolve(work / "home"))
    repo = out / "repo"
    repo.mkdir(parents=True)
    ctx.catalog.destinations.add(DestinationConfig("repo", "local", {"path": str(repo)}))
    vera = ctx.catalog.accounts.add("vera", str(home), encryption="owner")
    alma = ctx.catalog.accounts.add("alma", str(home), encryption="app")
    rv = backup_account(ctx, "vera", "repo", items="account,files", passphrase=PASSPHRASE)
    ra = backup_account(ctx, "alma", "repo", items="account,files")
    (out / "alma.app-key").write_bytes(ctx.secrets.get(f"account-key.{alma.id}"))
    (out / "expected.json").write_text(json.dumps({
        "passphrase": PASSPHRASE, "files": listing(home),
        "vera": {"id": vera.id, "backup": rv.backup_id}, "alma": {"id": alma.id, "backup": ra.backup_id}},
        indent=1, ensure_ascii=False) + "\n")
    ctx.close()
    shutil.rmtree(work)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
