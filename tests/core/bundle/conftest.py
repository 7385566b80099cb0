"""Shared fixtures for the bundle tests: the spec's KDF floor (each Argon2id ~0.1-0.2 s) and small units."""

from __future__ import annotations

import hashlib

import pytest

from core.bundle import limits as L
from core.bundle.header import KdfParams

FLOOR = KdfParams(L.KDF_FLOOR_M, L.KDF_FLOOR_T, L.KDF_FLOOR_P)
PASSWORD = "correct horse battery staple"
RAW_KEY = hashlib.sha256(b"bundle tests raw key").digest()


def tiny_unit() -> dict[str, list[dict]]:
    return {
        "plugins": [{"id": "p1", "name": "Mail", "version": "1.0", "enabled": True, "config": {"port": 25},
                     "permissions": [], "mappings": []}],
        "workspaces": [{"id": "w1", "name": "W", "description": "", "owner": "o@example.org",
                        "applications": [{"id": "a1", "name": "A", "kind": "chart", "position": 0, "config": {}}]}],
        "profiles": [{"id": "pr1", "name": "P", "description": "", "workspaces": ["w1"]}],
        "config_keys": [{"key": "k.one", "value": 1.5, "secret": False, "description": ""},
                        {"key": "k.secret", "value": "hunter2-topsecret", "secret": True, "description": ""}],
    }


@pytest.fixture
def floor_kdf() -> KdfParams:
    return FLOOR


@pytest.fixture
def store(tmp_path):
    from core.unit.store import UnitStore

    s = UnitStore.open("sqlite:///" + str(tmp_path / "units.sqlite3"))
    yield s
    s.close()


def listing(root) -> dict[str, bytes]:
    """Every file under root with its content (to prove nothing was written)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
