"""Helpers for restore tests."""

from __future__ import annotations

import copy

from core.unit.digest import unit_digest
from core.unit.records import SECTIONS
from core.unit_import import MemorySource

RAW_KEY = bytes(range(32))


def unit_wires(store, name: str) -> dict[str, list[dict]]:
    unit = store.get_unit(name)
    with store.read() as conn:
        return {s: list(store.iter_wire(unit.id, s, conn)) for s in SECTIONS}


def source_of(store, name: str, **kw) -> MemorySource:
    unit = store.get_unit(name)
    return MemorySource(unit_wires(store, name), source_unit_id=unit.id, source_unit_name=unit.name, **kw)


def digest(store, name: str) -> str:
    return unit_digest(store, store.get_unit(name).id)




def snapshot_files(home) -> list[str]:
    return sorted(p.name for p in home.snapshots_dir.iterdir() if p.name != ".lock")


def mutate(wires: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return copy.deepcopy(wires)
