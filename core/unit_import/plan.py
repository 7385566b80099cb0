"""The restore plan: what an import will add, remove, change and leave alone. A pure function.

``compute_plan`` takes what the preview's single pass found (core/unit_import/compare.py: per
section counts, the first keys of each kind, field diffs, the digest of every choice, the profile
references that could dangle) and does no I/O, so the wizard can recompute it instantly whenever
the user toggles the mode or a section. Records are compared per top-level record (a plugin; a
workspace with its applications; a profile with its assignments; a config key) by their hashes.

Modes: ``replace`` wipes the chosen sections and restores them from the source; ``merge`` adds the
records the target lacks and keeps every live record whole where both have it. A choice that would
leave a profile naming a workspace the result lacks is refused (``PlanRefusedError``), and so is a
merge that would give two workspaces the same application id.

A plan shows counts and, per section and kind, the first keys (every key while a section has at
most ``compare.KEY_CAP`` changes; ``SectionPlan.complete`` says which); the rest is read on demand
(``ImportPreview.iter_changes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidInputError, PlanRefusedError
from core.support.text import printable
from core.unit.records import SECTIONS, parse_sections
from core.unit_import.compare import Comparison, ValidationResult
from core.unit_import.diffs import MASK, FieldChange, RecordChange, field_diff

MODES = ("replace", "merge")
_MAX_REFUSAL_DETAILS = 50

__all__ = ["MASK", "MODES", "FieldChange", "RecordChange", "RestorePlan", "SectionPlan", "compute_plan",
           "field_diff"]


@dataclass(frozen=True)
class SectionPlan:
    section: str
    action: str  # "replace" | "merge" | "keep" (section not chosen: left as it is)
    added: int = 0
    removed: int = 0
    changed: int = 0  # replace: present in both, differ; the source's version wins
    kept: int = 0  # merge: present in both, differ; the live version is kept whole
    unchanged: int = 0
    target_count: int = 0
    source_count: int = 0
    added_keys: tuple[str, ...] = ()  # in key order: all of them when ``complete``, else the first ones
    removed_keys: tuple[str, ...] = ()
    changed_keys: tuple[str, ...] = ()
    kept_keys: tuple[str, ...] = ()
    complete: bool = True
    diffs: tuple[RecordChange, ...] = ()  # field-level diffs of changed/kept records (the first ones)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def keys(self, kind: str) -> tuple[str, ...]:
        return getattr(self, f"{kind}_keys")

    def to_json(self, limit: int | None = 50) -> dict:
        def cut(keys):
            return list(keys if limit is None else keys[:limit])

        return {"section": self.section, "action": self.action,
                "added": self.added, "removed": self.removed, "changed": self.changed,
                "kept": self.kept, "unchanged": self.unchanged,
                "target_count": self.target_count, "source_count": self.source_count,
                "added_keys": cut(self.added_keys), "removed_keys": cut(self.removed_keys),
                "changed_keys": cut(self.changed_keys), "kept_keys": cut(self.kept_keys),
                "keys_complete": self.complete and limit is None,
                "diffs": [d.to_json() for d in (self.diffs if limit is None else self.diffs[:limit])]}


@dataclass(frozen=True)
class RestorePlan:
    mode: str
    sections: tuple[str, ...]  # the chosen sections
    creates_unit: bool
    per_section: tuple[SectionPlan, ...]  # all four, in SECTIONS order
    digest_before: str | None  # None when the unit does not exist yet
    digest_after: str

    def section(self, name: str) -> SectionPlan:
        for p in self.per_section:
            if p.section == name:
                return p
        raise KeyError(name)

    @property
    def affected_sections(self) -> tuple[str, ...]:
        """Sections whose content the import changes (what a safety snapshot must hold)."""
        return tuple(p.section for p in self.per_section if p.has_changes)

    @property
    def has_changes(self) -> bool:
        return self.creates_unit or bool(self.affected_sections)

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(p, k) for p in self.per_section) for k in ("added", "removed", "changed", "kept")} | {
            "unchanged": sum(p.unchanged for p in self.per_section if p.action != "keep")}

    def to_json(self, limit: int | None = 50) -> dict:
        return {"mode": self.mode, "sections": list(self.sections), "creates_unit": self.creates_unit,
                "affected_sections": list(self.affected_sections), "totals": self.totals,
                "digest_before": self.digest_before, "digest_after": self.digest_after,
                "per_section": [p.to_json(limit) for p in self.per_section]}


def compute_plan(validation: ValidationResult, comparison: Comparison, mode: str = "replace",
                 sections=None) -> RestorePlan:
    if mode not in MODES:
        raise InvalidInputError(f"Unknown mode {mode!r}.", hint="Modes are: replace, merge.")
    chosen = validation.sections if sections is None else parse_sections(sections)
    missing = [s for s in chosen if s not in validation.sections]
    if missing:
        raise PlanRefusedError(f"The source holds no {missing[0]} section, so it cannot be restored from it.",
                               hint="Choose among: " + ", ".join(validation.sections) + ".")
    per: list[SectionPlan] = []
    for s in SECTIONS:
        f = comparison.facts[s]
        if s not in chosen:
            per.append(SectionPlan(s, "keep", unchanged=f.target_count, target_count=f.target_count,
                                   source_count=f.source_count))
        elif mode == "replace":
            per.append(SectionPlan(s, "replace", f.added, f.removed, f.differ, 0, f.same, f.target_count,
                                   f.source_count, f.added_keys, f.removed_keys, f.differ_keys, (), f.complete,
                                   f.diffs))
        else:
            per.append(SectionPlan(s, "merge", f.added, 0, 0, f.differ, f.same, f.target_count, f.source_count,
                                   f.added_keys, (), (), f.differ_keys, f.complete, f.diffs))
    _check_references(comparison, mode, chosen)
    return RestorePlan(mode, tuple(chosen), comparison.unit is None, tuple(per), comparison.digest_before,
                       comparison.digests[(mode, frozenset(chosen))])


# --- references ------------------------------------------------------------------------------------
def _check_references(comparison: Comparison, mode: str, chosen) -> None:
    ws_chosen, profiles_chosen = "workspaces" in chosen, "profiles" in chosen

    def in_result_ws(c) -> bool:
        if ws_chosen:
            return c.in_source if mode == "replace" else (c.in_source or c.in_live)
        return c.in_live

    def in_result_profiles(c) -> bool:
        if profiles_chosen:
            if mode == "replace":
                return c.origin == "source"
            return c.origin == "live" or c.new_profile
        return c.origin == "live"

    dangling = [c for c in comparison.refs if in_result_profiles(c) and not in_result_ws(c)]
    if dangling:
        details = [f"profiles ({printable(pid, limit=80)}): {c.origin} profile names workspace "
                   f"{printable(wid, limit=80)}, which the result lacks"
                   for c in dangling for pid, wid in c.examples][:_MAX_REFUSAL_DETAILS]
        n = sum(c.profiles for c in dangling)
        live = any(c.origin == "live" for c in dangling)
        if live and ws_chosen and not profiles_chosen:
            msg = (f"Replacing workspaces would remove workspaces that {n} live profile{'s' if n != 1 else ''} "
                   "still name.")
            hint = "Include the profiles section, or use merge."
        elif not live and not ws_chosen:
            msg = (f"Importing profiles without workspaces would leave {n} profile{'s' if n != 1 else ''} "
                   "naming workspaces the unit lacks.")
            hint = "Include the workspaces section."
        else:
            msg = f"This choice would leave {n} profile{'s' if n != 1 else ''} naming workspaces the unit lacks."
            hint = "Choose both workspaces and profiles, or use replace mode."
        raise PlanRefusedError(msg, hint=hint, details=details)

    if ws_chosen and mode == "merge" and comparison.clash_count:
        n = comparison.clash_count
        raise PlanRefusedError(
            f"Merging would add {n} application{'s' if n != 1 else ''} whose id another live workspace already uses.",
            hint="Use replace mode for workspaces.",
            details=[f"workspaces ({printable(w, limit=80)})/applications ({printable(a, limit=80)}): "
                     "id already used in the unit"
                     for w, a in comparison.clashes[:_MAX_REFUSAL_DETAILS]])
