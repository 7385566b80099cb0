"""The unit digest: SHA-256 of a canonical serialization of a unit's content.

Covers every record and field of the four sections that a backup carries; not the unit's own id,
name or timestamps, nor storage-internal row ids. Canonical form: per section in the fixed order,
each record as compact UTF-8 JSON with sorted keys (applications inside a workspace sorted by
id; a profile's workspace list keeps its order, which is meaningful), hashed on its own; the
(key, record hash) pairs sorted by key are then hashed with the section names. Memory stays flat.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import orjson

from core.unit.records import SECTIONS, wire_key


def canonical(wire: dict) -> bytes:
    """Compact UTF-8 JSON with sorted keys (orjson: shortest round-trip floats, no whitespace)."""
    return orjson.dumps(wire, option=orjson.OPT_SORT_KEYS)


def normalize(section: str, wire: dict) -> dict:
    if section == "workspaces":
        return {**wire, "applications": sorted(wire["applications"], key=lambda a: a["id"])}
    return wire


def record_hash(section: str, wire: dict) -> bytes:
    return hashlib.sha256(canonical(normalize(section, wire))).digest()


def digest_sections(sections: dict[str, Iterable[dict]]) -> str:
    """Digest of wire records given per section (missing sections count as empty)."""
    outer = hashlib.sha256(b"unitvault-unit-digest-v1\n")
    for section in SECTIONS:
        pairs = sorted((wire_key(section, w), record_hash(section, w)) for w in sections.get(section, ()))
        outer.update(section.encode() + b"\n")
        for key, h in pairs:
            outer.update(key.encode("utf-8") + b"\0" + h)
    return outer.hexdigest()


def unit_digest(store, unit_id: str) -> str:
    """Streams the unit: the store reads each section in key order, so the sorted (key, hash) pairs
    are hashed as they come and nothing is held (a million records: flat memory)."""
    outer = hashlib.sha256(b"unitvault-unit-digest-v1\n")
    with store.read() as conn:
        for section in SECTIONS:
            outer.update(section.encode() + b"\n")
            prev = None
            buf = bytearray()
            for w in store.iter_wire(unit_id, section, conn):
                key = wire_key(section, w)
                if prev is not None and key <= prev:  # never with the store's key order; be exact anyway
                    return digest_sections({s: store.iter_wire(unit_id, s, conn) for s in SECTIONS})
                prev = key
                buf += key.encode("utf-8") + b"\0" + record_hash(section, w)
                if len(buf) >= 1 << 20:
                    outer.update(buf)
                    buf.clear()
            outer.update(buf)
    return outer.hexdigest()
