"""Validate-then-import: validation, a pure restore plan, an atomic apply, safety snapshots and undo.

The desktop wizard and the CLI call the same functions::

    source = open_source(path, password=...)                 # or any RecordSource
    preview = preview_import(store, source, "unit-a")        # validate + read target + plan
    preview = preview.with_choice("merge", ("plugins",))     # instant: recomputes only the plan
    result = apply_import(store, home, secrets, source, preview)

See docs/restore-design.md.
"""

from core.restore.apply import ImportPreview, ImportResult, apply_import, preview_import
from core.restore.plan import MASK, MODES, FieldChange, RecordChange, RestorePlan, SectionPlan, compute_plan, field_diff
from core.restore.snapshots import SnapshotInfo, cleanup_leftovers, list_snapshots
from core.restore.source import BundleSource, MemorySource, RecordSource, open_source
from core.restore.target import TargetState, read_target
from core.restore.undo import restore_snapshot, undo
from core.restore.validate import ValidationResult, validate

__all__ = [
    "BundleSource", "FieldChange", "ImportPreview", "ImportResult", "MASK", "MODES", "MemorySource", "RecordChange",
    "RecordSource", "RestorePlan", "SectionPlan", "SnapshotInfo", "TargetState", "ValidationResult", "apply_import",
    "cleanup_leftovers", "compute_plan", "field_diff", "list_snapshots", "open_source", "preview_import",
    "read_target", "restore_snapshot", "undo", "validate",
]
