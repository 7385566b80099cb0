"""A small password strength estimate for the CLI's warning and the GUI's meter.

Not a cracking model: an entropy estimate from length and character variety, cut down for common
passwords, repeats and keyboard or alphabet runs. Scores follow the zxcvbn scale (0-4).
"""

from __future__ import annotations

import math

_COMMON = frozenset("""
password passw0rd password1 123456 12345678 123456789 1234567890 qwerty qwertz azerty abc123 letmein
welcome admin administrator iloveyou monkey dragon master sunshine princess football baseball shadow
secret changeme unitvault naviga trustno1 hello hello123 default root toor test test123 guest 000000
111111 123123 654321 abcd abcdef abcdefg 1q2w3e4r zaq12wsx asdf asdfgh asdfghjkl qwertyuiop
""".split())
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "qwertzuiopasdfghjklyxcvbnm",
         "azertyuiopqsdfghjklmwxcvbn", "01234567890")
ADVICE = ("Very weak: anyone could guess it. Use four or more random words.",
          "Weak: add more words or characters; avoid common words and patterns.",
          "Fair: a little longer would make it strong.",
          "Strong.",
          "Very strong.")


def _pattern_len(pw: str) -> int:
    """Characters explained by repeats or runs (they add almost nothing)."""
    low = pw.lower()
    explained = 0
    i = 0
    while i < len(low):
        j = i + 1
        while j < len(low) and low[j] == low[i]:
            j += 1
        if j - i >= 3:
            explained += j - i - 1
            i = j
            continue
        best = 1
        for run in _RUNS:
            k = run.find(low[i])
            if k < 0:
                continue
            n = 1
            while i + n < len(low) and k + n < len(run) and low[i + n] == run[k + n]:
                n += 1
            best = max(best, n)
        if best >= 3:
            explained += best - 1
            i += best
        else:
            i += 1
    return explained


def password_strength(password: str) -> tuple[int, str]:
    """``(score 0-4, advice)``; never logs or returns the password."""
    if not password:
        return 0, ADVICE[0]
    base = password.lower().strip("0123456789!?.@#$ ")
    if password.lower() in _COMMON or base in _COMMON:
        return 0, "Very weak: this is one of the most common passwords."
    pool = 0
    if any(c.islower() for c in password):
        pool += 26
    if any(c.isupper() for c in password):
        pool += 26
    if any(c.isdigit() for c in password):
        pool += 10
    if any(not c.isalnum() and c.isascii() for c in password):
        pool += 33
    if any(not c.isascii() for c in password):
        pool += 100
    effective = max(1, len(password) - _pattern_len(password))
    unique = len(set(password.lower()))
    effective = min(effective, unique * 2 + 2)
    bits = effective * math.log2(max(pool, 10))
    score = 0 if bits < 28 else 1 if bits < 40 else 2 if bits < 60 else 3 if bits < 80 else 4
    return score, ADVICE[score]
