"""The restore plan: what an import will add, remove, change and leave alone. A pure function.

``compute_plan`` takes a validated source and the target's state (both read beforehand) and does
no I/O, so the wizard can recompute it instantly whenever the user toggles the mode or a section.
Records are compared per top-level record (a plugin; a workspace with its applications; a profile
with its assignments; a config key) by their record hashes.

Modes: ``replace`` wipes the chosen sections and restores them from the source; ``merge`` adds the
records the target lacks and keeps every live record whole where both have it. A choice that would
leave a profile naming a workspace the result lacks is refused (``PlanRefusedError``), and so is a
merge that would give two workspaces the same application id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from core.errors import InvalidInputError, PlanRefusedError
from core.unit.records import SECTIONS, parse_sections
from core.unit_import.hashes import digest_from_blobs, section_blob
from core.unit_import.target import TargetState
from core.unit_import.validate import ValidationResult

MODES = ("replace", "merge")
MASK = "••••••"
_MAX_REFUSAL_DETAILS = 50


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str  # e.g. "config/retries", "applications[<id>]/config/x", "value"
    kind: str  # "changed" | "added" | "removed"
    old: Any = None  # secret config values are MASK
    new: Any = None

    def to_json(self) -> dict:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True)
class RecordChange:
    key: str
    fields: tuple[FieldChange, ...]

    def to_json(self) -> dict:
        return {"key": self.key, "fields": [f.to_json() for f in self.fields]}


@dataclass(frozen=True)
class SectionPlan:
    section: str
    action: str  # "replace" | "merge" | "keep" (section not chosen: left as it is)
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()  # replace: present in both, differ; the source's version wins
    kept: tuple[str, ...] = ()  # merge: present in both, differ; the live version is kept whole
    unchanged: int = 0
    target_count: int = 0
    source_count: int = 0
    diffs: tuple[RecordChange, ...] = ()  # field-level diffs of changed/kept records (the first ones)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def to_json(self, limit: int | None = 50) -> dict:
        def cut(keys):
            return list(keys if limit is None else keys[:limit])

        return {"section": self.section, "action": self.action,
                "added": len(self.added), "removed": len(self.removed), "changed": len(self.changed),
                "kept": len(self.kept), "unchanged": self.unchanged,
                "target_count": self.target_count, "source_count": self.source_count,
                "added_keys": cut(self.added), "removed_keys": cut(self.removed),
                "changed_keys": cut(self.changed), "kept_keys": cut(self.kept),
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
        return {k: sum(len(getattr(p, k)) for p in self.per_section) for k in ("added", "removed", "changed", "kept")} | {
            "unchanged": sum(p.unchanged for p in self.per_section if p.action != "keep")}

    def to_json(self, limit: int | None = 50) -> dict:
        return {"mode": self.mode, "sections": list(self.sections), "creates_unit": self.creates_unit,
                "affected_sections": list(self.affected_sections), "totals": self.totals,
                "digest_before": self.digest_before, "digest_after": self.digest_after,
                "per_section": [p.to_json(limit) for p in self.per_section]}


def compute_plan(validation: ValidationResult, target: TargetState | None, mode: str = "replace",
                 sections=None) -> RestorePlan:
    if mode not in MODES:
        raise InvalidInputError(f"Unknown mode {mode!r}.", hint="Modes are: replace, merge.")
    chosen = validation.sections if sections is None else parse_sections(sections)
    missing = [s for s in chosen if s not in validation.sections]
    if missing:
        raise PlanRefusedError(f"The source holds no {missing[0]} section, so it cannot be restored from it.",
                               hint="Choose among: " + ", ".join(validation.sections) + ".")
    target = target or TargetState.empty()
    creates = target.unit is None

    per: list[SectionPlan] = []
    blobs: list[bytes] = []
    for s in SECTIONS:
        src, tgt = validation.hashes[s], target.hashes[s]
        if s not in chosen:
            per.append(SectionPlan(s, "keep", unchanged=len(tgt), target_count=len(tgt), source_count=len(src)))
            blobs.append(target.blobs.blob(s))
            continue
        common = src.keys() & tgt.keys()
        differ = sorted(k for k in common if src[k] != tgt[k])
        added = tuple(sorted(src.keys() - tgt.keys()))
        diffs = _diffs(s, differ, validation, target)
        if mode == "replace":
            removed = tuple(sorted(tgt.keys() - src.keys()))
            per.append(SectionPlan(s, "replace", added, removed, tuple(differ), (), len(common) - len(differ),
                                   len(tgt), len(src), diffs))
            blobs.append(validation.blobs.blob(s))
        else:
            per.append(SectionPlan(s, "merge", added, (), (), tuple(differ), len(common) - len(differ),
                                   len(tgt), len(src), diffs))
            blobs.append(target.blobs.blob(s) if not added else section_blob(s, {**src, **tgt}))

    _check_references(validation, target, mode, chosen)
    return RestorePlan(mode, tuple(chosen), creates, tuple(per),
                       None if creates else target.digest, digest_from_blobs(blobs))


# --- references ------------------------------------------------------------------------------------
def _check_references(validation: ValidationResult, target: TargetState, mode: str, chosen) -> None:
    src_ws, tgt_ws = validation.hashes["workspaces"], target.hashes["workspaces"]
    if "workspaces" in chosen:
        result_ws = src_ws.keys() if mode == "replace" else (src_ws.keys() | tgt_ws.keys())
    else:
        result_ws = tgt_ws.keys()
    if "profiles" in chosen:
        if mode == "replace":
            refs = dict(validation.profile_refs)
            origin = {p: "source" for p in refs}
        else:
            refs = {p: r for p, r in validation.profile_refs.items() if p not in target.profile_refs}
            origin = {p: "source" for p in refs}
            refs.update(target.profile_refs)
            origin.update({p: "live" for p in target.profile_refs})
    else:
        refs = dict(target.profile_refs)
        origin = {p: "live" for p in refs}

    dangling = [(pid, wid) for pid, ws in refs.items() for wid in ws if wid not in result_ws]
    if dangling:
        details = [f"profiles ({pid}): {origin[pid]} profile names workspace {wid}, which the result lacks"
                   for pid, wid in dangling[:_MAX_REFUSAL_DETAILS]]
        n = len({pid for pid, _ in dangling})
        live = any(origin[pid] == "live" for pid, _ in dangling)
        if live and "workspaces" in chosen and "profiles" not in chosen:
            msg = (f"Replacing workspaces would remove workspaces that {n} live profile{'s' if n != 1 else ''} "
                   "still name.")
            hint = "Include the profiles section, or use merge."
        elif not live and "workspaces" not in chosen:
            msg = (f"Importing profiles without workspaces would leave {n} profile{'s' if n != 1 else ''} "
                   "naming workspaces the unit lacks.")
            hint = "Include the workspaces section."
        else:
            msg = f"This choice would leave {n} profile{'s' if n != 1 else ''} naming workspaces the unit lacks."
            hint = "Choose both workspaces and profiles, or use replace mode."
        raise PlanRefusedError(msg, hint=hint, details=details)

    if "workspaces" in chosen and mode == "merge":
        added = [w for w in src_ws if w not in tgt_ws]
        if added:
            live_apps = {a for ids in target.app_ids.values() for a in ids}
            clashes = [(w, a) for w in added for a in validation.app_ids.get(w, ()) if a in live_apps]
            if clashes:
                raise PlanRefusedError(
                    f"Merging would add {len(clashes)} application{'s' if len(clashes) != 1 else ''} whose id "
                    "another live workspace already uses.",
                    hint="Use replace mode for workspaces.",
                    details=[f"workspaces ({w})/applications ({a}): id already used in the unit"
                             for w, a in clashes[:_MAX_REFUSAL_DETAILS]])


# --- field-level diffs -------------------------------------------------------------------------------
def _diffs(section: str, keys: list[str], validation: ValidationResult, target: TargetState) -> tuple[RecordChange, ...]:
    src = validation.retained.get(section, {})
    tgt = target.retained.get(section, {})
    out = []
    for k in keys:
        if k in src and k in tgt:
            out.append(RecordChange(k, field_diff(section, tgt[k], src[k])))
    return tuple(out)


def _canon(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _walk(path: str, old, new, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for k in list(old) + [k for k in new if k not in old]:
            sub = f"{path}/{k}" if path else str(k)
            if k not in new:
                out.append(FieldChange(sub, "removed", old[k], None))
            elif k not in old:
                out.append(FieldChange(sub, "added", None, new[k]))
            else:
                _walk(sub, old[k], new[k], out)
    elif _canon(old) != _canon(new):
        out.append(FieldChange(path, "changed", old, new))


def field_diff(section: str, old: dict, new: dict) -> tuple[FieldChange, ...]:
    """Field-level differences from ``old`` (live) to ``new`` (source); secret values masked."""
    out: list[FieldChange] = []
    if section == "workspaces":
        _walk("", {k: v for k, v in old.items() if k != "applications"},
              {k: v for k, v in new.items() if k != "applications"}, out)
        oa = {a["id"]: a for a in old.get("applications", ())}
        na = {a["id"]: a for a in new.get("applications", ())}
        for aid in list(oa) + [a for a in na if a not in oa]:
            path = f"applications[{aid}]"
            if aid not in na:
                out.append(FieldChange(path, "removed", oa[aid], None))
            elif aid not in oa:
                out.append(FieldChange(path, "added", None, na[aid]))
            else:
                _walk(path, oa[aid], na[aid], out)
        return tuple(out)
    _walk("", old, new, out)
    if section == "config_keys" and (old.get("secret") or new.get("secret")):
        masked = [f for f in out if f.path == "value" or f.path.startswith("value/")]
        out = [f for f in out if f not in masked]
        if masked:
            out.insert(0, FieldChange("value", "changed", MASK, MASK))
    return tuple(out)
