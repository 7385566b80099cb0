"""Every bad vector of the bundle format, fed to import, fails with its class and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import core.errors as errors
from core.bundle import parse_private_key
from core.unit_import import apply_import, open_source, preview_import
from tests.core.unit_import.helpers import digest

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
MANIFEST = json.loads((VECTORS / "manifest.json").read_text()) if (VECTORS / "manifest.json").exists() else {}
BAD = sorted(k for k, v in MANIFEST.items() if v["expect"] != "ok")
GOOD = sorted(k for k, v in MANIFEST.items() if v["expect"] == "ok")


def credential(entry: dict) -> dict:
    if "raw_key" in entry:
        return {"raw_key": bytes.fromhex(entry["raw_key"])}
    if "password" in entry:
        return {"password": entry["password"]}
    return {"recovery_identity": parse_private_key(entry["recovery_key"])}


def home_files(home) -> set[str]:
    return {str(p.relative_to(home.root)) for p in home.root.rglob("*")
            if p.is_file() and p.parent != home.logs_dir and p.name not in (".lock",)}


@pytest.fixture
def target(ctx):
    """A tiny unit (a few records of each section) is enough to see any change."""
    from itertools import islice

    from core.unit.seed import generate

    gen = generate("small", 7)
    store = ctx.units
    with store.write() as conn:
        unit = store.create_unit(conn, "target")
        ws = list(islice(gen["workspaces"], 5))
        store.insert_wire(conn, unit.id, "plugins", islice(gen["plugins"], 5))
        store.insert_wire(conn, unit.id, "workspaces", ws)
        ids = {w["id"] for w in ws}
        store.insert_wire(conn, unit.id, "profiles",
                          ({**p, "workspaces": [x for x in p["workspaces"] if x in ids]} for p in gen["profiles"]))
        store.insert_wire(conn, unit.id, "config_keys", islice(gen["config_keys"], 20))
    return ctx


def test_there_are_vectors():
    assert len(BAD) >= 30 and GOOD


@pytest.mark.parametrize("name", BAD)
def test_bad_vector_fails_with_its_class_and_changes_nothing(target, name):
    ctx = target
    entry = MANIFEST[name]
    expected = getattr(errors, entry["expect"])
    before, files = digest(ctx.units, "target"), home_files(ctx.home)
    with pytest.raises(expected):
        source = open_source(VECTORS / name, **credential(entry))
        preview = preview_import(ctx.units, source, "target")
        apply_import(ctx.units, ctx.home, ctx.secrets, source, preview, allow_other_unit=True)
    assert digest(ctx.units, "target") == before
    assert home_files(ctx.home) == files
    assert [u.name for u in ctx.units.list_units()] == ["target"]


@pytest.mark.parametrize("name", GOOD)
def test_good_vector_imports_to_its_digest(target, name):
    ctx = target
    entry = MANIFEST[name]
    source = open_source(VECTORS / name, **credential(entry))
    preview = preview_import(ctx.units, source, "fromvector")
    result = apply_import(ctx.units, ctx.home, ctx.secrets, source, preview)
    assert digest(ctx.units, "fromvector") == entry["digest"] == result.digest_after
