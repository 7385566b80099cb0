"""The shared destination suite (in the spirit of restic's internal/backend/test/suite.go): every
test runs against local, SFTP (a real sshd) and S3 (moto_server) through the same interface."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.destinations import Destination, ObjectInfo, test_destination
from core.errors import InvalidInputError, ObjectNotFoundError

pytestmark = pytest.mark.server


def test_is_a_destination(destination):
    assert isinstance(destination, Destination)
    assert destination.name == "dest"


def test_put_get_round_trip(destination):
    destination.put("config", b"hello")
    assert destination.get("config") == b"hello"
    assert destination.exists("config")


def test_missing_object_is_not_found(destination):
    with pytest.raises(ObjectNotFoundError, match="'nope/missing'"):
        destination.get("nope/missing")
    with pytest.raises(ObjectNotFoundError):
        destination.stat("nope/missing")
    assert destination.exists("nope/missing") is False


def test_overwrite_replaces_whole_object(destination):
    destination.put("a/b", b"first version, rather long " * 100)
    destination.put("a/b", b"second")
    assert destination.get("a/b") == b"second"
    assert destination.stat("a/b").size == 6
    assert list(destination.list()) == ["a/b"]  # no leftovers of the first write or of temp files


def test_empty_object(destination):
    destination.put("empty", b"")
    assert destination.get("empty") == b""
    assert destination.stat("empty") == ObjectInfo("empty", 0, destination.stat("empty").mtime)
    assert destination.exists("empty")


def test_five_mib_object(destination):
    data = os.urandom(5 * 1024 * 1024 + 17)
    destination.put("blobs/ab/large", data)
    assert destination.get("blobs/ab/large") == data
    info = destination.stat("blobs/ab/large")
    assert info.key == "blobs/ab/large" and info.size == len(data)
    assert info.mtime is None or info.mtime > 1_600_000_000


def test_ranged_reads(destination):
    data = bytes(range(256)) * 40 + os.urandom(5000)
    destination.put("packs/ab/pack", data)
    assert destination.get_range("packs/ab/pack", 0, 10) == data[:10]
    assert destination.get_range("packs/ab/pack", 1000, 4000) == data[1000:5000]
    assert destination.get_range("packs/ab/pack", len(data) - 3, 3) == data[-3:]
    assert destination.get_range("packs/ab/pack", len(data) - 3, 100) == data[-3:]   # short only at the end
    assert destination.get_range("packs/ab/pack", len(data), 10) == b""
    assert destination.get_range("packs/ab/pack", len(data) + 999, 10) == b""
    assert destination.get_range("packs/ab/pack", 5, 0) == b""
    assert destination.get_range("packs/ab/pack", 0, len(data)) == data


def test_a_ranged_read_never_returns_more_than_asked(destination):
    """A pack padded by whoever controls the storage: a reader that knows its extent reads only that."""
    destination.put("padded", b"x" * 100 + b"\0" * (6 << 20))
    assert destination.get_range("padded", 0, 100) == b"x" * 100
    assert len(destination.get_range("padded", 50, 3 << 20)) == 3 << 20


def test_ranged_read_of_a_missing_object_or_a_folder(destination):
    with pytest.raises(ObjectNotFoundError):
        destination.get_range("nope/missing", 0, 10)
    with pytest.raises(ObjectNotFoundError):
        destination.get_range("nope/missing", 0, 0)
    destination.put("dir/inner", b"1")
    with pytest.raises(ObjectNotFoundError):
        destination.get_range("dir", 0, 10)


@pytest.mark.parametrize(("offset", "length"), [(-1, 5), (0, -5), (0, (1 << 30) + 1), ("0", 5), (0, 1.5)])
def test_bad_ranges_are_refused(destination, offset, length):
    destination.put("k", b"data")
    with pytest.raises(InvalidInputError):
        destination.get_range("k", offset, length)


def test_nested_keys_and_listing(destination):
    keys = ["accounts/u1/config", "accounts/u1/snapshots/s1", "accounts/u1/snapshots/s2",
            "accounts/u1/blobs/00/0011", "accounts/u1/blobs/ff/ff22", "accounts/u10/config",
            "accounts/u2/keys/app", "top", "top-level.x", "top.level"]
    for i, key in enumerate(keys):
        destination.put(key, str(i).encode())
    assert list(destination.list()) == sorted(keys)  # ascending byte order, every level
    assert list(destination.list("accounts/u1/")) == sorted(k for k in keys if k.startswith("accounts/u1/"))
    assert list(destination.list("accounts/u1")) == sorted(k for k in keys if k.startswith("accounts/u1"))
    assert list(destination.list("accounts/u1/snapshots/")) == ["accounts/u1/snapshots/s1",
                                                                 "accounts/u1/snapshots/s2"]
    assert list(destination.list("accounts/u1/snap")) == ["accounts/u1/snapshots/s1", "accounts/u1/snapshots/s2"]
    assert list(destination.list("top")) == ["top", "top-level.x", "top.level"]
    assert list(destination.list("nothing/here/")) == []
    assert list(destination.list("accounts/u3")) == []


def test_list_of_empty_destination(destination):
    assert list(destination.list()) == []
    assert list(destination.list_info()) == []


def test_a_listing_with_sizes_agrees_with_stat(destination):
    """What prune reads for every pack in one listing: the same keys as ``list``, each with the size
    and time ``stat`` gives (folders are not objects)."""
    keys = {"p/00/0011": b"a" * 5, "p/00/0022": b"", "p/ff/ff33": b"b" * 70_000, "q/other": b"c"}
    for key, data in keys.items():
        destination.put(key, data)
    got = list(destination.list_info("p/"))
    assert [i.key for i in got] == list(destination.list("p/")) == ["p/00/0011", "p/00/0022", "p/ff/ff33"]
    for info in got:
        st = destination.stat(info.key)
        assert (info.size, info.mtime) == (st.size, st.mtime) and info.size == len(keys[info.key])


def test_delete(destination):
    destination.put("x/y", b"1")
    destination.put("x/z", b"2")
    destination.delete("x/y")
    assert not destination.exists("x/y")
    assert list(destination.list()) == ["x/z"]
    destination.delete("x/y")            # missing is not an error
    destination.delete("never/existed")
    with pytest.raises(ObjectNotFoundError):
        destination.get("x/y")


def test_a_folder_is_not_an_object(destination):
    destination.put("dir/inner", b"1")
    assert destination.exists("dir") is False
    with pytest.raises(ObjectNotFoundError):
        destination.stat("dir")
    with pytest.raises(ObjectNotFoundError):
        destination.get("dir")


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "..", "a/./b", "a//b", "a/", "back\\slash",
                                 "\u00fcnicode", "sp ace", ".hidden", "a/.part", "a\nb", "x" * 1025])
def test_bad_keys_are_refused_before_any_io(destination, key):
    for call in (lambda: destination.put(key, b"1"), lambda: destination.get(key),
                 lambda: destination.get_range(key, 0, 1), lambda: destination.stat(key),
                 lambda: destination.delete(key)):
        with pytest.raises(InvalidInputError):
            call()
    assert list(destination.list()) == []


@pytest.mark.parametrize("prefix", ["/", "../", "a/../", "a\\b", "\u00e9"])
def test_bad_prefixes_are_refused(destination, prefix):
    with pytest.raises(InvalidInputError):
        list(destination.list(prefix))


def test_allowed_key_characters(destination):
    key = "A-z_0.9=+@/snap-2024-01-01T00=00=00Z"
    destination.put(key, b"ok")
    assert destination.get(key) == b"ok"
    assert list(destination.list()) == [key]


def test_concurrent_use(destination):
    payloads = {f"blobs/{i:02x}/{i:064x}": os.urandom(1000 + i * 997) for i in range(24)}

    def round_trip(item):
        key, data = item
        destination.put(key, data)
        assert destination.get(key) == data
        return key

    with ThreadPoolExecutor(max_workers=6) as pool:
        done = list(pool.map(round_trip, payloads.items()))
    assert sorted(done) == sorted(payloads)
    assert list(destination.list("blobs/")) == sorted(payloads)


def test_probe(destination):
    result = test_destination(destination, size=256 * 1024)
    assert result.size == 256 * 1024
    assert result.latency_s >= 0 and result.write_mib_s > 0 and result.read_mib_s > 0
    assert list(destination.list()) == []  # the probe cleans up after itself
