"""Fixtures for the queue, the workers and the scheduler: a context on a clock the test moves,
accounts with small homes, a local destination."""

from __future__ import annotations

import pytest

from core.support.clock import ManualClock
from tests.server_fixtures import DATABASE_BACKENDS


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


def home_on(backend: str, root, database_url):
    """An app home whose unit store and catalog are on ``backend`` ("sqlite": the home's own files;
    "postgresql": one fresh database for both, named in the home's settings.ini as a workstation in
    team mode has it), so every process that opens the home finds them."""
    from core.home import CATALOG_URL_SETTING, UNITS_URL_SETTING, AppHome
    from core.settings import Settings

    root.mkdir(parents=True, exist_ok=True)
    if backend != "sqlite":
        url = database_url(backend, root)
        settings = Settings(root / "settings.ini")
        settings.set(UNITS_URL_SETTING, url)
        settings.set(CATALOG_URL_SETTING, url)
    return AppHome.resolve(root)


@pytest.fixture(params=DATABASE_BACKENDS)
def backend_home(request, tmp_path, database_url):
    """The test's home, on each database backend in turn."""
    return home_on(request.param, tmp_path / "home", database_url)
