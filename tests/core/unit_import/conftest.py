"""Fixtures for restore tests: small demo units and an exported bundle (raw key, so no Argon2 run)."""

from __future__ import annotations

import pytest

from core.unit.seed import seed_unit
from tests.core.unit_import.helpers import RAW_KEY


@pytest.fixture
def two_units(store):
    """Units 'a' (seed 1) and 'b' (seed 2), small."""
    seed_unit(store, "a", "small", 1)
    seed_unit(store, "b", "small", 2)
    return store


@pytest.fixture
def bundle_a(two_units, tmp_path):
    from core.bundle import export_unit

    path = tmp_path / "a.uvault"
    export_unit(two_units, "a", path, raw_key=RAW_KEY)
    return path

