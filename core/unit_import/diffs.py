"""Field-level differences between a live record and the source's version of it (for previews)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

MASK = "••••••"


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
