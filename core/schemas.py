"""The record schemas (schemas/*.schema.json, Draft 2020-12) and fast validators for them.

The schema files are standard, so any Draft 2020-12 validator runs them; the hot path uses
jsonschema-rs (measured ~30x faster than the pure-Python jsonschema on our records), and the
reference jsonschema runs them where jsonschema-rs has no wheel. Tests hold both to the same answers. Error
messages name the location and the rule, never the value (values may be secrets).
"""

from __future__ import annotations

import functools
import json
import math

from core.resources import data_dir

KINDS = ("json-value", "unit", "plugin", "application", "workspace", "profile", "config_key")
SECTION_KIND = {"plugins": "plugin", "workspaces": "workspace", "profiles": "profile", "config_keys": "config_key"}


@functools.cache
def load_schema(kind: str) -> dict:
    if kind not in KINDS:
        raise KeyError(kind)
    return json.loads((data_dir("schemas") / f"{kind}.schema.json").read_text(encoding="utf-8"))


def all_schemas() -> dict[str, dict]:
    return {k: load_schema(k) for k in KINDS}


class _RustValidator:
    """jsonschema-rs: the hot path (~30x the pure-Python validator on our records)."""

    name = "jsonschema-rs"

    def __init__(self, kind: str):
        import jsonschema_rs

        registry = jsonschema_rs.Registry([(s["$id"], s) for s in all_schemas().values()])
        self._v = jsonschema_rs.validator_for(load_schema(kind), registry=registry)

    def is_valid(self, record: object) -> bool:
        return self._v.is_valid(record)

    def problems(self, record: object):
        for err in self._v.iter_errors(record):
            yield list(err.instance_path), (err.schema_path[-1] if err.schema_path else "schema")


class _PythonValidator:
    """The reference implementation (jsonschema), used where jsonschema-rs has no wheel."""

    name = "jsonschema"

    def __init__(self, kind: str):
        import jsonschema
        from referencing import Registry, Resource

        registry = Registry().with_resources(
            (s["$id"], Resource.from_contents(s)) for s in all_schemas().values())
        self._v = jsonschema.Draft202012Validator(load_schema(kind), registry=registry)

    def is_valid(self, record: object) -> bool:
        return self._v.is_valid(record) and _non_finite(record) is None

    def problems(self, record: object):
        # JSON has no NaN or infinity: jsonschema-rs refuses them as numbers, jsonschema accepts them.
        bad = _non_finite(record)
        if bad is not None:
            yield bad, "type"
        for err in self._v.iter_errors(record):
            yield list(err.absolute_path), (err.schema_path[-1] if err.schema_path else "schema")


def _non_finite(value, path=None):
    """The path of the first NaN or infinity inside ``value``, or None."""
    path = path or []
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _non_finite(item, [*path, key])
        if found is not None:
            return found
    return None


def _fast_backend_available() -> bool:
    try:
        import jsonschema_rs  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _validator(kind: str, backend: str | None = None):
    """A validator for ``kind``: jsonschema-rs when installed, else the reference jsonschema."""
    if backend is None:
        backend = "rust" if _fast_backend_available() else "python"
    return _RustValidator(kind) if backend == "rust" else _PythonValidator(kind)


def _location(path) -> str:
    """Where in a record a rule failed; property names come from the record, so they are escaped."""
    from core.support.text import printable

    return printable("/" + "/".join(str(p) for p in path), limit=120) if path else "(record)"


def record_errors(kind: str, record: object, limit: int = 20, *, backend: str | None = None) -> list[str]:
    """Problems of one record as ``"<location>: fails '<rule>'"`` lines; empty when valid."""
    validator = _validator(kind, backend)
    if validator.is_valid(record):
        return []
    out = []
    for path, rule in validator.problems(record):
        out.append(f"{_location(path)}: fails '{rule}'")
        if len(out) >= limit:
            break
    return out


def is_valid(kind: str, record: object) -> bool:
    return _validator(kind).is_valid(record)


def section_errors(section: str, record: object) -> list[str]:
    return record_errors(SECTION_KIND[section], record)
