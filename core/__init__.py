"""Unitvault's engine: unit store, bundles, restores, account backups and the CLI.

Nothing in this package imports Qt, and importing any module has no side effects.
"""

__version__ = "0.1.0"
