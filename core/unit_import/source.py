"""What an import reads from: any object with ``records()`` and four descriptive attributes.

A bundle (``core.bundle.OpenBundle``) is adapted by :class:`BundleSource`; account backups and tests
provide their own (:class:`MemorySource` is the simplest). Optional attributes, read with
``getattr``, refine what validation can check:

- ``sections``: the sections the source holds (default: all four). A safety snapshot holds only the
  sections an import changed, so a missing section is not the same as an empty one.
- ``format_version``: the container's format version (checked in the compatibility stage).
- ``schema_validated``: True when ``records()`` already checked every record against schemas/.
- ``expected_counts()``: per-count-key numbers the source's manifest declares, known after a pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from core.unit.records import COUNT_KEYS, SECTIONS


@runtime_checkable
class RecordSource(Protocol):
    source_unit_id: str
    source_unit_name: str
    created: str
    app_version: str

    def records(self, reporter=None) -> Iterator[tuple[str, dict]]:
        """A fresh streaming pass: ``(section, wire)`` in section order. Nothing is trusted until it is exhausted."""
        ...


@dataclass
class MemorySource:
    """Records held in memory ({section: [wire, ...]}), e.g. for tests or small sources."""

    sections_data: dict[str, list[dict]]
    source_unit_id: str = "00000000-0000-4000-8000-000000000000"
    source_unit_name: str = "memory"
    created: str = "1970-01-01T00:00:00Z"
    app_version: str = "0"
    format_version: int | None = None
    declared_counts: dict[str, int] | None = None
    schema_validated: bool = False
    sections: tuple[str, ...] = field(default=SECTIONS)

    def records(self, reporter=None) -> Iterator[tuple[str, dict]]:
        for section in SECTIONS:
            for wire in self.sections_data.get(section, ()):
                yield section, wire

    def expected_counts(self) -> dict[str, int] | None:
        return self.declared_counts


class BundleSource:
    """Adapts an open bundle (``core.bundle.open_bundle``) to :class:`RecordSource`."""

    schema_validated = True

    def __init__(self, bundle, *, path: str | os.PathLike | None = None,
                 sections: tuple[str, ...] | None = None, unit_id: str | None = None,
                 unit_name: str | None = None):
        self.bundle = bundle
        self.path = path
        head = bundle.manifest_head
        self.source_unit_id = unit_id or head.unit_id
        self.source_unit_name = unit_name or head.unit_name
        self.created = head.created
        self.app_version = head.app_version
        self.format_version = head.format_version
        self._sections = sections
        self._manifest = None

    @property
    def sections(self) -> tuple[str, ...]:
        if self._sections is not None:
            return self._sections
        present = getattr(self.bundle.manifest_head, "sections", None)
        if present:
            return tuple(s for s in SECTIONS if s in present)
        return SECTIONS

    def records(self, reporter=None, *, checked: bool = True, checker=None) -> Iterator[tuple[str, dict]]:
        """``checked=False`` (an import's second pass), ``checker`` (the checks in a helper
        process): see ``OpenBundle.records``."""
        return self.bundle.records(reporter, checked=checked, checker=checker)

    def expected_counts(self) -> dict[str, int] | None:
        manifest = getattr(self.bundle, "manifest", None)
        counts = getattr(manifest, "counts", None) if manifest is not None else None
        if counts is None:
            return None
        if hasattr(counts, "as_dict"):
            return counts.as_dict()
        if isinstance(counts, dict):
            return {k: counts[k] for k in COUNT_KEYS if k in counts}
        return None


def open_source(path, *, password: str | None = None, recovery_identity: bytes | None = None,
                raw_key: bytes | None = None, **kwargs) -> BundleSource:
    """Open a bundle file as a record source (header and password checked here)."""
    from core.bundle import open_bundle

    bundle = open_bundle(path, password=password, recovery_identity=recovery_identity, raw_key=raw_key)
    return BundleSource(bundle, path=path, **kwargs)
