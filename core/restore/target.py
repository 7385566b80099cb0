"""The target unit's state as a plan needs it, read once from the store before planning.

Holds per-record hashes of all four sections (so the wizard can recompute the plan for any mode and
section choice without touching the store again), each profile's workspace list, each workspace's
application ids, the wires of a few records for field-level diffs, and the unit's change counter
(``revision``, read first in the same read transaction), which lets apply prove in O(1) that the
unit did not change since.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import cached_property

from core.progress import Reporter
from core.restore.hashes import BlobCache, digest_from_blobs, gc_paused
from core.unit.digest import record_hash
from core.unit.records import SECTIONS, Unit


@dataclass(frozen=True, eq=False)
class TargetState:
    unit: Unit | None
    hashes: dict[str, dict[str, bytes]]
    profile_refs: dict[str, tuple[str, ...]]
    app_ids: dict[str, tuple[str, ...]]
    retained: dict[str, dict[str, dict]] = field(default_factory=dict)
    revision: int | None = None  # the unit's change counter when it was read (None: unknown)

    @classmethod
    def empty(cls) -> TargetState:
        return cls(None, {s: {} for s in SECTIONS}, {}, {})

    @cached_property
    def digest(self) -> str:
        return digest_from_blobs([self.blobs.blob(s) for s in SECTIONS])

    @cached_property
    def blobs(self) -> BlobCache:
        return BlobCache(self.hashes)


@contextlib.contextmanager
def _reading(store, conn):
    if conn is not None:
        yield conn
    else:
        with store.read() as c:
            yield c


def read_target(store, unit: Unit | None, reporter: Reporter | None = None, conn=None) -> TargetState:
    """Hash every record of ``unit`` (None: a unit that does not exist yet)."""
    if unit is None:
        return TargetState.empty()
    reporter = reporter or Reporter()
    hashes: dict[str, dict[str, bytes]] = {}
    refs: dict[str, tuple[str, ...]] = {}
    apps: dict[str, tuple[str, ...]] = {}
    counts = store.counts(unit.id, conn)
    reporter.stage("reading unit", counts.plugins + counts.workspaces + counts.profiles + counts.config_keys)
    with gc_paused(), _reading(store, conn) as c:
        # First, in the same transaction: a write committed after this read bumps it past what we saw.
        revision = store.revision(unit.id, c)
        for section in SECTIONS:
            per: dict[str, bytes] = {}
            n = 0
            for wire in store.iter_wire(unit.id, section, c):
                key = wire["key"] if section == "config_keys" else wire["id"]
                per[key] = record_hash(section, wire)
                if section == "workspaces":
                    apps[key] = tuple(a["id"] for a in wire["applications"])
                elif section == "profiles":
                    refs[key] = tuple(wire["workspaces"])
                n += 1
                if n >= 1000:
                    reporter.advance(n)
                    n = 0
            reporter.advance(n)
            hashes[section] = per
    return TargetState(unit, hashes, refs, apps, revision=revision)


def fetch_wires(store, unit_id: str, wanted: dict[str, set[str]], conn=None) -> dict[str, dict[str, dict]]:
    """The wires of a few records (for diffs): one pass over each section that has any wanted key."""
    out: dict[str, dict[str, dict]] = {}
    with _reading(store, conn) as c:
        for section in SECTIONS:
            keys = wanted.get(section)
            if not keys:
                continue
            got: dict[str, dict] = {}
            for wire in store.iter_wire(unit_id, section, c):
                key = wire["key"] if section == "config_keys" else wire["id"]
                if key in keys:
                    got[key] = wire
                    if len(got) == len(keys):
                        break
            out[section] = got
    return out
