"""A password's key is derived on a thread while the writer streams the records (core/bundle/writer.py):
frames wait in memory, up to a limit, until the header can be written."""

from __future__ import annotations

import pytest

from core.bundle import keys, open_bundle, write_bundle
from core.bundle import writer as W
from core.errors import InvalidInputError
from core.progress import Reporter
from tests.core.bundle.conftest import PASSWORD, tiny_unit


def _many(n: int) -> list[dict]:
    return [{"key": f"k.{i:06d}", "value": f"value number {i} " * 8, "secret": False, "description": "d"}
            for i in range(n)]


@pytest.mark.parametrize("limit", [1, W.WAIT_LIMIT])
def test_a_password_export_reads_back_whatever_waited_for_the_key(tmp_path, floor_kdf, monkeypatch, limit):
    """With room for every frame (they all wait for the key) or for none (the writer waits at once)."""
    monkeypatch.setattr(W, "WAIT_LIMIT", limit)
    records = _many(30_000)          # several blocks
    write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections={"config_keys": records},
                 password=PASSWORD, kdf=floor_kdf)
    got = [w for s, w in open_bundle(tmp_path / "a.uvault", password=PASSWORD).records()]
    assert got == records


def test_the_user_sees_the_key_being_derived_once_every_record_is_in(tmp_path, floor_kdf, monkeypatch):
    import time

    real = keys.password_slot

    def slow(*a, **k):  # a key that takes longer than the records (a small unit's export)
        time.sleep(0.5)
        return real(*a, **k)

    monkeypatch.setattr(keys, "password_slot", slow)
    stages = []
    write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections=tiny_unit(), password=PASSWORD,
                 kdf=floor_kdf, reporter=Reporter(lambda s: stages.append(s.stage)))
    assert stages[0] == "exporting" and "deriving key" in stages


def test_a_short_password_is_refused_before_any_record_is_read(tmp_path, floor_kdf):
    read = []

    def records():
        for w in tiny_unit()["config_keys"]:
            read.append(w)
            yield w

    with pytest.raises(InvalidInputError, match="at least"):
        write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections={"config_keys": records()},
                     password="abc", kdf=floor_kdf)
    assert read == [] and not (tmp_path / "a.uvault").exists()


def test_a_key_derivation_that_fails_leaves_no_file(tmp_path, floor_kdf, monkeypatch):
    def fails(*a, **k):
        raise MemoryError

    monkeypatch.setattr(keys, "password_slot", fails)
    with pytest.raises(MemoryError):
        write_bundle(tmp_path / "a.uvault", unit_id="u", unit_name="demo", sections={"config_keys": _many(5000)},
                     password=PASSWORD, kdf=floor_kdf)
    assert list(tmp_path.iterdir()) == []
