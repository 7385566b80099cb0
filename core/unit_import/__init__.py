"""Validate-then-import: validation, a pure restore plan, an atomic apply, safety snapshots and undo.

The desktop wizard and the CLI call the same functions::

    source = open_source(path, password=...)                 # or any RecordSource
    preview = preview_import(store, source, "unit-a")        # validate + read target + plan
    preview = preview.with_choice("merge", ("plugins",))     # instant: recomputes only the plan
    result = apply_import(store, home, secrets, source, preview)

See docs/unit-import-design.md.
"""

from core.unit_import.apply import ImportPreview, ImportResult, apply_import, preview_import
from core.unit_import.compare import Comparison, SectionFacts, compare
from core.unit_import.plan import (
    MASK,
    MODES,
    FieldChange,
    RecordChange,
    RestorePlan,
    SectionPlan,
    compute_plan,
    field_diff,
)
from core.unit_import.safety import SafetySnapshot, cleanup_leftovers, list_safety_snapshots
from core.unit_import.source import BundleSource, MemorySource, RecordSource, open_source
from core.unit_import.undo import preview_safety_snapshot, restore_safety_snapshot, undo
from core.unit_import.validate import ValidationResult, validate

__all__ = [
    "BundleSource", "Comparison", "FieldChange", "ImportPreview", "ImportResult", "MASK", "MODES", "MemorySource",
    "RecordChange", "RecordSource", "RestorePlan", "SafetySnapshot", "SectionFacts", "SectionPlan",
    "ValidationResult", "apply_import", "cleanup_leftovers", "compare", "compute_plan", "field_diff",
    "list_safety_snapshots", "open_source", "preview_import", "preview_safety_snapshot", "restore_safety_snapshot",
    "undo", "validate",
]
