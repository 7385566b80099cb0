"""A files download (.tar.zst) keeps what a restore keeps: GNU tar extracts it into the same tree
(nanosecond mtimes, owners, hard links, extended attributes and ACLs, FIFOs, devices, holes, names
that are not UTF-8), and the pax headers carry the exact values."""

from __future__ import annotations

import io
import os
import shutil
import stat
import struct
import subprocess
import tarfile

import zstandard

from core.accounts.backup import backup_account
from core.accounts.download import download_backup
from core.accounts.tarball import pax_time
from tests.core.accounts.treecheck import describe
from tests.servers import part_missing

ROOT = os.geteuid() == 0
ACL = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, p, i) for t, p, i in (
    (0x01, 7, 0xFFFFFFFF), (0x02, 5, 1234), (0x04, 5, 0xFFFFFFFF), (0x10, 5, 0xFFFFFFFF), (0x20, 4, 0xFFFFFFFF)))
NS = 1_600_000_000_123_456_789


def _home(tmp_path):
    home = tmp_path / "h"
    (home / "a").mkdir(parents=True)
    (home / "b").mkdir()
    one = home / "a" / "one"
    one.write_bytes(b"hello\n")
    os.link(one, home / "b" / "two")
    os.setxattr(one, "user.note", b"binary \xff\x00 value")
    os.setxattr(home / "a", "system.posix_acl_access", ACL)
    os.utime(one, ns=(NS, NS))
    os.mkfifo(home / "pipe", 0o640)
    os.symlink("a/one", home / "link")
    with open(os.fsencode(home) + b"/caf\xe9", "wb") as fh:
        fh.write(b"latin-1 name")
    with open(home / "sparse", "wb") as fh:
        fh.truncate(32 << 20)
        fh.seek(1 << 20)
        fh.write(os.urandom(10_000))
    if ROOT:
        os.chown(one, 1234, 5678)
        os.chmod(one, 0o4750)
        os.chown(home / "pipe", 1, 1)            # daemon:daemon
        os.mknod(home / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.chmod(home, 0o710)
    return home


def _members(path) -> dict[str, tarfile.TarInfo]:
    with open(path, "rb") as fh:
        raw = zstandard.ZstdDecompressor().stream_reader(fh).read()
    tar = tarfile.open(fileobj=io.BytesIO(raw))
    return {m.name: (m, tar) for m in tar.getmembers()}


def test_the_download_keeps_times_owners_links_xattrs_and_holes(ctx, tmp_path, local_dest):
    home = _home(tmp_path)
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    made = download_backup(ctx, r.backup_id, items="files", out_dir=str(tmp_path / "dl"), destination=local_dest)
    members = _members(made[0].path)
    one, _tar = members["home/a/one"]
    assert one.pax_headers["mtime"] == "1600000000.123456789"
    assert one.pax_headers["SCHILY.xattr.user.note"].encode("utf-8", "surrogateescape") == b"binary \xff\x00 value"
    two, _tar = members["home/b/two"]
    assert two.type == tarfile.LNKTYPE and two.linkname == "home/a/one"
    sparse, tar = members["home/sparse"]
    assert sparse.size == 32 << 20 and tar.extractfile(sparse).read() == (home / "sparse").read_bytes()
    assert members["home/pipe"][0].type == tarfile.FIFOTYPE
    if ROOT:
        assert (one.uid, one.gid, one.mode) == (1234, 5678, 0o4750)
        assert (members["home/pipe"][0].uname, members["home/pipe"][0].gname) == ("daemon", "daemon")
    if shutil.which("tar") is None:
        part_missing("GNU tar is not installed")
    out = tmp_path / "x"
    out.mkdir()
    subprocess.run(["tar", "--zstd", "-x", "--xattrs", "--xattrs-include=*", "-p", "-f", made[0].path, "-C", str(out)],
                   check=True, capture_output=True)
    assert describe(out / "home") == describe(home)
    assert os.stat(out / "home" / "sparse").st_blocks < (2 << 20) // 512          # the holes are holes
    assert stat.S_IMODE(os.stat(out / "home").st_mode) == 0o710


def test_a_chosen_path_comes_with_its_parents(ctx, tmp_path, local_dest):
    home = tmp_path / "h"
    (home / "a" / "b").mkdir(parents=True)
    (home / "a" / "b" / "c.txt").write_text("c")
    (home / "a" / "other.txt").write_text("o")
    os.chmod(home / "a", 0o705)
    ctx.catalog.accounts.add("bob", str(home))
    r = backup_account(ctx, "bob", "repo", destination=local_dest, items="files")
    made = download_backup(ctx, r.backup_id, items="files", out_dir=str(tmp_path / "dl"), paths=["a/b/c.txt"],
                           destination=local_dest)
    members = _members(made[0].path)
    assert sorted(members) == ["home/a", "home/a/b", "home/a/b/c.txt"]
    assert members["home/a"][0].mode == 0o705


def test_pax_times_are_exact_integers():
    assert pax_time(1_600_000_000_000_000_000) == "1600000000"
    assert pax_time(1_600_000_000_100_000_000) == "1600000000.1"
    assert pax_time(1) == "0.000000001"
    assert pax_time(-1_500_000_000) == "-1.5"
