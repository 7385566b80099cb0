"""Every schema is standard Draft 2020-12, closed, versioned, and rejects typical bad records."""

import copy

import jsonschema
import pytest

from core.schemas import KINDS, all_schemas, load_schema, record_errors
from core.unit.seed import generate

GOOD = {
    "unit": {"id": "6b1c7f8e-0000-4000-8000-000000000001", "name": "demo", "display_name": "Demo"},
    "plugin": {"id": "p1", "name": "P", "version": "1.0.0", "enabled": True, "config": {"a": {"b": [1]}},
               "permissions": [{"subject_type": "role", "subject": "admin", "action": "read", "allow": True}],
               "mappings": [{"source": "a", "target": "b"}]},
    "application": {"id": "a1", "name": "A", "kind": "chart", "position": 0, "config": {}},
    "workspace": {"id": "w1", "name": "W", "description": "", "owner": "o",
                  "applications": [{"id": "a1", "name": "A", "kind": "chart", "position": 0, "config": {}}]},
    "profile": {"id": "p1", "name": "P", "description": "", "workspaces": ["w1"]},
    "config_key": {"key": "mail.smtp.host", "value": {"x": [1, 2]}, "secret": False, "description": ""},
}

BAD = [
    ("plugin", lambda r: r.update(extra=1), "additionalProperties"),
    ("plugin", lambda r: r.pop("config"), "required"),
    ("plugin", lambda r: r.update(enabled="yes"), "type"),
    ("plugin", lambda r: r.update(name="x" * 201), "maxLength"),
    ("plugin", lambda r: r.update(id="../etc"), "pattern"),
    ("plugin", lambda r: r["permissions"][0].update(subject_type="user"), "enum"),
    ("plugin", lambda r: r["permissions"][0].update(allow=1), "type"),
    ("workspace", lambda r: r["applications"][0].update(position=-1), "minimum"),
    ("workspace", lambda r: r["applications"][0].update(position=1.5), "type"),
    ("workspace", lambda r: r["applications"][0].update(kind="Has Space"), "pattern"),
    ("profile", lambda r: r.update(workspaces=["w1", "w1"]), "uniqueItems"),
    ("profile", lambda r: r.update(workspaces="w1"), "type"),
    ("config_key", lambda r: r.update(key="bad..key"), "pattern"),
    ("config_key", lambda r: r.update(key="key\nnewline"), "pattern"),
    ("config_key", lambda r: r.update(secret=None), "type"),
    ("config_key", lambda r: r.update(value="x" * (1024 * 1024 + 1)), "maxLength"),
    ("config_key", lambda r: r.update(value=float("nan")), "type"),
    ("unit", lambda r: r.update(name="Upper"), "pattern"),
    ("unit", lambda r: r.update(id="not-a-uuid"), "pattern"),
]


@pytest.mark.parametrize("kind", KINDS)
def test_schemas_are_valid_draft_2020_12_with_id_and_version(kind):
    schema = load_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:unitvault:schema:")
    assert schema["version"] == 1
    if kind != "json-value":
        assert schema["additionalProperties"] is False


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_good_records_pass(kind):
    assert record_errors(kind, GOOD[kind]) == []


@pytest.mark.parametrize("kind,mutate,rule", BAD)
def test_bad_records_are_rejected_with_a_location_and_never_the_value(kind, mutate, rule):
    record = copy.deepcopy(GOOD[kind])
    mutate(record)
    errors = record_errors(kind, record)
    assert any(rule in e for e in errors), errors
    for e in errors:
        assert "x" * 50 not in e and "nan" not in e.lower()


def test_demo_data_validates_with_a_reference_validator_too():
    """The schemas are standard: the pure-Python jsonschema agrees with the fast validator."""
    from referencing import Registry, Resource

    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in all_schemas().values())
    kinds = {"plugins": "plugin", "workspaces": "workspace", "profiles": "profile", "config_keys": "config_key"}
    for section, records in generate("small", 0).items():
        validator = jsonschema.Draft202012Validator(load_schema(kinds[section]), registry=registry)
        for i, record in enumerate(records):
            if i > 200:
                break
            validator.validate(record)


@pytest.mark.parametrize("kind,mutate,rule", BAD)
def test_both_validator_backends_give_the_same_answers(kind, mutate, rule):
    record = copy.deepcopy(GOOD[kind])
    mutate(record)
    fast = record_errors(kind, record, backend="rust")
    reference = record_errors(kind, record, backend="python")
    assert any(rule in e for e in reference), reference
    assert sorted(fast) == sorted(reference)
    assert record_errors(kind, GOOD[kind], backend="python") == []
