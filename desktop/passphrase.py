"""Generated passphrases: six words from a 1,024-word list (60 bits), joined by dashes."""

from __future__ import annotations

import secrets

_SYLLABLES_A = ("ba", "ce", "di", "fo", "gu", "ha", "ke", "li", "mo", "nu", "pa", "re", "si", "to", "vu", "za",
                "bro", "cla", "dre", "fli", "gra", "kro", "pla", "sto", "tri", "vel", "wan", "yor")
_SYLLABLES_B = ("lan", "mer", "dor", "vik", "sen", "tal", "bor", "nix", "ral", "pon", "dax", "rum", "fel",
                "gon", "wyn", "zor", "kin", "mos", "ter", "lio", "ven", "das", "rok", "tix", "quin", "sol", "bex",
                "nar", "lup", "dri", "mek", "sar", "vok", "hel", "pim", "cor", "tud")


def _wordlist() -> list[str]:
    words = sorted({a + b for a in _SYLLABLES_A for b in _SYLLABLES_B})
    return words[:1024]


WORDS = _wordlist()


def generate(words: int = 6) -> str:
    return "-".join(secrets.choice(WORDS) for _ in range(words))
