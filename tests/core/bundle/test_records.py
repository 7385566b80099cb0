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
