import dataclasses

from core.unit.digest import digest_sections, unit_digest
from core.unit.seed import generate, seed_unit


def test_digest_depends_on_content_not_on_name_or_clock(store):
    a = seed_unit(store, "first", "small", seed=1)
    b = seed_unit(store, "second", "small", seed=1)
    c = seed_unit(store, "third", "small", seed=2)
    assert unit_digest(store, a.id) == unit_digest(store, b.id)
    assert unit_digest(store, a.id) != unit_digest(store, c.id)
    # Stable across calls, and equal to digesting the generator's records directly.
    assert unit_digest(store, a.id) == unit_digest(store, a.id)
    assert unit_digest(store, a.id) == digest_sections(generate("small", 1))


def test_any_changed_field_changes_the_digest(store):
    unit = seed_unit(store, "u", "small")
    base = unit_digest(store, unit.id)
    changes = {
        "plugins": lambda r: dataclasses.replace(r, enabled=not r.enabled),
        "workspaces": lambda r: dataclasses.replace(r, applications=(
            dataclasses.replace(r.applications[0], config={**r.applications[0].config, "x": 1}),
            *r.applications[1:])),
        "profiles": lambda r: dataclasses.replace(r, workspaces=tuple(reversed(r.workspaces)) if len(r.workspaces) > 1
                                                  else r.workspaces + (r.workspaces or ())),
        "config_keys": lambda r: dataclasses.replace(r, secret=not r.secret),
    }
    named = {w for p in store.iter_records(unit.id, "profiles") for w in p.workspaces}
    usable = {"profiles": lambda r: len(r.workspaces) > 1, "workspaces": lambda r: r.id not in named}
    for section, change in changes.items():
        records = list(store.iter_records(unit.id, section))
        target = next(r for r in records if usable.get(section, lambda r: True)(r))
        with store.write() as conn:
            key = target.key if section == "config_keys" else target.id
            store.delete_keys(conn, unit.id, section, [key])
            store.insert_records(conn, unit.id, section, [change(target)])
        changed = unit_digest(store, unit.id)
        assert changed != base, section
        with store.write() as conn:
            store.delete_keys(conn, unit.id, section, [key])
            store.insert_records(conn, unit.id, section, [target])
        assert unit_digest(store, unit.id) == base, section


def test_seed_is_deterministic_and_ignores_the_name():
    one = {s: list(v) for s, v in generate("small", 0).items()}
    two = {s: list(v) for s, v in generate("small", 0).items()}
    assert one == two
    assert {s: list(v) for s, v in generate("small", 3).items()} != one
