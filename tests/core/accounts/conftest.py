"""Fixtures for account-backup tests: an account with a generated home, a unit, and a destination."""

from __future__ import annotations

import pytest

from core.destinations import DestinationConfig
from core.destinations.local import LocalDestination
from tests.core.accounts.treegen import make_tree


class CountingDestination:
    """Wraps a destination and counts what goes through it (bytes and objects put, keys gotten)."""

    def __init__(self, inner, fail_after_puts: int | None = None):
        self.inner = inner
        self.name = getattr(inner, "name", "")
        self.put_bytes = 0
        self.puts = 0
        self.gets: list[str] = []
        self.read_bytes = 0          # bytes handed back by get and get_range
        self.fail_after_puts = fail_after_puts

    def put(self, key, data):
        if self.fail_after_puts is not None and self.puts >= self.fail_after_puts:
            from core.errors import TransientDestinationError

            raise TransientDestinationError("The connection was cut (test).")
        self.inner.put(key, data)
        self.puts += 1
        self.put_bytes += len(data)

    def get(self, key):
        self.gets.append(key)
        data = self.inner.get(key)
        self.read_bytes += len(data)
        return data

    def get_range(self, key, offset, length):
        self.gets.append(key)
        data = self.inner.get_range(key, offset, length)
        self.read_bytes += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def account(ctx, tmp_path):
    from core.unit.seed import seed_unit

    home_dir = make_tree(tmp_path / "alice-home", files=200, big=1)
    seed_unit(ctx.units, "shop", "small", 3)
    return ctx.catalog.accounts.add("alice", str(home_dir), email="alice@example.org", units=["shop"])


@pytest.fixture
def local_dest(ctx, tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    ctx.catalog.destinations.add(DestinationConfig("repo", "local", {"path": str(root)}))
    return CountingDestination(LocalDestination("repo", root))
