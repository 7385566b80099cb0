"""Atomic writes: all or nothing, and never over an existing file unless asked."""

from __future__ import annotations

import errno
import os

import pytest

from core.fsutil import atomic_writer


def _leftovers(directory):
    return [p.name for p in directory.iterdir() if p.name.endswith(".part")]


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as fh:
            fh.write(b"new, half written")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_without_overwrite_an_existing_file_is_never_touched(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"theirs")
    with pytest.raises(FileExistsError):
        with atomic_writer(target, overwrite=False) as fh:
            fh.write(b"ours")
    assert target.read_bytes() == b"theirs"
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP])
def test_filesystems_without_hard_links_still_get_a_new_file(tmp_path, monkeypatch, code):
    """FAT/exFAT sticks refuse link(); the name is then reserved by an exclusive create."""
    def no_links(src, dst, *args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "bundle.uvault"
    with atomic_writer(target, overwrite=False, mode=0o600) as fh:
        fh.write(b"complete")
    assert target.read_bytes() == b"complete"
    assert oct(target.stat().st_mode & 0o777) == oct(0o600)
    assert _leftovers(tmp_path) == []
    # ...and an existing name is still refused there.
    with pytest.raises(FileExistsError):
        with atomic_writer(target, overwrite=False) as fh:
            fh.write(b"again")
    assert target.read_bytes() == b"complete"
    assert _leftovers(tmp_path) == []


def _special_targets(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    victim = tmp_path / "victim"
    victim.write_bytes(b"not yours")
    link = tmp_path / "link"
    os.symlink(victim, link)
    targets = [fifo, folder, link]
    if os.geteuid() == 0:                      # as root: a /dev/full-like character device
        import stat

        dev = tmp_path / "full"
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        targets.append(dev)
    return targets


def test_replacing_never_replaces_something_that_is_not_a_regular_file(tmp_path):
    from core.errors import InvalidInputError

    for target in _special_targets(tmp_path):
        before = os.lstat(target)
        with pytest.raises(InvalidInputError) as info:
            with atomic_writer(target) as fh:
                fh.write(b"data")
        assert info.value.kind == "not_a_regular_file"
        after = os.lstat(target)
        assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert (tmp_path / "victim").read_bytes() == b"not yours"
    assert _leftovers(tmp_path) == []


def test_a_target_swapped_for_a_device_while_writing_is_not_replaced(tmp_path):
    from core.errors import InvalidInputError

    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(InvalidInputError):
        with atomic_writer(target) as fh:
            fh.write(b"new")
            target.unlink()
            os.mkfifo(target)                  # swapped between the first check and the rename
    assert os.path.exists(target) and not target.is_file()
    assert _leftovers(tmp_path) == []
