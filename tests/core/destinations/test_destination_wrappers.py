"""Retry and bandwidth wrappers around any destination, checked with a fake destination and a fake
clock (no waiting), plus config checks, secret names and the local adapter's own promises."""

from __future__ import annotations

import os
import random

import pytest

from core.destinations import (
    BandwidthLimitedDestination,
    DestinationConfig,
    RetryingDestination,
    TokenBucket,
    check_config,
    describe,
    open_destination,
    secret_name,
)
from core.destinations.local import LocalDestination
from core.errors import InvalidInputError, ObjectNotFoundError, PermanentDestinationError, TransientDestinationError


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Flaky(LocalDestination):
    """A local destination whose calls fail transiently ``failures`` times first."""

    def __init__(self, root, failures=0, error=TransientDestinationError):
        super().__init__("flaky", root)
        self.failures = failures
        self.error = error
        self.calls = 0

    def _maybe_fail(self):
        self.calls += 1
        if self.failures > 0:
            self.failures -= 1
            raise self.error("Cannot reach the server: the connection was cut.")

    def put(self, key, data):
        self._maybe_fail()
        super().put(key, data)

    def get(self, key):
        self._maybe_fail()
        return super().get(key)

    def get_range(self, key, offset, length):
        self._maybe_fail()
        return super().get_range(key, offset, length)


def retrying(inner, clock, **kw):
    kw.setdefault("rng", random.Random(1))
    return RetryingDestination(inner, sleep=clock.sleep, clock=clock, **kw)


def test_transient_errors_are_retried_with_growing_jittered_delays(tmp_path):
    clock = FakeClock()
    inner = Flaky(tmp_path, failures=4)
    dest = retrying(inner, clock, retries=5, base_delay=1.0, max_delay=5.0)
    dest.put("k", b"v")
    assert inner.calls == 5
    assert len(clock.sleeps) == 4
    for attempt, slept in enumerate(clock.sleeps):
        cap = min(5.0, 2 ** attempt)
        assert cap / 2 <= slept <= cap
    assert dest.get("k") == b"v"


def test_gives_up_after_the_retry_count_with_one_message(tmp_path):
    clock = FakeClock()
    inner = Flaky(tmp_path, failures=100)
    dest = retrying(inner, clock, retries=3, base_delay=0.1)
    with pytest.raises(TransientDestinationError) as info:
        dest.get("k")
    assert inner.calls == 4
    assert info.value.message == "Cannot reach the server: the connection was cut; gave up after 4 attempts."
    assert info.value.hint


def test_total_budget_bounds_the_waiting(tmp_path):
    clock = FakeClock()
    inner = Flaky(tmp_path, failures=100)
    dest = retrying(inner, clock, retries=50, base_delay=1.0, max_delay=8.0, max_elapsed=20.0)
    with pytest.raises(TransientDestinationError, match="gave up"):
        dest.get("k")
    assert sum(clock.sleeps) <= 20.0


def test_other_errors_are_not_retried(tmp_path):
    clock = FakeClock()
    for error in (PermanentDestinationError, ObjectNotFoundError):
        inner = Flaky(tmp_path, failures=1, error=error)
        with pytest.raises(error):
            retrying(inner, clock, retries=5).get("k")
        assert inner.calls == 1
    assert clock.sleeps == []
    with pytest.raises(ObjectNotFoundError):  # a genuinely missing object, after no retries
        retrying(Flaky(tmp_path), clock).get("missing")


def test_no_retries_raises_the_original_error(tmp_path):
    clock = FakeClock()
    with pytest.raises(TransientDestinationError) as info:
        retrying(Flaky(tmp_path, failures=1), clock, retries=0).get("k")
    assert "gave up" not in info.value.message


class CutListing(LocalDestination):
    """A local destination whose listings (plain, and with sizes) are cut once, after ``at`` entries."""

    def __init__(self, root, at):
        super().__init__("l", root)
        self.at, self.broke = at, False

    def _cut(self, entries):
        for i, entry in enumerate(entries):
            if i == self.at and not self.broke:
                self.broke = True
                raise TransientDestinationError("cut")
            yield entry

    def list(self, prefix=""):
        return self._cut(super().list(prefix))

    def list_info(self, prefix=""):
        return self._cut(super().list_info(prefix))


@pytest.mark.parametrize("sizes", [False, True], ids=["keys", "with sizes"])
def test_a_listing_resumes_after_the_last_key(tmp_path, sizes):
    """A listing cut by a transient failure goes on after the last key it gave, once, with one pause:
    nothing twice, nothing missed."""
    inner = CutListing(tmp_path, at=3 if sizes else 2)
    for i in range(6):
        inner.put(f"k{i}", b"x" * i)
    clock = FakeClock()
    listed = retrying(inner, clock)
    got = [(i.key, i.size) for i in listed.list_info()] if sizes else list(listed.list())
    assert got == ([(f"k{i}", i) for i in range(6)] if sizes else [f"k{i}" for i in range(6)])
    assert inner.broke and len(clock.sleeps) == 1


def test_token_bucket_keeps_the_average_rate():
    clock = FakeClock()
    bucket = TokenBucket(1000, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        bucket.take(1000)
    # the first second's worth is the burst; the other nine seconds are waited for
    assert sum(clock.sleeps) == pytest.approx(9.0)
    clock.now += 100  # idle time refills at most one burst
    bucket.take(1000)
    assert sum(clock.sleeps) == pytest.approx(9.0)


def test_bandwidth_limit_counts_uploads_and_downloads(tmp_path):
    clock = FakeClock()
    inner = LocalDestination("l", tmp_path)
    dest = BandwidthLimitedDestination(inner, 1_000_000, clock=clock, sleep=clock.sleep)
    data = os.urandom(500_000)
    for i in range(4):
        dest.put(f"o{i}", data)            # 2 MB up
    for i in range(4):
        assert dest.get(f"o{i}") == data   # 2 MB down
    assert sum(clock.sleeps) == pytest.approx(3.0)  # 4 MB at 1 MB/s, the first MB free
    assert list(dest.list()) == [f"o{i}" for i in range(4)]
    dest.delete("o0")
    assert not dest.exists("o0")


def test_ranged_reads_go_through_both_wrappers(tmp_path):
    clock = FakeClock()
    inner = Flaky(tmp_path, failures=0)
    dest = retrying(BandwidthLimitedDestination(inner, 1_000_000, clock=clock, sleep=clock.sleep), clock,
                    retries=3, base_delay=1.0)
    dest.put("p", b"a" * 1_000_000 + b"b" * 3_000_000)    # 4 MB up: 3 s
    inner.failures = 2
    assert dest.get_range("p", 999_990, 20) == b"a" * 10 + b"b" * 10
    assert inner.calls == 4                                 # two transient failures retried
    clock.now += 100                                        # the bucket refills to one burst (1 MB)
    before = sum(clock.sleeps)
    assert dest.get_range("p", 0, 3_000_000) == b"a" * 1_000_000 + b"b" * 2_000_000
    assert sum(clock.sleeps) - before == pytest.approx(2.0, abs=0.01)   # only the bytes read are paid for


def test_open_destination_stacks_the_wrappers(tmp_path):
    config = DestinationConfig("d", "local", {"path": str(tmp_path), "bandwidth_limit": 10_000_000})
    dest = open_destination(config, None)
    assert isinstance(dest, RetryingDestination)
    assert isinstance(dest.inner, BandwidthLimitedDestination)
    assert isinstance(dest.inner.inner, LocalDestination)
    assert open_destination(config, None, retries=0, bandwidth_limit=0).__class__ is LocalDestination  # 0: no limit
    plain = DestinationConfig("d", "local", {"path": str(tmp_path)})
    assert isinstance(open_destination(plain, None, retries=0), LocalDestination)


# --- configs, secrets, local -----------------------------------------------------------------------
@pytest.mark.parametrize("config, message", [
    (DestinationConfig("d", "ftp", {}), "Unknown destination type"),
    (DestinationConfig("d", "local", {}), "needs path"),
    (DestinationConfig("d", "local", {"path": "/x", "password": "p"}), "Unknown local destination setting"),
    (DestinationConfig("d", "s3", {"bucket": "b-1", "access_key_id": "A", "secret_access_key": "s"}),
     "secret_access_key"),
    (DestinationConfig("d", "s3", {"bucket": "B_bad", "access_key_id": "A"}), "Invalid bucket"),
    (DestinationConfig("d", "s3", {"bucket": "bkt", "access_key_id": "A", "endpoint": "http://u:p@h"}),
     "must not contain credentials"),
    (DestinationConfig("d", "s3", {"bucket": "bkt", "access_key_id": "A", "endpoint": "ftp://h"}), "http"),
    (DestinationConfig("d", "sftp", {"host": "h", "user": "u", "key_file": "k", "port": 0}), "port"),
    (DestinationConfig("d", "sftp", {"host": "h", "user": "u", "key_file": "k", "known_hosts": "f",
                                     "host_key": "ssh-ed25519 AAAA"}), "not both"),
    (DestinationConfig("d", "sftp", {"host": "h;rm", "user": "u", "key_file": "k"}), "Invalid host"),
])
def test_bad_configs_are_refused(config, message):
    with pytest.raises(InvalidInputError, match=message):
        check_config(config)


def test_good_configs_pass_and_describe_without_secrets():
    s3 = DestinationConfig("d", "s3", {"bucket": "bkt", "access_key_id": "AKIA", "endpoint": "http://h:9000",
                                       "prefix": "team/a", "region": "eu-west-1"})
    assert check_config(s3) is s3
    assert describe(s3) == "http://h:9000/bkt/team/a"
    sftp = DestinationConfig("d", "sftp", {"host": "h", "port": 2222, "user": "u", "key_file": "/k",
                                           "path": "/backups"})
    assert describe(check_config(sftp)) == "u@h:2222 /backups"


def test_secret_names_are_valid_and_distinct():
    from core.secrets import _check_name

    names = ["main", "Main", "MAIN", "a.b", "a..b", "a-b", "x" * 64]
    derived = [secret_name(n) for n in names]
    assert len(set(derived)) == len(names)
    for s in derived:
        _check_name(s)
    assert secret_name("offsite") == "destination.offsite.secret"


def test_local_put_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    dest = LocalDestination("l", tmp_path)
    dest.put("a/b", b"old")

    import core.destinations.local as local_mod

    real = local_mod.atomic_writer

    def failing_writer(path, mode=0o600):
        cm = real(path, mode=mode)
        fh = cm.__enter__()
        try:
            fh.write(b"partial")
            raise OSError(28, "No space left on device")
        except BaseException as exc:
            cm.__exit__(type(exc), exc, exc.__traceback__)
            raise

    monkeypatch.setattr(local_mod, "atomic_writer", lambda p, mode=0o600: _Ctx(failing_writer, p, mode))
    with pytest.raises(PermanentDestinationError, match="No space left"):
        dest.put("a/b", b"new")
    monkeypatch.undo()
    assert dest.get("a/b") == b"old"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]
    assert (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o600


class _Ctx:
    def __init__(self, fn, path, mode):
        self.fn, self.path, self.mode = fn, path, mode

    def __enter__(self):
        self.fn(self.path, self.mode)

    def __exit__(self, *exc):
        return False


def test_local_listing_ignores_temp_files_and_does_not_follow_links(tmp_path):
    dest = LocalDestination("l", tmp_path / "root")
    (tmp_path / "root").mkdir()
    dest.put("k", b"1")
    (tmp_path / "root" / ".k.123.part").write_bytes(b"x")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_bytes(b"s")
    os.symlink(tmp_path / "outside", tmp_path / "root" / "link")
    assert list(dest.list()) == ["k"]
