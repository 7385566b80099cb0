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

from core.errors import UnitvaultError
from core.progress import Reporter
from core.unit.digest import record_hash
from core.unit.records import SECTIONS, Unit
from core.unit_import.hashes import BlobCache, digest_from_blobs, gc_paused


@dataclass(frozen=True, eq=False)
class TargetState:
    unit: Unit | None
    hashes: dict[str, dict[str, bytes]]
    profile_refs: dict[str, tuple[str, ...]]
    app_ids: dict[str, tuple[str, ...]]
    retained: dict[str, dict[str, dict]] = field(default_factory=dict)
    revision: int | None = None  # the unit's change counter when it was read (None: unknown)
    # The records as read, packed for a safety snapshot ({section: PackedRecords}; None: not kept).
    packed: dict | None = field(default=None, repr=False)

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
    return _read_target(store, unit, reporter, conn)


# Past this many packed bytes a preview drops its packed copy (apply then reads the unit again).
PACK_LIMIT = 128 * 1024 * 1024


def _read_target(store, unit: Unit | None, reporter: Reporter | None = None, conn=None, *,
                 pack: bool = False) -> TargetState:
    """``read_target``; with ``pack`` it also keeps the records packed as a bundle's blocks
    (``TargetState.packed``), so a safety snapshot needs no second read of the unit."""
    if unit is None:
        return TargetState.empty()
    reporter = reporter or Reporter()
    hashes: dict[str, dict[str, bytes]] = {}
    refs: dict[str, tuple[str, ...]] = {}
    apps: dict[str, tuple[str, ...]] = {}
    packed = None
    if pack:
        from core.bundle.writer import PackedRecords

        packed = {s: PackedRecords() for s in SECTIONS}
    packed_size = 0
    counts = store.counts(unit.id, conn)
    reporter.stage("reading unit", counts.plugins + counts.workspaces + counts.profiles + counts.config_keys)
    from core.bundle.records import pack_record

    with gc_paused(), _reading(store, conn) as c:
        # First, in the same transaction: a write committed after this read bumps it past what we saw.
        revision = store.revision(unit.id, c)
        for section in SECTIONS:
            per: dict[str, bytes] = {}
            n = 0
            append = packed[section].append if packed is not None else None
            for wire in store.iter_wire(unit.id, section, c):
                key = wire["key"] if section == "config_keys" else wire["id"]
                per[key] = record_hash(section, wire)
                if section == "workspaces":
                    ids = tuple(a["id"] for a in wire["applications"])
                    apps[key] = ids
                    if append is not None:
                        packed[section].add_applications(len(ids))
                elif section == "profiles":
                    refs[key] = tuple(wire["workspaces"])
                if append is not None:
                    try:
                        b = pack_record(wire)
                    except UnitvaultError:  # not packable (e.g. a huge integer): apply reads again
                        packed = append = None
                    else:
                        append(b)
                        packed_size += len(b)
                n += 1
                if n >= 1000:
                    reporter.advance(n)
                    n = 0
                    if packed_size > PACK_LIMIT:
                        packed = append = None
            reporter.advance(n)
            hashes[section] = per
            if packed is not None:
                try:
                    packed[section].finish()
                except UnitvaultError:  # a record larger than a block
                    packed = None
                if packed_size > PACK_LIMIT:
                    packed = None
    return TargetState(unit, hashes, refs, apps, revision=revision, packed=packed)


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
