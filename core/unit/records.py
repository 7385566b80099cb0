"""Typed, immutable records of a unit, and their wire form (plain dicts).

The wire form is the one encoding used everywhere a record leaves the store: bundle sections,
schema validation, the unit digest, account backups and plan diffs. ``to_wire`` / ``from_wire``
convert; ``from_wire`` expects an already validated dict.

Section names are the same everywhere: ``plugins``, ``workspaces``, ``profiles``, ``config_keys``;
applications belong to their workspace and are counted inside ``workspaces``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from core.errors import InvalidInputError

SECTIONS: tuple[str, ...] = ("plugins", "workspaces", "profiles", "config_keys")
COUNT_KEYS: tuple[str, ...] = ("plugins", "workspaces", "applications", "profiles", "config_keys")
UNIT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
UNIT_NAME_HINT = "Use 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit."


def check_unit_name(name: str) -> str:
    """The one unit-name rule (store, bundles, imports, the GUI's name fields)."""
    if not isinstance(name, str) or not UNIT_NAME_RE.match(name):
        raise InvalidInputError(f"Invalid unit name {name!r}.", hint=UNIT_NAME_HINT, kind="invalid_unit_name")
    return name


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    display_name: str
    created_at: str  # ISO 8601 UTC
    updated_at: str


@dataclass(frozen=True, slots=True)
class Permission:
    subject_type: str  # "profile" or "role"
    subject: str
    action: str
    allow: bool


@dataclass(frozen=True, slots=True)
class Mapping:
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class Plugin:
    id: str
    name: str
    version: str
    enabled: bool
    config: dict[str, Any] = field(default_factory=dict)
    permissions: tuple[Permission, ...] = ()
    mappings: tuple[Mapping, ...] = ()


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    name: str
    kind: str
    position: int
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    name: str
    description: str
    owner: str
    applications: tuple[Application, ...] = ()


@dataclass(frozen=True, slots=True)
class Profile:
    id: str
    name: str
    description: str
    workspaces: tuple[str, ...] = ()  # ordered workspace ids


@dataclass(frozen=True, slots=True)
class ConfigKey:
    key: str
    value: Any
    secret: bool
    description: str


Record = Plugin | Workspace | Profile | ConfigKey


@dataclass(frozen=True, slots=True)
class SectionCounts:
    plugins: int = 0
    workspaces: int = 0
    applications: int = 0
    profiles: int = 0
    config_keys: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in COUNT_KEYS}


def record_key(section: str, record: Record) -> str:
    """The id a record is known by within its unit (a config key's key)."""
    return record.key if section == "config_keys" else record.id  # type: ignore[union-attr]


def wire_key(section: str, wire: dict) -> str:
    return wire["key"] if section == "config_keys" else wire["id"]


# --- wire form ------------------------------------------------------------------------------------
def plugin_to_wire(p: Plugin) -> dict:
    return {
        "id": p.id, "name": p.name, "version": p.version, "enabled": p.enabled, "config": p.config,
        "permissions": [{"subject_type": x.subject_type, "subject": x.subject, "action": x.action,
                         "allow": x.allow} for x in p.permissions],
        "mappings": [{"source": m.source, "target": m.target} for m in p.mappings],
    }


def application_to_wire(a: Application) -> dict:
    return {"id": a.id, "name": a.name, "kind": a.kind, "position": a.position, "config": a.config}


def workspace_to_wire(w: Workspace) -> dict:
    return {"id": w.id, "name": w.name, "description": w.description, "owner": w.owner,
            "applications": [application_to_wire(a) for a in w.applications]}


def profile_to_wire(p: Profile) -> dict:
    return {"id": p.id, "name": p.name, "description": p.description, "workspaces": list(p.workspaces)}


def config_key_to_wire(c: ConfigKey) -> dict:
    return {"key": c.key, "value": c.value, "secret": c.secret, "description": c.description}


def plugin_from_wire(d: dict) -> Plugin:
    return Plugin(d["id"], d["name"], d["version"], d["enabled"], d["config"],
                  tuple(Permission(x["subject_type"], x["subject"], x["action"], x["allow"])
                        for x in d["permissions"]),
                  tuple(Mapping(m["source"], m["target"]) for m in d["mappings"]))


def application_from_wire(d: dict) -> Application:
    return Application(d["id"], d["name"], d["kind"], d["position"], d["config"])


def workspace_from_wire(d: dict) -> Workspace:
    return Workspace(d["id"], d["name"], d["description"], d["owner"],
                     tuple(application_from_wire(a) for a in d["applications"]))


def profile_from_wire(d: dict) -> Profile:
    return Profile(d["id"], d["name"], d["description"], tuple(d["workspaces"]))


def config_key_from_wire(d: dict) -> ConfigKey:
    return ConfigKey(d["key"], d["value"], d["secret"], d["description"])


TO_WIRE = {"plugins": plugin_to_wire, "workspaces": workspace_to_wire,
           "profiles": profile_to_wire, "config_keys": config_key_to_wire}
FROM_WIRE = {"plugins": plugin_from_wire, "workspaces": workspace_from_wire,
             "profiles": profile_from_wire, "config_keys": config_key_from_wire}


def to_wire(section: str, record: Record) -> dict:
    return TO_WIRE[section](record)


def from_wire(section: str, wire: dict) -> Record:
    return FROM_WIRE[section](wire)


def parse_sections(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"plugins,profiles"`` -> ordered tuple of known section names; None -> all."""


    if text is None:
        return SECTIONS
    items = [s.strip() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    unknown = [s for s in items if s not in SECTIONS]
    if unknown or not items:
        raise InvalidInputError(
            f"Unknown section {unknown[0]!r}." if unknown else "No section chosen.",
            hint="Sections are: " + ", ".join(SECTIONS) + ".")
    return tuple(s for s in SECTIONS if s in items)
