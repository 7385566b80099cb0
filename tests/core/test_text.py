"""The one sanitizer for text from outside (destinations, bundles, servers) and the places that use it."""

from __future__ import annotations

import os

import pytest

from core.support.text import printable


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain name-1.txt", "plain name-1.txt"),
    ("ünïcödé ✓ 日本", "ünïcödé ✓ 日本"),
    ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
    ("a\nb\rc\td", "a\\x0ab\\x0dc\\x09d"),
    ("\x07bell\x7f", "\\x07bell\\x7f"),
    ("\x9b2J", "\\x9b2J"),                         # C1 CSI
    ("evil\u202eexe.txt", "evil\\u202eexe.txt"),    # right-to-left override
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\u2028sep", "line\\u2028sep"),
])
def test_printable_escapes_what_can_move_hide_or_recolour_text(raw, shown):
    assert printable(raw) == shown


def test_printable_bytes_and_undecodable_names():
    assert printable(b"ok\xff\x1b") == "ok\\xff\\x1b"
    assert printable(os.fsdecode(b"name-\xfe")) == "name-\\xfe"
    assert printable(42) == "42"


def test_printable_cuts_long_text_and_bounds_the_work():
    out = printable("x" * 10_000_000, limit=50)
    assert out == "x" * 50 + "\u2026"
    assert printable("\x1b" * 1000, limit=20).count("\\x1b") == 5


def test_schema_problems_escape_hostile_property_names():
    from core.schemas import record_errors

    problems = record_errors("plugin", {"\x1b]0;owned\x07": 1, "id": "\x1b[2J"})
    assert problems and all("\x1b" not in p and "\x07" not in p for p in problems)


def test_validation_problem_lines_escape_the_record_key():
    from core.unit_import.validate import _loc

    assert "\x1b" not in _loc("plugins", 3, "\x1b[2Jbad")


def test_s3_error_codes_from_the_server_are_escaped():
    from core.destinations.s3 import S3Destination

    class Hostile(Exception):
        response = {"Error": {"Code": "\x1b[2JSlowDownPlease"}, "ResponseMetadata": {"HTTPStatusCode": 400}}

    dest = S3Destination("d", bucket="b", access_key_id="k", secret_access_key="s")
    err = dest._classify(Hostile(), "read", "x")
    assert "\x1b" not in err.message and "\\x1b" in err.message
