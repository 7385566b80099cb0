"""Validation of a record source, in stages, before anything is written.

Stages that run inside the bundle reader (header, password, integrity of every chunk, manifest,
schemas) raise the reader's own error classes. This module adds, on the same streaming pass:

- schemas, for sources that did not check them (``InvalidContentError``);
- semantics (``InvalidRecordError``): duplicate ids, application ids used twice, a profile naming a
  workspace the source lacks, counts that disagree with the manifest;
- compatibility (``NewerVersionError``): a container format this version does not know.

Each stage reports EVERY problem it found (``details``, with locations, never values) and the first
failing stage stops validation. Problems of a later stage found on the same pass are only reported
once the earlier stages passed. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from core.errors import InvalidContentError, InvalidRecordError, NewerVersionError
from core.progress import Reporter
from core.schemas import section_errors
from core.unit.digest import record_hash
from core.unit.records import COUNT_KEYS, SECTIONS, SectionCounts
from core.unit_import.hashes import BlobCache, digest_from_blobs, gc_paused

MAX_DETAILS = 200
KNOWN_FORMAT_VERSION = 1
Keep = Callable[[str, str, bytes], bool]  # (section, key, record hash) -> retain the wire for diffs


@dataclass(frozen=True, eq=False)
class ValidationResult:
    """What a plan needs to know about a validated source; records themselves are not kept."""

    source_unit_id: str
    source_unit_name: str
    created: str
    app_version: str
    format_version: int | None
    sections: tuple[str, ...]
    counts: SectionCounts
    hashes: dict[str, dict[str, bytes]]  # section -> record key -> record hash
    profile_refs: dict[str, tuple[str, ...]]  # profile id -> workspace ids, in order
    app_ids: dict[str, tuple[str, ...]]  # workspace id -> its application ids
    retained: dict[str, dict[str, dict]] = field(default_factory=dict)  # wires kept for field diffs
    held: object | None = field(default=None, repr=False)  # HeldRecords: the validated records, compressed

    @cached_property
    def digest(self) -> str:
        """The unit digest a fresh unit gets from this source (all of its sections)."""
        return digest_from_blobs([self.blobs.blob(s) for s in SECTIONS])

    @cached_property
    def blobs(self) -> BlobCache:
        return BlobCache(self.hashes)

    def to_json(self) -> dict:
        return {"source_unit_id": self.source_unit_id, "source_unit_name": self.source_unit_name,
                "created": self.created, "app_version": self.app_version,
                "format_version": self.format_version, "sections": list(self.sections),
                "counts": self.counts.as_dict(), "digest": self.digest}


def _loc(section: str, index: int, key: str | None) -> str:
    """A record's place for a problem line; the key comes from the source, so it is escaped."""
    from core.support.text import printable

    return f"{section}[{index}]" + (f" ({printable(key, limit=80)})" if key else "")


def _key_of(section: str, wire) -> str | None:
    if not isinstance(wire, dict):
        return None
    key = wire.get("key" if section == "config_keys" else "id")
    return key if isinstance(key, str) else None


def validate(source, reporter: Reporter | None = None, *, keep: Keep | None = None,
             keep_limit: int = 200, hold: bool = False) -> ValidationResult:
    """Stream ``source`` once and check it; raise the first failing stage's error, else describe it.

    ``keep(section, key, hash)`` selects records whose wire is retained (at most ``keep_limit``
    per section) so a plan can show field-level diffs without a second pass. ``hold`` keeps a
    compressed copy of every record (core/unit_import/held.py) for apply.
    """
    reporter = reporter or Reporter()
    present = tuple(getattr(source, "sections", None) or SECTIONS)
    check_schema = not getattr(source, "schema_validated", False)
    hashes: dict[str, dict[str, bytes]] = {s: {} for s in SECTIONS}
    profile_refs: dict[str, tuple[str, ...]] = {}
    app_ids: dict[str, tuple[str, ...]] = {}
    app_owner: dict[str, str] = {}
    retained: dict[str, dict[str, dict]] = {}
    n_apps = 0
    schema_problems: list[str] = []
    schema_failures = 0
    semantic: list[str] = []
    order_problems: list[str] = []
    index = {s: 0 for s in SECTIONS}
    last_rank = -1
    since_check = 0
    held = add_record = None
    records = source.records
    if hold:
        from core.unit_import.held import HeldBlocks, HeldRecords
        from core.unit_import.source import BundleSource

        if isinstance(source, BundleSource) and _takes_blocks(source.bundle):
            held = HeldBlocks()  # the reader's checked blocks themselves: nothing to re-encode

            def records(reporter, _records=source.records, _add=held.add_block):
                return _records(reporter, on_block=_add)
        else:
            held = HeldRecords()
            add_record = held.add

    reporter.stage("validating", None, "items")
    current = None
    with gc_paused():
        for section, wire in records(reporter):
            since_check += 1
            if since_check >= 2000:
                since_check = 0
                reporter.check()
            if section != current:  # per-section set-up, once per section run (records come in order)
                current = section
                rank = SECTIONS.index(section) if section in SECTIONS else -1
                expected_here = rank >= 0 and section in present
                misplaced = expected_here and rank < last_rank
                if expected_here:
                    last_rank = max(last_rank, rank)
                    per = hashes[section]
                    key_name = "key" if section == "config_keys" else "id"
                    is_ws, is_profile = section == "workspaces", section == "profiles"
            if not expected_here:
                if len(order_problems) < MAX_DETAILS:
                    order_problems.append(f"section {section!r}: not expected in this source")
                continue
            i = index[section]
            if misplaced and len(order_problems) < MAX_DETAILS:
                order_problems.append(f"{_loc(section, i, None)}: sections out of order")
            index[section] = i + 1
            if check_schema:
                errors = section_errors(section, wire)
                if errors:
                    schema_failures += 1
                    key = _key_of(section, wire)
                    for e in errors:
                        if len(schema_problems) < MAX_DETAILS:
                            schema_problems.append(f"{_loc(section, i, key)}: {e}")
                    continue
            key = wire[key_name]
            h = record_hash(section, wire)
            if key in per:
                if len(semantic) < MAX_DETAILS:
                    semantic.append(f"{_loc(section, i, key)}: duplicate {'key' if section == 'config_keys' else 'id'}")
                continue
            per[key] = h
            if is_ws:
                ids = tuple(a["id"] for a in wire["applications"])
                app_ids[key] = ids
                n_apps += len(ids)
                for j, aid in enumerate(ids):
                    owner = app_owner.setdefault(aid, key)
                    if owner != key or ids.index(aid) != j:
                        if len(semantic) < MAX_DETAILS:
                            semantic.append(f"{_loc(section, i, key)}/applications[{j}] ({aid}): "
                                            f"application id already used in workspace {owner}")
            elif is_profile:
                profile_refs[key] = tuple(wire["workspaces"])
            if keep is not None and len(retained.get(section, ())) < keep_limit and keep(section, key, h):
                retained.setdefault(section, {})[key] = wire
            if add_record is not None:
                add_record(section, wire)
    reporter.check()

    # The reader's own stages (integrity, manifest, schemas) have passed once the pass is complete.
    if order_problems:
        raise InvalidContentError("The source's sections are not in the expected form.", details=order_problems)
    if schema_problems:
        raise InvalidContentError(
            f"{schema_failures:,} record{'s' if schema_failures != 1 else ''} do not match the record schemas.",
            details=schema_problems)

    # Semantics.
    if "workspaces" in present:
        known = hashes["workspaces"]
        for pid, refs in profile_refs.items():
            for j, wid in enumerate(refs):
                if wid not in known and len(semantic) < MAX_DETAILS:
                    semantic.append(f"profiles ({pid})/workspaces[{j}]: names workspace {wid}, "
                                    "which is not in the source")
    counts = SectionCounts(len(hashes["plugins"]), len(hashes["workspaces"]), n_apps,
                           len(hashes["profiles"]), len(hashes["config_keys"]))
    expected = None
    if hasattr(source, "expected_counts"):
        expected = source.expected_counts()
    if expected:
        seen = {"plugins": index["plugins"], "workspaces": index["workspaces"], "applications": n_apps,
                "profiles": index["profiles"], "config_keys": index["config_keys"]}
        for k in COUNT_KEYS:
            if k in expected and expected[k] != seen[k]:
                semantic.append(f"manifest: declares {expected[k]:,} {k}, the source holds {seen[k]:,}")
    if semantic:
        raise InvalidRecordError(
            f"The source's records are inconsistent ({len(semantic)} problem{'s' if len(semantic) != 1 else ''}).",
            hint="The file was not written by a correct exporter; nothing was imported.", details=semantic)

    # Compatibility.
    fmt = getattr(source, "format_version", None)
    known_fmt = _known_format_version()
    if isinstance(fmt, int) and fmt > known_fmt:
        raise NewerVersionError(f"The source uses format version {fmt}; this version reads up to {known_fmt}.")

    return ValidationResult(
        source_unit_id=source.source_unit_id, source_unit_name=source.source_unit_name,
        created=source.created, app_version=source.app_version, format_version=fmt,
        sections=tuple(s for s in SECTIONS if s in present), counts=counts, hashes=hashes,
        profile_refs=profile_refs, app_ids=app_ids, retained=retained,
        held=held.finish() if held is not None else None)


def _takes_blocks(bundle) -> bool:
    from core.bundle.reader import OpenBundle

    return isinstance(bundle, OpenBundle)


def _known_format_version() -> int:
    try:
        from core.bundle import FORMAT_VERSION  # type: ignore[attr-defined]

        return int(FORMAT_VERSION)
    except Exception:
        return KNOWN_FORMAT_VERSION
