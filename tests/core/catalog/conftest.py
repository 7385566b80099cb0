"""Catalog backends the contract suite runs against. A backend is a function of pytest's tmp_path
that returns a database URL; each one is also the parameter of the ``catalog`` fixture."""

from __future__ import annotations

import pytest

from core.catalog import Catalog


def _sqlite(tmp_path) -> str:
    return "sqlite:///" + str(tmp_path / "catalog.sqlite3")


BACKENDS = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(BACKENDS))
def catalog_url(request, tmp_path) -> str:
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
def catalog(catalog_url):
    cat = Catalog.open(catalog_url)
    yield cat
    cat.close()
