"""Per-record hashes and unit digests computed from them.

Both sides of a plan (the source's records and the target unit's) are reduced to
``{section: {key: record_hash}}`` with :func:`core.unit.digest.record_hash`, so a plan compares
records independently of key order, and the digest a unit will have after an import is known
before anything is written (it equals ``unit digest`` of the result; a test holds us to that).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from core.unit.records import SECTIONS

Hashes = Mapping[str, Mapping[str, bytes]]


def section_blob(section: str, per: Mapping[str, bytes]) -> bytes:
    """What one section contributes to the unit digest (see core/unit/digest.py)."""
    return section.encode() + b"\n" + b"".join(key.encode("utf-8") + b"\0" + per[key] for key in sorted(per))


def digest_from_blobs(blobs: list[bytes]) -> str:
    outer = hashlib.sha256(b"unitvault-unit-digest-v1\n")
    for blob in blobs:
        outer.update(blob)
    return outer.hexdigest()


def digest_from_hashes(hashes: Hashes) -> str:
    """The unit digest of content given as {section: {key: record hash}}."""
    return digest_from_blobs([section_blob(s, hashes.get(s) or {}) for s in SECTIONS])


class BlobCache:
    """Memoises section blobs of a frozen hash table (the wizard recomputes plans often)."""

    def __init__(self, hashes: Hashes):
        self._hashes = hashes
        self._blobs: dict[str, bytes] = {}

    def blob(self, section: str) -> bytes:
        if section not in self._blobs:
            self._blobs[section] = section_blob(section, self._hashes.get(section) or {})
        return self._blobs[section]


