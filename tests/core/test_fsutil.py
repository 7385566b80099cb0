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
