"""Validation stages: every problem of the failing stage is listed with its location, never a value."""

from __future__ import annotations

import pytest

from core.errors import Cancelled, DamagedBundleError, InvalidContentError, InvalidRecordError, NewerVersionError
from core.progress import CancelToken, Reporter
from core.unit_import import MemorySource, validate
from tests.core.unit_import.helpers import digest, mutate, source_of, unit_wires


def test_valid_source_counts_and_digest(two_units):
    v = validate(source_of(two_units, "a"))
    assert v.counts.as_dict() == two_units.counts(two_units.get_unit("a").id).as_dict()
    assert v.digest == digest(two_units, "a")
    assert v.source_unit_name == "a"
    assert v.sections == ("plugins", "workspaces", "profiles", "config_keys")


def test_schema_stage_lists_every_bad_record_without_values(two_units):
    wires = mutate(unit_wires(two_units, "a"))
    secret = next(w for w in wires["config_keys"] if w["secret"])
    secret_value = secret["value"]
    secret["secret"] = "yes"  # not a boolean
    del wires["plugins"][3]["name"]
    wires["workspaces"][7]["applications"][2]["position"] = "first"
    with pytest.raises(InvalidContentError) as e:
        validate(MemorySource(wires))
    details = "\n".join(e.value.details)
    assert f"plugins[3] ({wires['plugins'][3]['id']})" in details
    assert f"({secret['key']})" in details
    assert "workspaces[7]" in details and "/applications/2/position" in details
    assert "3 records do not match" in e.value.message
    assert secret_value not in details and secret_value not in e.value.message


def test_semantic_stage_lists_every_problem(two_units):
    wires = mutate(unit_wires(two_units, "a"))
    wires["plugins"].append(dict(wires["plugins"][0]))  # duplicate id
    wires["config_keys"].append(dict(wires["config_keys"][5]))  # duplicate key
    ws0, ws1 = wires["workspaces"][0], wires["workspaces"][1]
    ws1["applications"][0]["id"] = ws0["applications"][0]["id"]  # application id used twice
    wires["profiles"][0]["workspaces"] = ["no-such-workspace"]
    src = MemorySource(wires, declared_counts={"plugins": 99})
    with pytest.raises(InvalidRecordError) as e:
        validate(src)
    d = e.value.details
    assert any("duplicate id" in x and wires["plugins"][0]["id"] in x for x in d)
    assert any("duplicate key" in x and wires["config_keys"][5]["key"] in x for x in d)
    assert any("application id already used" in x for x in d)
    assert any("names workspace no-such-workspace" in x for x in d)
    assert any("manifest: declares 99 plugins" in x for x in d)
    assert len(d) == 5


def test_earlier_stage_wins_over_later_one(two_units):
    wires = mutate(unit_wires(two_units, "a"))
    wires["plugins"].append(dict(wires["plugins"][0]))  # semantic problem
    del wires["config_keys"][0]["description"]  # schema problem, later in the stream
    with pytest.raises(InvalidContentError) as e:
        validate(MemorySource(wires))
    assert all("duplicate" not in x for x in e.value.details)


def test_partial_source_allows_references_outside_it(two_units):
    wires = unit_wires(two_units, "a")
    src = MemorySource({"profiles": wires["profiles"]}, sections=("profiles",))
    v = validate(src)
    assert v.sections == ("profiles",) and v.counts.profiles == len(wires["profiles"])


def test_records_of_a_section_the_source_does_not_declare(two_units):
    wires = unit_wires(two_units, "a")
    src = MemorySource({"plugins": wires["plugins"], "profiles": wires["profiles"]}, sections=("profiles",))
    with pytest.raises(InvalidContentError):
        validate(src)


def test_newer_format_is_refused(two_units):
    with pytest.raises(NewerVersionError):
        validate(source_of(two_units, "a", format_version=999))


def test_error_after_last_record_propagates(two_units):
    class Failing(MemorySource):
        def records(self, reporter=None):
            yield from super().records(reporter)
            raise DamagedBundleError("The bundle is damaged.")

    with pytest.raises(DamagedBundleError):
        validate(Failing(unit_wires(two_units, "a")))


def test_cancel_stops_validation(two_units):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        validate(source_of(two_units, "a"), Reporter(cancel=token))
