"""Unitvault's desktop app: the only package that imports PySide6."""

from desktop.compat import immortalize_singletons

immortalize_singletons()  # before any Qt call: see desktop/compat.py
