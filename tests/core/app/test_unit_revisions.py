"""The change check views use to follow the store (desktop: units list and unit view): a use case like
any other, but quiet in the log, since a window asks every few seconds."""

from __future__ import annotations

import logging

from core.app import units


def test_revisions_change_with_every_committed_change_and_drop_deleted_units(ctx):
    assert units.unit_revisions(ctx) == {}
    units.seed_unit(ctx, units.SeedUnit("demo"))
    units.seed_unit(ctx, units.SeedUnit("north", seed=1))
    first = units.unit_revisions(ctx)
    assert sorted(name for name, _ in first.values()) == ["demo", "north"]
    assert units.unit_revisions(ctx) == first  # nothing changed: the same answer
    demo = ctx.units.get_unit("demo")
    with ctx.units.write() as conn:
        ctx.units.touch(conn, demo.id)
    second = units.unit_revisions(ctx)
    assert second[demo.id] != first[demo.id]
    assert {k: v for k, v in second.items() if k != demo.id} == {k: v for k, v in first.items() if k != demo.id}
    units.delete_unit(ctx, units.DeleteUnit("demo", confirmed=True))
    assert demo.id not in units.unit_revisions(ctx)


def test_the_check_is_logged_at_debug_level_only(ctx, caplog):
    units.seed_unit(ctx, units.SeedUnit("demo"))
    with caplog.at_level(logging.INFO, logger="unitvault.app"):
        units.unit_revisions(ctx)
        units.list_units(ctx)
    assert "unit.list by" in caplog.text and "unit.revisions" not in caplog.text
    with caplog.at_level(logging.DEBUG, logger="unitvault.app"):
        units.unit_revisions(ctx)
    assert "unit.revisions by" in caplog.text
