"""One way to write a size for people: binary units, one decimal above bytes."""

from __future__ import annotations

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def format_size(n: float) -> str:
    n = float(n)
    for suffix in _UNITS:
        if abs(n) < 1024 or suffix == _UNITS[-1]:
            return f"{n:.0f} {suffix}" if suffix == "B" else f"{n:.1f} {suffix}"
        n /= 1024
    return f"{n:.1f} {_UNITS[-1]}"  # pragma: no cover
