"""The unit store's tests run against every database backend: a SQLite file and a fresh database on
the session's throwaway PostgreSQL cluster (tests/server_fixtures.py)."""

from __future__ import annotations

import pytest

from core.unit.store import UnitStore
from tests.server_fixtures import DATABASE_BACKENDS


@pytest.fixture(params=DATABASE_BACKENDS)
def store_url(request, tmp_path, database_url) -> str:
    return database_url(request.param, tmp_path, "units", migrated=True)


@pytest.fixture
def store(store_url):
    opened = UnitStore.open(store_url)
    yield opened
    opened.close()
