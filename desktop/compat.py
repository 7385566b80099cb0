"""Work around PySide6 6.12 dropping references to None/True/False on CPython 3.11.

PySide6 6.12's abi3 wheels release one reference to ``None`` (or a bool) too many whenever a Python
override or slot returns it (``QAbstractItemModel.data`` returning None for an unused role,
``QRunnable.run``, slots connected to signals). CPython 3.12+ makes these singletons immortal, so
the extra release is harmless there; on 3.11 the count reaches zero after enough calls and the
interpreter aborts with "deallocating None". ``tests/desktop/test_compat.py`` shows the drift.

The fix does on 3.11 what 3.12 does: give the singletons a refcount so large that no amount of
extra releases can bring it to zero. They are statically allocated and never freed either way.
"""

from __future__ import annotations

import sys

_BOOST = 1 << 40
_done = False


def immortalize_singletons() -> None:
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    for obj in (None, True, False, Ellipsis, NotImplemented):
        ctypes.c_ssize_t.from_address(id(obj)).value += _BOOST  # ob_refcnt is PyObject's first field
    _done = True
