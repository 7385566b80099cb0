"""Data files shipped with the app (schemas/, resources/).

In a wheel they live inside the ``core`` package as ``core/_data/<name>`` (hatch force-include);
in a source checkout or an editable install they are the top-level directories of the project.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path


def data_dir(name: str) -> Traversable:
    """``name`` is ``schemas`` or ``resources``."""
    packaged = resources.files("core") / "_data" / name
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"Unitvault's {name} directory is missing from this installation.")


def read_bytes(name: str, relative: str) -> bytes:
    node = data_dir(name)
    for part in relative.split("/"):
        node = node / part
    return node.read_bytes()
