"""Fixtures for the queue, the workers and the scheduler: a context on a clock the test moves,
accounts with small homes, a local destination."""

from __future__ import annotations

import pytest

from core.support.clock import ManualClock


@pytest.fixture
def clock():
    return ManualClock("2026-03-01T12:00:00Z")


@pytest.fixture
def qctx(home, clock):
    from core.app.context import AppContext

    context = AppContext(home, clock=clock)
    yield context
    context.close()


def add_account(ctx, tmp_path, username: str, *, files: int = 3, encryption: str = "app"):
    home_dir = tmp_path / f"{username}-home"
    home_dir.mkdir()
    for i in range(files):
        (home_dir / f"file{i}.txt").write_text(f"{username} {i}\n")
    return ctx.catalog.accounts.add(username, str(home_dir), encryption=encryption)


def add_destination(ctx, tmp_path, name: str = "repo"):
    from core.destinations import DestinationConfig

    root = tmp_path / name
    root.mkdir()
    ctx.catalog.destinations.add(DestinationConfig(name, "local", {"path": str(root)}))
    return root
