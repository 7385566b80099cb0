"""Decoding untrusted blocks: a hostile block is refused before it can cost memory."""

import tracemalloc

import pytest

from core.bundle.records import decode_block
from core.errors import InvalidContentError


def test_a_block_of_millions_of_tiny_records_is_refused_before_it_becomes_objects():
    """2 MiB of empty maps would be ~330 MiB of Python objects if decoded whole before checking."""
    raw = b"\x80" * (2 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidContentError, match="record 0"):
            decode_block("config_keys", raw, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def _empty_lists(n: int) -> bytes:
    inner = [10_000] * (n // 10_000)
    return b"\xdc" + len(inner).to_bytes(2, "big") + b"".join(
        b"\xdc" + k.to_bytes(2, "big") + b"\x90" * k for k in inner)


def _config_key(value_raw: bytes) -> bytes:
    import msgpack

    pk = msgpack.packb
    return b"\x84" + pk("key") + pk("a.b") + pk("value") + value_raw + pk("secret") + pk(False) + \
        pk("description") + pk("")


def test_one_record_of_fifteen_million_empty_lists_is_refused_while_decoding():
    """Within every per-array cap and under the block cap, yet ~1 GB of Python lists if decoded whole."""
    raw = _config_key(_empty_lists(15_000_000))
    assert len(raw) < 16 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(InvalidContentError, match="record 0: the record holds more than 100,000 maps and arrays"):
            decode_block("config_keys", raw, 0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_the_container_cap_is_exact_and_the_writer_holds_to_it(tmp_path):
    import msgpack

    from core.bundle import limits as L
    from core.bundle.records import check_record
    from core.bundle.writer import write_bundle
    from core.errors import InvalidRecordError

    # the record's map + the value's array + 10 arrays of 9,998 maps each + 5 empty arrays
    value = [[{} for _ in range(9_998)] for _ in range(10)] + [[] for _ in range(5)]
    rec = {"key": "a.b", "value": value, "secret": False, "description": ""}
    assert 2 + 10 + 10 * 9_998 + 5 == L.MAX_CONTAINERS - 3
    at_cap = {**rec, "value": value + [[], [], []]}
    over = {**rec, "value": value + [[], [], [], []]}
    check_record("config_keys", 0, at_cap)
    assert decode_block("config_keys", msgpack.packb(at_cap), 0) == [at_cap]
    with pytest.raises(InvalidContentError, match="record 0: the record holds more than 100,000"):
        decode_block("config_keys", msgpack.packb(over), 0)
    with pytest.raises(InvalidContentError, match="more than 100,000 maps and arrays"):
        check_record("config_keys", 0, over)
    with pytest.raises(InvalidRecordError, match="more than 100,000 maps and arrays"):
        write_bundle(tmp_path / "x.uvault", unit_id="u", unit_name="x", raw_key=b"k" * 32,
                     sections={"config_keys": [over]})
    assert not (tmp_path / "x.uvault").exists()


def test_a_small_bundle_of_fifteen_million_empty_lists_stays_bounded(tmp_path):
    import json
    from pathlib import Path

    from core.bundle import open_bundle

    vectors = Path(__file__).resolve().parents[2] / "vectors"
    entry = json.loads((vectors / "manifest.json").read_text())["bad/fifteen-million-empty-lists.uvault"]
    path = vectors / "bad" / "fifteen-million-empty-lists.uvault"
    assert path.stat().st_size < 4096
    bundle = open_bundle(path, password=entry["password"])
    tracemalloc.start()
    try:
        with pytest.raises(InvalidContentError, match="maps and arrays"):
            bundle.scan()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def _nested(depth: int, leaf):
    for _ in range(depth):
        leaf = {"k": [leaf]} if depth % 2 else [leaf]
    return leaf


@pytest.mark.parametrize("value, why", [
    (float("nan"), "not finite"), (float("inf"), "not finite"), ({"x": [1.5, -float("inf")]}, "not finite"),
    (_nested(40, 1), "nesting deeper"), ([[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "nesting deeper"),
])
def test_an_export_refuses_the_values_a_reader_would_refuse(tmp_path, value, why):
    """The writer proves most records within the limits from their packed bytes; the rest are walked,
    so a value a reader refuses is never written."""
    from core.bundle import write_bundle
    from core.errors import InvalidRecordError

    record = {"key": "a.b", "value": value, "secret": False, "description": ""}
    with pytest.raises(InvalidRecordError, match=why):
        write_bundle(tmp_path / "x.uvault", unit_id="u", unit_name="x", sections={"config_keys": [record]},
                     raw_key=b"k" * 32)
    assert not (tmp_path / "x.uvault").exists()


def test_the_byte_level_proof_never_passes_a_value_the_walk_refuses():
    """Soundness of the fast path: whenever a record's bytes prove it within the limits, walking it
    agrees, and the bound is at least the real number of maps and arrays."""
    import math
    import random

    from core.bundle.records import _check_values, _plainly_bounded, pack_record

    rnd = random.Random(5)
    leaves = [0, 1, -1, 2**40, 0.5, -2.5e300, math.nan, math.inf, -math.inf, "é\u02c7", "x" * 40, None, True,
              5e-324, 1.7976931348623157e308]

    def value(depth):
        roll = rnd.random()
        if depth > 36 or roll < 0.4:
            return rnd.choice(leaves)
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rnd.randrange(4))]
        return {f"k{i}": value(depth + 1) for i in range(rnd.randrange(4))}

    def app(i):
        return {"id": f"a{i}", "name": "n", "kind": "k", "position": i, "config": {"c": value(5)}}

    proven = walked = 0
    for n in range(3000):
        if n % 2:
            section, record = "config_keys", {"key": "a.b", "value": value(2), "secret": False, "description": ""}
        else:
            section = "workspaces"
            record = {"id": "w", "name": "w", "description": "", "owner": "o@example.org",
                      "applications": [app(i) for i in range(rnd.randrange(12))]}
        bound = _plainly_bounded(section, record, pack_record(record))
        if bound < 0:
            walked += 1
            continue
        proven += 1
        assert _check_values(section, record) <= bound      # raises on anything over the limits
    assert proven > 500 and walked > 500
    # a float marker's byte that is not a float: an integer 203 (0xcc 0xcb), last in its record
    for tail in ([1, 203], 203, [0.5, 203]):
        record = {"id": "p", "name": "n", "description": "", "workspaces": tail}
        packed = pack_record(record)
        assert packed.endswith(b"\xcb") and _plainly_bounded("profiles", record, packed) == -1


@pytest.mark.parametrize("apps", [1, 2, 5, 12])
def test_a_workspace_nested_one_level_too_deep_is_never_proven_within_the_limit(apps):
    """At the edge: an application config reaching exactly the deepest level a reader takes passes,
    one level more is walked and refused, however many applications sit beside it."""
    from core.bundle.records import _Bad, _check_values, _plainly_bounded, pack_record

    def workspace(depth):          # the record (1), applications (2), an application (3), its config (4) ...
        deep: object = 0
        for _ in range(depth - 4):
            deep = [deep]
        configs = [{"c": deep}] + [None] * (apps - 1)     # the others: one map each, off the path
        return {"id": "w", "name": "w", "description": "", "owner": "o@example.org",
                "applications": [{"id": f"a{i}", "name": "n", "kind": "k", "position": i, "config": c}
                                 for i, c in enumerate(configs)]}

    edge, over = workspace(32), workspace(33)
    assert _plainly_bounded("workspaces", edge, pack_record(edge)) >= 0
    _check_values("workspaces", edge)
    assert _plainly_bounded("workspaces", over, pack_record(over)) == -1
    with pytest.raises(_Bad):
        _check_values("workspaces", over)


@pytest.mark.parametrize("bad", [None, 2, -1])
def test_a_second_pass_decodes_a_block_whole_and_names_a_record_that_is_not_a_map(bad):
    """An import's second pass decodes blocks the first one checked, without the checks, but still
    refuses a record that is not a map or is cut off (the file changed since), naming that record."""
    from core.bundle.records import decode_block_unchecked, pack_record

    records = [{"key": f"k{i}", "value": i, "secret": False, "description": ""} for i in range(5)]
    raw = b"".join(map(pack_record, records))
    assert decode_block_unchecked("config_keys", raw, 10) == records
    if bad is None:       # cut off inside the last record
        raw, why = raw[:-3], "record 14: the record is cut off"
    else:
        raw, why = b"".join(pack_record(r if i != bad % 5 else [r]) for i, r in enumerate(records)), \
            f"record {10 + bad % 5}: the record is not a map"
    with pytest.raises(InvalidContentError, match=why):
        decode_block_unchecked("config_keys", raw, 10)
