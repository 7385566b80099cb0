"""Property: any unit (records the schemas accept) round-trips export -> decode to the same digest."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.bundle import open_bundle, write_bundle
from core.schemas import section_errors
from core.unit.digest import digest_sections
from core.unit.records import SECTIONS

from .conftest import RAW_KEY

ident = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}\Z")
text = st.text(max_size=40)
name = st.text(min_size=1, max_size=40)
scalar = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1),
                   st.floats(allow_nan=False, allow_infinity=False), text)
json_value = st.recursive(scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
config = st.dictionaries(st.text(max_size=10), json_value, max_size=4)

plugin = st.fixed_dictionaries({
    "id": ident, "name": name, "version": st.from_regex(r"\A[0-9][0-9.]{0,8}\Z"), "enabled": st.booleans(),
    "config": config,
    "permissions": st.lists(st.fixed_dictionaries({
        "subject_type": st.sampled_from(["profile", "role"]), "subject": st.from_regex(r"\A[a-z]{1,10}\Z"),
        "action": st.sampled_from(["read", "write", "admin"]), "allow": st.booleans()}), max_size=3),
    "mappings": st.lists(st.fixed_dictionaries({"source": st.from_regex(r"\A[a-z]{1,8}\Z"),
                                                "target": st.from_regex(r"\A[a-z]{1,8}\Z")}), max_size=2)})
application = st.fixed_dictionaries({"id": ident, "name": name, "kind": st.from_regex(r"\A[a-z]{1,10}\Z"),
                                     "position": st.integers(0, 100000), "config": config})
workspace = st.fixed_dictionaries({"id": ident, "name": name, "description": text,
                                   "owner": st.from_regex(r"\A[a-z]{1,8}@example\.org\Z"),
                                   "applications": st.lists(application, max_size=3, unique_by=lambda a: a["id"])})
profile = st.fixed_dictionaries({"id": ident, "name": name, "description": text,
                                 "workspaces": st.lists(ident, max_size=3, unique=True)})
config_key = st.fixed_dictionaries({"key": st.from_regex(r"\A[a-z0-9_-]{1,12}(\.[a-z0-9_-]{1,12}){0,2}\Z"),
                                    "value": json_value, "secret": st.booleans(), "description": text})


def unique(strategy, key):
    return st.lists(strategy, max_size=6, unique_by=lambda r: r[key])


unit = st.fixed_dictionaries({"plugins": unique(plugin, "id"), "workspaces": unique(workspace, "id"),
                              "profiles": unique(profile, "id"), "config_keys": unique(config_key, "key")})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(sections=unit, compress=st.booleans())
def test_any_valid_unit_round_trips_to_the_same_digest(tmp_path, sections, compress):
    sections = {s: [r for r in sections[s] if not section_errors(s, r)] for s in SECTIONS}
    path = tmp_path / "p.uvault"
    write_bundle(path, unit_id="u", unit_name="prop", sections=sections, raw_key=RAW_KEY, compress=compress,
                 overwrite=True)
    got: dict[str, list] = {s: [] for s in SECTIONS}
    for section, wire in open_bundle(path, raw_key=RAW_KEY).records():
        got[section].append(wire)
    assert digest_sections(got) == digest_sections(sections)
    assert got == sections
