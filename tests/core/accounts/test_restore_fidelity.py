"""Restores are exact like restic's and borg's: owners, set-id bits, hard links, holes, extended
attributes and ACLs, FIFOs and devices, paths longer than PATH_MAX, the parents a selective restore
makes, and the home directory itself. Root-only behaviour is checked as root; what a user who is not
root gets is checked by dropping to ``nobody`` in a forked child (root is needed to make files of
other owners in the first place)."""

from __future__ import annotations

import os
import stat
import struct
import tempfile
from pathlib import Path

import pytest

from core.accounts.backup import backup_account
from core.accounts.opened import open_backup
from core.accounts.restore import restore_backup
from core.accounts.restore.files import restore_files
from core.accounts.restore.live import read_live
from core.accounts.restore.plan import plan_files
from core.destinations import DestinationConfig
from core.destinations.local import LocalDestination
from tests.core.accounts.forked import in_child
from tests.core.accounts.treecheck import describe
from tests.servers import part_missing

ROOT = os.geteuid() == 0


@pytest.fixture
def needs_root():
    """Making files of other owners, devices and trusted.* attributes needs root."""
    if not ROOT:
        part_missing("making files of other owners, devices and trusted.* needs root")
NOBODY = 65534


def _backup_and_restore(ctx, home, dest, out, **kw):
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=dest, items="files")
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), destination=dest, **kw)
    return r, res


def _acl(*entries) -> bytes:
    """A POSIX ACL as the kernel's xattr holds it (version 2, then tag, perm, id per entry)."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perm, ident) for tag, perm, ident in entries)


UNDEFINED = 0xFFFFFFFF
ACL = _acl((0x01, 7, UNDEFINED), (0x02, 5, 1234), (0x04, 5, UNDEFINED), (0x10, 5, UNDEFINED), (0x20, 4, UNDEFINED))


@pytest.mark.usefixtures("needs_root")
def test_owners_groups_and_set_id_bits_come_back_as_root(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    (home / "shared").mkdir(parents=True)
    (home / "shared" / "numbers-only").write_text("a")
    os.chown(home / "shared" / "numbers-only", 1234, 5678)
    (home / "by-name").write_text("b")
    os.chown(home / "by-name", 1, 1)                     # daemon:daemon (names recorded)
    tool = home / "tool"
    tool.write_bytes(b"#!/bin/sh\n")
    os.chown(tool, 1234, 5678)
    os.chmod(tool, 0o6755)                               # a user's setuid+setgid program
    os.chown(home / "shared", 1234, 5678)
    os.symlink("tool", home / "link")
    os.lchown(home / "link", 1234, 5678)
    r, res = _backup_and_restore(ctx, home, local_dest, tmp_path / "out")
    assert res.ok and res.files.not_applied == ()
    with open_backup(ctx, r.backup_id, destination=local_dest) as snap:
        meta = {e[0]: e[8] for e in snap.manifest["files"]["entries"]}
    assert meta[b"by-name"]["user"] == "daemon" and meta[b"by-name"]["group"] == "daemon"
    assert (meta[b"tool"]["uid"], meta[b"tool"]["gid"]) == (1234, 5678)
    assert describe(tmp_path / "out") == describe(home)
    st = os.lstat(tmp_path / "out" / "tool")
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 5678, 0o6755)   # never setuid-root


@pytest.mark.usefixtures("needs_root")
def test_owners_follow_names_where_this_machine_knows_them(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    home.mkdir()
    (home / "f").write_text("x")
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    with open_backup(ctx, r.backup_id, destination=local_dest) as snap:
        entries = [list(e) for e in snap.manifest["files"]["entries"]]
    entries[0][8] = {"uid": 4321, "gid": 4321, "user": "daemon", "group": "no-such-group-here"}
    plan = plan_files(entries, None, "merge", str(tmp_path / "out"), read_live(str(tmp_path / "out"), entries, None),
                      as_root=True)
    with open_backup(ctx, r.backup_id, destination=local_dest) as snap:
        assert restore_files(snap, plan).failed == ()
    st = os.lstat(tmp_path / "out" / "f")
    assert (st.st_uid, st.st_gid) == (1, 4321)      # the name where it exists, else the number


@pytest.mark.usefixtures("needs_root")
def test_a_restore_not_as_root_keeps_other_owners_in_the_backup_and_says_so(ctx, tmp_path):
    base = Path(tempfile.mkdtemp(prefix="uv-nonroot-"))   # below /tmp: reachable by nobody
    try:
        os.chmod(base, 0o755)
        home = base / "h"
        home.mkdir()
        (home / "theirs").write_text("t")
        os.chown(home / "theirs", 1234, 5678)
        (home / "setuid-theirs").write_text("s")
        os.chown(home / "setuid-theirs", 1234, 5678)
        os.chmod(home / "setuid-theirs", 0o4755)
        (home / "setuid-mine").write_text("m")
        os.chown(home / "setuid-mine", NOBODY, NOBODY)
        os.chmod(home / "setuid-mine", 0o4750)
        os.setxattr(home / "theirs", "user.note", b"kept")
        os.setxattr(home / "theirs", "trusted.secret", b"root only")
        os.mknod(home / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        repo = base / "repo"
        repo.mkdir()
        ctx.catalog.destinations.add(DestinationConfig("repo", "local", {"path": str(repo)}))
        dest = LocalDestination("repo", repo)
        ctx.catalog.accounts.add("bob", str(home))
        r = backup_account(ctx, "bob", "repo", destination=dest, items="files")
        for dirpath, dirnames, filenames in os.walk(repo):
            for n in dirnames + filenames:
                os.chmod(os.path.join(dirpath, n), 0o755)
        out = base / "out"
        out.mkdir()
        os.chown(out, NOBODY, NOBODY)
        with open_backup(ctx, r.backup_id, destination=dest) as snap:
            entries = snap.manifest["files"]["entries"]
            restore_backup(ctx, r.backup_id, items="files", to=str(base / "warm-up"), destination=dest)

            def as_nobody():
                live = read_live(str(out), entries, None)
                plan = plan_files(entries, None, "merge", str(out), live, as_root=os.geteuid() == 0)
                return restore_files(snap, plan), describe(out)

            res, tree = in_child(as_nobody, uid=NOBODY, gid=NOBODY)
    finally:
        import shutil

        shutil.rmtree(base)
    assert dict(res.failed) == {"null": "a device node (restored only as root)"}
    owners = {n.what: n for n in res.not_applied}
    assert owners["owner"].count == 2 and set(owners["owner"].examples) == {"theirs", "setuid-theirs"}
    assert "trusted.secret" in owners["xattr"].reason and owners["xattr"].examples == ("theirs",)
    assert owners["setid"].examples == ("setuid-theirs",)
    assert all(d[3] == (NOBODY, NOBODY) for d in tree.values())
    assert tree[b"setuid-theirs"][1] == 0o755          # a setuid file of someone else: never with our owner
    assert tree[b"setuid-mine"][1] == 0o4750           # our own: exact
    assert tree[b"theirs"][4] == (("user.note", b"kept"),)


def test_hard_links_come_back_as_links(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    for d in ("a", "b", "c"):
        (home / d).mkdir(parents=True)
    (home / "a" / "first").write_bytes(b"shared content\n" * 100)
    os.link(home / "a" / "first", home / "b" / "second")
    os.link(home / "a" / "first", home / "c" / "third")
    (home / "c" / "pair1").write_bytes(os.urandom(5000))
    os.link(home / "c" / "pair1", home / "pair2")
    _r, res = _backup_and_restore(ctx, home, local_dest, tmp_path / "out")
    assert res.ok
    assert describe(tmp_path / "out") == describe(home)
    assert os.stat(tmp_path / "out" / "c" / "third").st_nlink == 3
    assert os.stat(tmp_path / "out" / "pair2").st_ino == os.stat(tmp_path / "out" / "c" / "pair1").st_ino


def test_a_selective_restore_links_what_it_restores_of_a_group(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    for d in ("a", "b", "c"):
        (home / d).mkdir(parents=True)
    (home / "a" / "first").write_bytes(b"shared\n")
    os.link(home / "a" / "first", home / "b" / "second")
    os.link(home / "a" / "first", home / "c" / "third")
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), paths=["b/second", "c/third"],
                         destination=local_dest)
    assert res.ok and not (out / "a").exists()
    assert (out / "b" / "second").read_bytes() == b"shared\n"
    assert os.stat(out / "b" / "second").st_ino == os.stat(out / "c" / "third").st_ino
    one = tmp_path / "one"
    res = restore_backup(ctx, r.backup_id, items="files", to=str(one), paths=["c/third"], destination=local_dest)
    assert res.ok and (one / "c" / "third").read_bytes() == b"shared\n"


def test_sparse_files_keep_their_holes_and_store_only_their_data(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    home.mkdir()
    with open(home / "disk.img", "wb") as fh:        # 64 MiB with two islands of data
        fh.truncate(64 << 20)
        fh.seek(1 << 20)
        fh.write(b"x" * 5000)
        fh.seek(40 << 20)
        fh.write(os.urandom(300_000))
    with open(home / "small-holes", "wb") as fh:     # small enough to be written whole
        fh.truncate(1 << 20)
        fh.seek(512 << 10)
        fh.write(b"middle")
    with open(home / "all-hole", "wb") as fh:
        fh.truncate(8 << 20)
    with open(home / "hole-at-end", "wb") as fh:
        fh.write(b"head")
        fh.truncate(16 << 20)
    if os.stat(home / "disk.img").st_blocks * 512 >= 64 << 20:
        part_missing("this filesystem does not keep holes")
    r, res = _backup_and_restore(ctx, home, local_dest, tmp_path / "out")
    assert res.ok
    assert r.new_data < 2 << 20                          # the holes were not stored
    before, after = describe(home), describe(tmp_path / "out")
    assert after == before
    assert any(x[:1] == ("extents",) for x in after[b"disk.img"] if isinstance(x, tuple))
    assert os.stat(tmp_path / "out" / "all-hole").st_blocks == 0


def test_extended_attributes_and_acls_come_back(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    (home / "d").mkdir(parents=True)
    try:
        os.setxattr(home / "d", "user.colour", b"blue")
    except OSError:
        part_missing("this filesystem has no user extended attributes")
    (home / "d" / "f").write_text("x")
    os.setxattr(home / "d" / "f", "user.binary", bytes(range(256)))
    os.setxattr(home / "d" / "f", "user.empty", b"")
    os.setxattr(home / "d" / "f", "system.posix_acl_access", ACL)
    os.setxattr(home / "d", "system.posix_acl_default", ACL)
    os.mkfifo(home / "d" / "pipe")          # user.* is for files and directories only; a FIFO has its ACL
    os.setxattr(home / "d" / "pipe", "system.posix_acl_access", ACL)
    if ROOT:
        os.chown(home / "d" / "f", 1234, 1234)       # before the capability: a chown clears it
        os.setxattr(home / "d" / "f", "trusted.admin", b"note")
        os.setxattr(home / "d" / "f", "security.capability",
                    struct.pack("<IIIII", 0x02000001, 1 << 10, 0, 0, 0))    # cap_net_bind_service
    _r, res = _backup_and_restore(ctx, home, local_dest, tmp_path / "out")
    assert res.ok and res.files.not_applied == ()
    assert describe(tmp_path / "out") == describe(home)
    assert os.getxattr(tmp_path / "out" / "d" / "f", "system.posix_acl_access") == ACL
    if ROOT:        # a chown clears file capabilities: they are set after the owner
        assert os.getxattr(tmp_path / "out" / "d" / "f", "security.capability")[4:8] == struct.pack("<I", 1 << 10)


def test_fifos_and_as_root_devices_come_back(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    home.mkdir()
    os.mkfifo(home / "pipe", 0o620)
    os.utime(home / "pipe", ns=(1_500_000_000_123_456_789, 1_500_000_000_123_456_789))
    if ROOT:
        os.mknod(home / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.mknod(home / "loop", 0o660 | stat.S_IFBLK, os.makedev(7, 200))
    _r, res = _backup_and_restore(ctx, home, local_dest, tmp_path / "out")
    assert res.ok
    assert describe(tmp_path / "out") == describe(home)
    assert stat.S_ISFIFO(os.lstat(tmp_path / "out" / "pipe").st_mode)
    if ROOT:
        assert os.lstat(tmp_path / "out" / "loop").st_rdev == os.makedev(7, 200)


def _deep(fd_root: int, depth: int, name: bytes) -> None:
    """depth directories of ``name`` below fd_root, with a file and a link at the bottom."""
    fd = os.dup(fd_root)
    try:
        for _ in range(depth):
            os.mkdir(name, 0o750, dir_fd=fd)
            sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = sub
        wfd = os.open(b"bottom.txt", os.O_WRONLY | os.O_CREAT, 0o640, dir_fd=fd)
        os.write(wfd, b"far down\n")
        os.close(wfd)
        os.symlink(b"bottom.txt", b"link", dir_fd=fd)
        os.mkfifo(b"pipe", dir_fd=fd)
    finally:
        os.close(fd)


def test_paths_longer_than_path_max(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    home.mkdir()
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _deep(fd, 24, b"d" * 200)                         # about 4,800 bytes below the home
    finally:
        os.close(fd)
    (home / "short.txt").write_text("s")
    r, res = _backup_and_restore(ctx, home, local_dest, tmp_path / "out")
    assert res.ok and len(res.files.restored) == 24 + 4
    tree = describe(tmp_path / "out")
    assert max(len(p) for p in tree) > 4096
    assert tree == describe(home)
    again = restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "out"), destination=local_dest)
    assert again.ok and again.files.restored == () and len(again.files.skipped) == 4    # the target was read too
    again = restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "out"), mode="terminate",
                           destination=local_dest)
    assert again.ok and again.files.removed == ("d" * 200, "short.txt")
    assert describe(tmp_path / "out") == tree


def test_parents_made_by_a_selective_restore_get_their_attributes(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    (home / "a" / "b").mkdir(parents=True)
    (home / "a" / "b" / "c.txt").write_text("c")
    (home / "a" / "other.txt").write_text("o")
    os.chmod(home / "a" / "b", 0o751)
    os.chmod(home / "a", 0o705)
    os.utime(home / "a" / "b", ns=(1_400_000_000_000_000_001, 1_400_000_000_000_000_001))
    os.utime(home / "a", ns=(1_300_000_000_000_000_002, 1_300_000_000_000_000_002))
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    out = tmp_path / "out"
    res = restore_backup(ctx, r.backup_id, items="files", to=str(out), paths=["a/b/c.txt"], destination=local_dest)
    assert res.ok and sorted(res.files.restored) == ["a", "a/b", "a/b/c.txt"]
    want, got = describe(home), describe(out)
    assert got[b"a"] == want[b"a"] and got[b"a/b"] == want[b"a/b"] and got[b"a/b/c.txt"] == want[b"a/b/c.txt"]
    assert b"a/other.txt" not in got


def test_a_new_target_gets_the_home_directorys_own_attributes(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    home.mkdir()
    (home / "f").write_text("x")
    os.chmod(home, 0o710)
    if ROOT:
        os.chown(home, 1234, 5678)
    os.utime(home, ns=(1_200_000_000_000_000_003, 1_200_000_000_000_000_003))
    out = tmp_path / "new" / "home"
    _r, res = _backup_and_restore(ctx, home, local_dest, out)
    assert res.ok
    st, want = os.stat(out), os.stat(home)
    assert (stat.S_IMODE(st.st_mode), st.st_mtime_ns, st.st_uid, st.st_gid) == (
        0o710, 1_200_000_000_000_000_003, want.st_uid, want.st_gid)


def test_names_that_are_not_utf8_are_restored_and_reported_as_valid_utf8(ctx, tmp_path, local_dest):
    import json

    home = tmp_path / "h"
    home.mkdir()
    raw = os.fsencode(home) + b"/caf\xe9 \\ \xff.txt"
    with open(raw, "wb") as fh:
        fh.write(b"latin-1 name")
    _r, res = _backup_and_restore(ctx, home, local_dest, tmp_path / "out")
    assert res.ok and res.files.restored == ("caf\\xe9 \\\\ \\xff.txt",)
    json.dumps({"restored": res.files.restored}, ensure_ascii=False).encode("utf-8")
    with open(os.fsencode(tmp_path / "out") + b"/caf\xe9 \\ \xff.txt", "rb") as fh:
        assert fh.read() == b"latin-1 name"
