"""Demo units whose content depends only on size and seed (never on the unit's name or the clock)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from core.errors import InvalidInputError


@dataclass(frozen=True)
class SeedSize:
    plugins: int
    workspaces: int
    apps_per_workspace: int
    profiles: int
    config_keys: int


SIZES = {
    "small": SeedSize(20, 50, 10, 10, 1_000),
    "medium": SeedSize(200, 1_000, 10, 50, 20_000),
    "large": SeedSize(1_000, 5_000, 10, 200, 100_000),
    "huge": SeedSize(10_000, 50_000, 10, 2_000, 1_000_000),  # exactly ten times large: ~1.06 million records
}

_WORDS = ("alpha", "atlas", "beacon", "cedar", "delta", "ember", "fjord", "garnet", "harbor", "iris",
          "juniper", "kestrel", "lumen", "meadow", "nimbus", "onyx", "prairie", "quartz", "raven",
          "sierra", "tundra", "umber", "vertex", "willow", "xenon", "yarrow", "zephyr")
_UNICODE = ("Zürich", "Łódź", "東京", "São Paulo", "Ελλάδα", "Москва", "Café", "Øresund", "İzmir", "København",
            "नमस्ते", "مرحبا", "😀 happy", "Straße")
_KINDS = ("dashboard", "report", "form", "chart", "map", "table", "feed", "calendar")
_ACTIONS = ("read", "write", "admin", "export", "configure")
_AREAS = ("auth", "mail", "storage", "ui", "billing", "search", "cache", "audit", "network", "jobs")


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _name(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"{rng.choice(_UNICODE)} {rng.choice(_WORDS).title()}"
    return f"{rng.choice(_WORDS).title()} {rng.choice(_WORDS).title()}"


def _nested(rng: random.Random, depth: int = 0) -> dict:
    out: dict = {}
    for i in range(rng.randint(2, 5)):
        k = f"{rng.choice(_WORDS)}_{i}"
        roll = rng.random()
        if roll < 0.2 and depth < 3:
            out[k] = _nested(rng, depth + 1)
        elif roll < 0.35:
            out[k] = [rng.randint(0, 1000) for _ in range(rng.randint(0, 4))]
        elif roll < 0.5:
            out[k] = rng.random() < 0.5
        elif roll < 0.65:
            out[k] = round(rng.uniform(-1e4, 1e4), 3)
        elif roll < 0.75:
            out[k] = None
        else:
            out[k] = _name(rng)
    return out


def _value(rng: random.Random, secret: bool):
    if secret:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
    roll = rng.random()
    if roll < 0.01:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(600, 1200)))  # a long value
    if roll < 0.25:
        return rng.randint(-10**6, 10**6)
    if roll < 0.35:
        return rng.random() < 0.5
    if roll < 0.45:
        return round(rng.uniform(0, 100), 4)
    if roll < 0.55:
        return _nested(rng)
    if roll < 0.6:
        return [rng.choice(_WORDS) for _ in range(rng.randint(0, 5))]
    if roll < 0.62:
        return None
    return _name(rng)


def generate(size: str, seed: int = 0) -> dict[str, Iterator[dict]]:
    """Wire records per section. Each section is generated from its own derived stream, so sections
    can be consumed in any order and still come out the same."""
    if size not in SIZES:
        raise InvalidInputError(f"Unknown size {size!r}.", hint="Sizes are: " + ", ".join(SIZES) + ".")
    spec = SIZES[size]
    base = random.Random(f"unitvault-demo:{size}:{seed}")
    ws_rng = random.Random(base.getrandbits(64))
    workspace_ids = [_uid(ws_rng) for _ in range(spec.workspaces)]
    profile_ids_rng = random.Random(base.getrandbits(64))
    profile_ids = [_uid(profile_ids_rng) for _ in range(spec.profiles)]
    plugin_seed, ws_seed, prof_seed, ck_seed = (base.getrandbits(64) for _ in range(4))

    def plugins() -> Iterator[dict]:
        rng = random.Random(plugin_seed)
        for i in range(spec.plugins):
            yield {
                "id": _uid(rng), "name": f"{_name(rng)} plugin {i}",
                "version": f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 99)}",
                "enabled": rng.random() < 0.8, "config": _nested(rng),
                "permissions": [{"subject_type": rng.choice(("profile", "role")),
                                 "subject": rng.choice(profile_ids) if profile_ids and rng.random() < 0.5
                                 else rng.choice(("admin", "editor", "viewer", "auditor")),
                                 "action": rng.choice(_ACTIONS), "allow": rng.random() < 0.85}
                                for _ in range(rng.randint(0, 4))],
                "mappings": [{"source": f"{rng.choice(_WORDS)}.{rng.choice(_WORDS)}",
                              "target": f"{rng.choice(_WORDS)}/{rng.randint(1, 99)}"}
                             for _ in range(rng.randint(0, 3))],
            }

    def workspaces() -> Iterator[dict]:
        rng = random.Random(ws_seed)
        for i, wid in enumerate(workspace_ids):
            yield {
                "id": wid, "name": f"{_name(rng)} {i}",
                "description": rng.choice(("", "Team space", "Shared with partners", "Überblick & Planung")),
                "owner": f"{rng.choice(_WORDS)}@example.org",
                "applications": [{"id": _uid(rng), "name": f"{rng.choice(_KINDS).title()} {j}",
                                  "kind": rng.choice(_KINDS), "position": j, "config": _nested(rng)}
                                 for j in range(spec.apps_per_workspace)],
            }

    def profiles() -> Iterator[dict]:
        rng = random.Random(prof_seed)
        for i, pid in enumerate(profile_ids):
            k = min(len(workspace_ids), rng.randint(0, 8))
            yield {"id": pid, "name": f"{_name(rng)} profile {i}",
                   "description": rng.choice(("", "Default profile", "Read-only staff", "Équipe support")),
                   "workspaces": rng.sample(workspace_ids, k)}

    def config_keys() -> Iterator[dict]:
        rng = random.Random(ck_seed)
        width = max(6, len(str(spec.config_keys - 1)))
        for i in range(spec.config_keys):
            secret = rng.random() < 0.05
            area = rng.choice(_AREAS)
            yield {"key": f"{area}.{rng.choice(_WORDS)}.k{i:0{width}d}", "value": _value(rng, secret),
                   "secret": secret,
                   "description": "" if rng.random() < 0.5 else f"{area.title()} setting {i}"}

    return {"plugins": plugins(), "workspaces": workspaces(), "profiles": profiles(), "config_keys": config_keys()}


def drifted(sections: dict[str, Iterator[dict]], drift: int) -> dict[str, Iterator[dict]]:
    """The same demo content as it looks after ``drift`` small live edits (deterministic): every 40th
    config key from the 3rd is gone and the next one has a new value; one plugin in each 20 has a new
    version and is disabled, one in each 50 is gone. A unit seeded with drift shows a realistic,
    field-level difference against a bundle of the undrifted unit."""
    if drift <= 0:
        return sections

    def config_keys():
        for i, wire in enumerate(sections["config_keys"]):
            if i % 40 == 3 and i // 40 < drift:
                continue
            if i % 40 == 4 and i // 40 < drift:
                wire = {**wire, "value": "changed on the live unit", "secret": False}
            yield wire

    def plugins():
        for i, wire in enumerate(sections["plugins"]):
            if i % 50 == 1 and i // 50 < drift:
                continue
            if i % 20 == 3 and i // 20 < drift:
                wire = {**wire, "version": "9.9.9", "enabled": False}
            yield wire

    return {**sections, "plugins": plugins(), "config_keys": config_keys()}


def seed_unit(store, name: str, size: str = "small", seed: int = 0, display_name: str | None = None, on_batch=None,
              drift: int = 0):
    """Create unit ``name`` filled with demo content (``drift`` small live edits, see ``drifted``), in
    one transaction."""
    sections = drifted(generate(size, seed), drift)
    with store.write() as conn:
        unit = store.create_unit(conn, name, display_name)
        for section in ("plugins", "workspaces", "profiles", "config_keys"):
            store.insert_wire(conn, unit.id, section, sections[section], on_batch=on_batch)
    return unit
