"""Validation of a record source, in stages, before anything is written.

Stages that run inside the bundle reader (header, password, integrity of every chunk, manifest,
schemas) raise the reader's own error classes. On the same streaming pass (core/unit_import/compare.py)
this adds:

- schemas, for sources that did not check them (``InvalidContentError``);
- semantics (``InvalidRecordError``): duplicate ids, application ids used twice, a profile naming a
  workspace the source lacks, counts that disagree with the manifest;
- compatibility (``NewerVersionError``): a container format this version does not know.

Each stage reports EVERY problem it found (``details``, with locations, never values) and the first
failing stage stops validation. Problems of a later stage found on the same pass are only reported
once the earlier stages passed. Nothing is written.
"""

from __future__ import annotations

from core.progress import Reporter
from core.unit_import.compare import MAX_DETAILS, ValidationResult, compare
from core.unit_import.compare import _loc as _loc  # a problem line's location (escaped key)

__all__ = ["MAX_DETAILS", "ValidationResult", "validate"]


def validate(source, reporter: Reporter | None = None) -> ValidationResult:
    """Stream ``source`` once and check it; raise the first failing stage's error, else describe it."""
    return compare(None, None, source, reporter)[0]
