"""Writing then reading bundles: content, manifest, slots, atomicity, progress and cancel."""

from __future__ import annotations

import json

import pytest

from core.bundle import export_unit, export_units, generate_recovery_key, open_bundle, read_header, write_bundle
from core.bundle import limits as L
from core.errors import AlreadyExistsError, Cancelled, InvalidInputError, InvalidRecordError, WrongPasswordError
from core.progress import CancelToken, Reporter
from core.unit.digest import digest_sections, unit_digest
from core.unit.records import SECTIONS
from core.unit.seed import seed_unit

from .conftest import PASSWORD, RAW_KEY, listing, tiny_unit


def read_all(bundle) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SECTIONS}
    for section, wire in bundle.records():
        out[section].append(wire)
    return out


def test_password_round_trip_keeps_every_record_and_manifest(tmp_path, floor_kdf):
    unit = tiny_unit()
    res = write_bundle(tmp_path / "a.uvault", unit_id="u-1", unit_name="demo", sections=unit,
                       password=PASSWORD, kdf=floor_kdf)
    assert res.counts == {"plugins": 1, "workspaces": 1, "applications": 1, "profiles": 1, "config_keys": 2}
    assert res.size == (tmp_path / "a.uvault").stat().st_size
    b = open_bundle(tmp_path / "a.uvault", password=PASSWORD)
    assert b.header.kdf == floor_kdf and b.header.slots == ("password",)
    assert b.manifest is None                      # nothing trusted before a full pass
    assert b.manifest_head.unit_name == "demo"
    got = read_all(b)
    assert digest_sections(got) == digest_sections(unit)
    m = b.manifest
    assert m.as_json()["unit"] == {"id": "u-1", "name": "demo"}
    assert m.as_json()["counts"] == res.counts
    assert set(m.sections) == set(SECTIONS) and m.sections["config_keys"].count == 2
    assert digest_sections(read_all(b)) == digest_sections(unit)   # a second fresh pass works too


def test_wrong_password_says_password(tmp_path, floor_kdf):
    write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections=tiny_unit(),
                 password=PASSWORD, kdf=floor_kdf)
    with pytest.raises(WrongPasswordError, match="password"):
        open_bundle(tmp_path / "a.uvault", password="not the password")


def test_recovery_slot_opens_without_the_password(tmp_path, floor_kdf):
    private, public = generate_recovery_key()
    write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections=tiny_unit(),
                 password=PASSWORD, kdf=floor_kdf, recovery_public_key=public)
    assert read_header(tmp_path / "a.uvault").slots == ("password", "recovery")
    b = open_bundle(tmp_path / "a.uvault", recovery_identity=private)
    assert digest_sections(read_all(b)) == digest_sections(tiny_unit())
    other, _ = generate_recovery_key()
    with pytest.raises(WrongPasswordError):
        open_bundle(tmp_path / "a.uvault", recovery_identity=other)


def test_raw_key_bundle_has_no_kdf_and_needs_the_key(tmp_path):
    write_bundle(tmp_path / "s.uvault", unit_id="u", unit_name="demo", sections=tiny_unit(), raw_key=RAW_KEY)
    h = read_header(tmp_path / "s.uvault")
    assert h.kdf is None and h.slots == ("raw-key",)
    assert h.as_json()["kdf"] is None
    assert open_bundle(tmp_path / "s.uvault", raw_key=RAW_KEY).scan().counts["plugins"] == 1
    with pytest.raises(WrongPasswordError):
        open_bundle(tmp_path / "s.uvault", raw_key=bytes(32))
    with pytest.raises(WrongPasswordError):
        open_bundle(tmp_path / "s.uvault", password="whatever")


def test_empty_unit_round_trips(tmp_path):
    empty = {s: [] for s in SECTIONS}
    write_bundle(tmp_path / "e.uvault", unit_id="u", unit_name="empty", sections=empty, raw_key=RAW_KEY)
    b = open_bundle(tmp_path / "e.uvault", raw_key=RAW_KEY)
    assert read_all(b) == empty
    assert b.manifest.counts == dict.fromkeys(("plugins", "workspaces", "applications", "profiles", "config_keys"), 0)


def _sized_unit(desc_len: int) -> dict[str, list[dict]]:
    """Config keys of 200-character descriptions (one msgpack str8 each) plus one to fine-tune."""
    n, rest = divmod(desc_len, 200)
    keys = [{"key": f"k{i:04d}", "value": 0, "secret": False, "description": "d" * 200} for i in range(n)]
    keys.append({"key": "kzz", "value": 0, "secret": False, "description": "e" * rest})
    return {"plugins": [], "workspaces": [], "profiles": [], "config_keys": keys}


def _plaintext_size(path) -> int:
    h = read_header(path)
    ct = h.ciphertext_size - L.COBBLESTONE_PREFIX
    chunks = (ct + L.COBBLESTONE_CHUNK_CT - 1) // L.COBBLESTONE_CHUNK_CT
    return ct - 16 * chunks


@pytest.mark.parametrize("target", [L.COBBLESTONE_CHUNK - 1, L.COBBLESTONE_CHUNK, L.COBBLESTONE_CHUNK + 1,
                                    2 * L.COBBLESTONE_CHUNK, 2 * L.COBBLESTONE_CHUNK + 1])
def test_round_trip_at_chunk_boundaries(tmp_path, target):
    path = tmp_path / "c.uvault"
    base = _sized_unit(1000)
    write_bundle(path, unit_id="u", unit_name="c", sections=base, raw_key=RAW_KEY, compress=False)
    desc = 1000 + target - _plaintext_size(path)
    for _ in range(8):                        # record and string headers change the size a little
        write_bundle(path, unit_id="u", unit_name="c", sections=_sized_unit(desc), raw_key=RAW_KEY,
                     compress=False, overwrite=True)
        diff = target - _plaintext_size(path)
        if diff == 0:
            break
        desc += diff
    assert _plaintext_size(path) == target
    b = open_bundle(path, raw_key=RAW_KEY)
    assert digest_sections(read_all(b)) == digest_sections(_sized_unit(desc))


def test_existing_file_is_refused_and_untouched(tmp_path):
    target = tmp_path / "a.uvault"
    target.write_bytes(b"keep me")
    with pytest.raises(AlreadyExistsError):
        write_bundle(target, unit_id="u", unit_name="demo", sections=tiny_unit(), raw_key=RAW_KEY)
    assert target.read_bytes() == b"keep me"
    write_bundle(target, unit_id="u", unit_name="demo", sections=tiny_unit(), raw_key=RAW_KEY, overwrite=True)
    assert open_bundle(target, raw_key=RAW_KEY).scan().unit_name == "demo"


def test_bad_record_leaves_no_file(tmp_path):
    unit = tiny_unit()
    unit["config_keys"].append({"key": "bad key!", "value": 1, "secret": False, "description": ""})
    with pytest.raises(InvalidRecordError):
        write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections=unit, raw_key=RAW_KEY)
    assert listing(tmp_path) == {}


def test_cancel_leaves_no_file_and_progress_reaches_the_sink(tmp_path, store):
    seed_unit(store, "demo", "small", 1)
    token = CancelToken()
    seen = []

    def sink(state):
        seen.append(state)
        if state.stage == "exporting" and state.done > 100:
            token.cancel()

    with pytest.raises(Cancelled):
        export_unit(store, "demo", tmp_path / "x.uvault",
                    raw_key=RAW_KEY, reporter=Reporter(sink, token, min_interval=0))
    assert not any(p.name.endswith(".uvault") or p.suffix == ".part" for p in tmp_path.iterdir())
    assert any(s.stage == "exporting" and s.total == 1080 for s in seen)


def test_password_floor_and_kdf_floor(tmp_path, floor_kdf):
    from core.bundle.header import KdfParams

    with pytest.raises(InvalidInputError):
        write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="d", sections={}, password="abc", kdf=floor_kdf)
    with pytest.raises(InvalidInputError):
        write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="d", sections={}, password=PASSWORD,
                     kdf=KdfParams(32 * 1024, 2, 1))
    with pytest.raises(InvalidInputError):
        write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="d", sections={}, password=PASSWORD,
                     raw_key=RAW_KEY)
    assert listing(tmp_path) == {}


def test_export_unit_matches_the_store_digest(tmp_path, store, floor_kdf):
    unit = seed_unit(store, "demo", "small", 3)
    res = export_unit(store, "demo", tmp_path / "d.uvault", password=PASSWORD, kdf=floor_kdf)
    assert res.counts == store.counts(unit.id).as_dict()
    b = open_bundle(res.path, password=PASSWORD)
    assert digest_sections(read_all(b)) == unit_digest(store, unit.id)
    assert b.manifest.unit_id == unit.id and b.manifest.unit_name == "demo"


def test_export_units_continues_past_a_failure_with_own_keys(tmp_path, store):
    seed_unit(store, "one", "small", 1)
    seed_unit(store, "two", "small", 2)
    out = tmp_path / "out"
    out.mkdir()
    result = export_units(store, ["one", "missing", "two"], out, raw_key=RAW_KEY)
    assert [n for n, _ in result.failed] == ["missing"]
    assert len(result.written) == 2 and not result.ok
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and names[0].startswith("one-") and names[1].startswith("two-")
    h1, h2 = (read_header(w.path) for w in result.written)
    assert h1.header_hash != h2.header_hash           # own salt and file key per bundle
    with pytest.raises(InvalidInputError):
        export_units(store, ["one"], out, raw_key=RAW_KEY, name_template="{date}.uvault")


def test_manifest_json_has_exactly_the_documented_keys(tmp_path):
    write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections=tiny_unit(), raw_key=RAW_KEY)
    m = open_bundle(tmp_path / "a.uvault", raw_key=RAW_KEY).scan()
    assert list(m.as_json()) == ["unit", "created", "app_version", "counts"]
    assert list(read_header(tmp_path / "a.uvault").as_json()) == ["format_version", "kdf", "file_size"]
    json.dumps(m.as_json())


def test_packed_records_write_the_same_bundle_content(tmp_path, monkeypatch):
    from core.bundle.writer import PackedRecords

    unit = tiny_unit()
    monkeypatch.setattr(L, "BLOCK_TARGET", 64)  # several blocks per section
    packed = {}
    for section, wires in unit.items():
        p = packed[section] = PackedRecords()
        for w in wires * 3:
            p.add(w, len(w.get("applications", ())) if section == "workspaces" else 0)
    plain = {s: w * 3 for s, w in unit.items()}
    a = write_bundle(tmp_path / "a.uvault", unit_id="u-1", unit_name="demo", sections=plain, raw_key=RAW_KEY,
                     validate=False)
    b = write_bundle(tmp_path / "b.uvault", unit_id="u-1", unit_name="demo", sections=packed, raw_key=RAW_KEY,
                     validate=False)
    assert a.counts == b.counts
    ra, rb = open_bundle(a.path, raw_key=RAW_KEY), open_bundle(b.path, raw_key=RAW_KEY)
    assert read_all(ra) == read_all(rb) == plain
    assert ra.manifest.sections == rb.manifest.sections  # counts, sizes and hashes agree
    with pytest.raises(InvalidInputError):  # packed records skip the record checks: only on request
        write_bundle(tmp_path / "c.uvault", unit_id="u-1", unit_name="demo", sections=packed, raw_key=RAW_KEY)
    assert not (tmp_path / "c.uvault").exists()
