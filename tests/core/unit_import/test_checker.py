"""A big bundle's record checks in a helper process during an import's preview (core/bundle/checker.py):
the preview decodes the records unchecked and asks the helper before it trusts them, so a hostile
record is refused exactly as the in-process checks refuse it, even where it would trip the preview's
own work first."""

from __future__ import annotations

import pytest

from core.bundle import write_bundle
from core.bundle.checker import Checker, start_checker
from core.errors import InvalidContentError
from core.unit_import import preview_import
from core.unit_import.source import open_source
from tests.core.unit_import.helpers import RAW_KEY, mutate, unit_wires


def _bundle(path, wires):
    write_bundle(path, unit_id="00000000-0000-4000-8000-0000000000aa", unit_name="a", sections=wires,
                 raw_key=RAW_KEY, validate=False)
    return path


def _refusals(store, path, monkeypatch) -> tuple[str, str]:
    """The preview's refusal with the checks in a helper, and without one."""
    monkeypatch.setenv("UNITVAULT_HELPERS", "1")
    checker = start_checker(0)
    assert isinstance(checker, Checker)
    try:
        with pytest.raises(InvalidContentError) as there:
            preview_import(store, open_source(path, raw_key=RAW_KEY), "b", checker=checker)
    finally:
        checker.close()
    monkeypatch.setenv("UNITVAULT_HELPERS", "0")
    with pytest.raises(InvalidContentError) as here:
        preview_import(store, open_source(path, raw_key=RAW_KEY), "b")
    return there.value.message, here.value.message


def test_a_record_against_its_schema_is_refused_as_in_process(two_units, tmp_path, monkeypatch):
    wires = mutate(unit_wires(two_units, "a"))
    wires["config_keys"][4]["secret"] = "yes"
    there, here = _refusals(two_units, _bundle(tmp_path / "x.uvault", wires), monkeypatch)
    assert there == here and "config_keys, record 4" in there


def test_a_record_that_would_trip_the_preview_first_is_refused_by_the_checks(two_units, tmp_path, monkeypatch):
    """A key that is not a string, or an application that is not a map, breaks the preview's own
    bookkeeping before the pass ends: the helper's answer is asked first and is the one reported."""
    wires = mutate(unit_wires(two_units, "a"))
    wires["workspaces"][2]["applications"] = [5]
    wires["plugins"][1]["id"] = 12345
    there, here = _refusals(two_units, _bundle(tmp_path / "x.uvault", wires), monkeypatch)
    assert there == here and "plugins, record 1" in there


def test_a_checked_preview_plans_the_same_as_one_checked_in_process(two_units, bundle_a, monkeypatch):
    monkeypatch.setenv("UNITVAULT_HELPERS", "1")
    checker = start_checker(0)
    try:
        there = preview_import(two_units, open_source(bundle_a, raw_key=RAW_KEY), "b", checker=checker)
    finally:
        checker.close()
    monkeypatch.setenv("UNITVAULT_HELPERS", "0")
    here = preview_import(two_units, open_source(bundle_a, raw_key=RAW_KEY), "b")
    assert there.plan == here.plan and there.validation.digest == here.validation.digest


def test_a_checker_that_stops_stops_the_preview_without_blaming_the_bundle(two_units, bundle_a, monkeypatch):
    from core.errors import UnitvaultError

    monkeypatch.setenv("UNITVAULT_HELPERS", "1")
    checker = start_checker(0)
    checker.proc.kill()
    checker.proc.wait()
    try:
        with pytest.raises(UnitvaultError, match="could not be checked") as err:
            preview_import(two_units, open_source(bundle_a, raw_key=RAW_KEY), "b", checker=checker)
    finally:
        checker.close()
    assert not isinstance(err.value, InvalidContentError)
