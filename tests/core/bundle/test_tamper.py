"""Any single-byte change or truncation of a bundle is rejected (exhaustively on tiny bundles)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.bundle import open_bundle, write_bundle
from core.bundle.reader import OpenBundle
from core.errors import UnitvaultError

from .conftest import PASSWORD, RAW_KEY, tiny_unit


@pytest.fixture(scope="module")
def raw_bundle(tmp_path_factory):
    path = tmp_path_factory.mktemp("tamper") / "tiny.uvault"
    write_bundle(path, unit_id="u", unit_name="tiny", sections=tiny_unit(), raw_key=RAW_KEY)
    return path.read_bytes()


def _rejects(path, data: bytes) -> bool:
    path.write_bytes(data)
    try:
        open_bundle(path, raw_key=RAW_KEY).scan()
    except UnitvaultError:
        return True
    return False


def test_every_single_byte_change_is_rejected(raw_bundle, tmp_path):
    path = tmp_path / "x.uvault"
    accepted = [i for i in range(len(raw_bundle))
                if not _rejects(path, raw_bundle[:i] + bytes([raw_bundle[i] ^ 0x80]) + raw_bundle[i + 1:])]
    assert accepted == []


def test_every_truncation_is_rejected(raw_bundle, tmp_path):
    path = tmp_path / "x.uvault"
    accepted = [n for n in range(len(raw_bundle)) if not _rejects(path, raw_bundle[:n])]
    assert accepted == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_byte_changes_are_rejected(raw_bundle, tmp_path, data):
    i = data.draw(st.integers(0, len(raw_bundle) - 1))
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw_bundle[i]))
    assert _rejects(tmp_path / "x.uvault", raw_bundle[:i] + bytes([new]) + raw_bundle[i + 1:])


def test_password_bundle_header_flips_fail_before_kdf_and_payload_flips_fail(tmp_path, floor_kdf, monkeypatch):
    """Header bytes through open_bundle (the hash check runs before any KDF); payload bytes with the
    file key derived once (the same pass open_bundle's result runs)."""
    from core.bundle import keys

    path = tmp_path / "p.uvault"
    write_bundle(path, unit_id="u", unit_name="tiny", sections=tiny_unit(), password=PASSWORD, kdf=floor_kdf)
    good = path.read_bytes()
    opened = open_bundle(path, password=PASSWORD)
    header, key = opened.header, opened._key
    monkeypatch.setattr(keys, "argon2id", lambda *a, **k: (_ for _ in ()).throw(AssertionError("KDF ran")))
    flipped = tmp_path / "f.uvault"
    for i in range(header.header_size):
        flipped.write_bytes(good[:i] + bytes([good[i] ^ 0x01]) + good[i + 1:])
        with pytest.raises(UnitvaultError):
            open_bundle(flipped, password=PASSWORD)
    for i in range(header.header_size, len(good)):
        flipped.write_bytes(good[:i] + bytes([good[i] ^ 0x01]) + good[i + 1:])
        with pytest.raises(UnitvaultError):
            from core.bundle.header import read_header
            from core.bundle.reader import _check_commitment

            h = read_header(flipped)
            with open(flipped, "rb") as fh:
                _check_commitment(fh, h, key)
            OpenBundle(flipped, h, key).scan()
