"""Catalog backends the contract suite runs against: every name in BACKENDS is a parameter of the
``catalog`` fixture; ``database_url`` (tests/server_fixtures.py) makes the URL (a SQLite file, or a
fresh database on the session's throwaway PostgreSQL cluster)."""

from __future__ import annotations

import pytest

from core.catalog import Catalog
from tests.server_fixtures import DATABASE_BACKENDS

BACKENDS = DATABASE_BACKENDS


@pytest.fixture(params=BACKENDS)
def catalog_url(request, tmp_path, database_url) -> str:
    return database_url(request.param, tmp_path, "catalog", migrated=True)


@pytest.fixture
def catalog(catalog_url):
    cat = Catalog.open(catalog_url)
    yield cat
    cat.close()
