"""File names shown as text: always valid UTF-8, unchanged when they can be, and reversible."""

from __future__ import annotations

import json
import os

from hypothesis import given
from hypothesis import strategies as st

from core.support.names import escape_name, unescape_name


def test_ordinary_names_are_unchanged():
    assert escape_name(b"notes.txt") == "notes.txt"
    assert escape_name("résumé/日本.txt".encode()) == "résumé/日本.txt"
    assert escape_name(os.fsdecode(b"caf\xc3\xa9")) == "café"


def test_bytes_that_are_not_utf8_and_backslashes_are_escaped():
    assert escape_name(b"caf\xe9") == "caf\\xe9"
    assert escape_name(os.fsdecode(b"caf\xe9")) == "caf\\xe9"       # a surrogate-escaped str too
    assert escape_name(b"a\\b") == "a\\\\b"
    assert escape_name(b"\xff\xfe\\x41") == "\\xff\\xfe\\\\x41"
    assert escape_name(b"\xed\xa0\x80") == "\\xed\\xa0\\x80"          # an encoded surrogate is not UTF-8


@given(st.binary(max_size=64))
def test_any_name_gives_valid_utf8_json_and_comes_back_exactly(raw):
    text = escape_name(raw)
    text.encode("utf-8")                                              # no lone surrogates
    dumped = json.dumps({"path": text}, ensure_ascii=False).encode("utf-8")
    assert unescape_name(json.loads(dumped.decode("utf-8"))["path"]) == raw


def test_a_stray_backslash_is_not_an_escape():
    import pytest

    for bad in ("a\\b", "\\x4", "end\\"):
        with pytest.raises(ValueError):
            unescape_name(bad)
