"""An export's record checks in a helper process (core/bundle/checker.py): the same refusals, with the
same words, as the checks in-process, and no file left behind."""

from __future__ import annotations

import pytest

from core.bundle import write_bundle
from core.bundle.checker import Checker
from core.errors import InvalidRecordError, UnitvaultError
from core.unit.seed import seed_unit
from tests.core.bundle.conftest import RAW_KEY, tiny_unit


@pytest.fixture
def spawned(monkeypatch):
    """Checker processes started by the writer (the helpers are forced on)."""
    monkeypatch.setenv("UNITVAULT_HELPERS", "1")
    started = []
    real = Checker.__init__
    monkeypatch.setattr(Checker, "__init__", lambda self, *a: started.append(self) or real(self, *a))
    return started


def _refusal(path, sections) -> str:
    with pytest.raises(InvalidRecordError) as err:
        write_bundle(path, unit_id="u", unit_name="demo", sections=sections, raw_key=RAW_KEY)
    assert not path.exists()
    return err.value.message


@pytest.mark.parametrize("bad", [
    {"key": "bad key!", "value": 1, "secret": False, "description": ""},
    {"key": "a.b", "value": float("nan"), "secret": False, "description": ""},
    {"key": "a.b", "value": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "secret": False,
     "description": ""},
])
def test_a_record_the_helper_refuses_is_refused_as_in_process_and_leaves_no_file(tmp_path, monkeypatch, spawned, bad):
    unit = tiny_unit()
    unit["config_keys"].append(bad)
    there = _refusal(tmp_path / "there.uvault", unit)
    assert len(spawned) == 1 and spawned[0].proc.poll() is not None     # it ran, and it is gone
    assert spawned[0].proc.args[-1] == "written"                          # the checks of a writer's own blocks
    monkeypatch.setenv("UNITVAULT_HELPERS", "0")
    here = _refusal(tmp_path / "here.uvault", unit)
    assert len(spawned) == 1 and there == here
    assert "record 2" in there                                           # where: its place in the section


def test_a_big_export_checked_by_the_helper_reads_back_whole(tmp_path, store, spawned):
    from core.bundle import export_unit, open_bundle
    from core.unit.digest import digest_sections

    seed_unit(store, "demo", "medium", 3)
    result = export_unit(store, "demo", tmp_path / "demo.uvault", raw_key=RAW_KEY)
    assert len(spawned) == 1
    with store.read() as conn:
        unit = store.get_unit("demo", conn)
        want = digest_sections({s: store.iter_wire(unit.id, s, conn) for s in result.counts if s != "applications"})
    bundle = open_bundle(result.path, raw_key=RAW_KEY)
    got: dict[str, list] = {}
    for section, wire in bundle.records():
        got.setdefault(section, []).append(wire)
    assert digest_sections(got) == want


def test_a_checker_that_stops_refuses_the_export(tmp_path, monkeypatch, spawned):
    """Should the helper die, the export fails with a clear message and writes nothing."""
    real = Checker.block

    def dying(self, *a):
        self.proc.kill()
        self.proc.wait()
        return real(self, *a)

    monkeypatch.setattr(Checker, "block", dying)
    with pytest.raises(UnitvaultError, match="could not be checked") as err:
        write_bundle(tmp_path / "x.uvault", unit_id="u", unit_name="demo", sections=tiny_unit(), raw_key=RAW_KEY)
    assert not isinstance(err.value, InvalidRecordError)      # not said of the records: the helper stopped
    assert not (tmp_path / "x.uvault").exists()


def test_a_writers_blocks_pack_back_to_themselves_so_its_checker_skips_that_proof(store):
    """The reader proves a block canonical by packing its records again; for a block the writer
    packed itself that proof always holds (the checker of an export skips it), on every kind of
    record and value a unit holds: this holds the writer's packer to it."""
    from core.bundle.records import decode_block, new_unpacker, pack_record
    from core.unit.records import SECTIONS

    seed_unit(store, "demo", "small", 4)
    unit = store.get_unit("demo")
    odd = {"key": "a.b", "value": {"z": [1.5, -0.0, 2**63 - 1, -2**63, None, True, "é\u0000"], "a": {}},
           "secret": True, "description": ""}
    for section in SECTIONS:
        records = list(store.iter_wire(unit.id, section)) + ([odd] if section == "config_keys" else [])
        raw = b"".join(pack_record(r) for r in records)
        up = new_unpacker()
        up.feed(raw)
        assert b"".join(pack_record(r) for r in up) == raw, section
        assert decode_block(section, raw, 0, written=True) == decode_block(section, raw, 0)  # same records
