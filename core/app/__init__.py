"""The application layer: one use case per operation, the one door the CLI and the GUI come through.

Each area has a short module (``units``, ``bundles``, ``imports``, ``accounts``, ``destinations``,
``backups``, ``settings``, ``jobs``, ``tags``, ``queue``, ``schedule``; who may do what: ``users``,
``tokens``, ``modes`` (backup modes, plans, access settings), ``mybackups`` (user-configured backups),
``notify``, ``audit``) of functions
``fn(ctx, request, *, actor=None, reporter=None) -> Result`` with typed request and result dataclasses. Every one is decorated with ``@use_case`` (usecase.py):
the one wrapper that asks the policy, logs, and is where audit entries and queueing attach.
``context.py`` is the wiring (home, stores, secrets, clock, actor). See docs/architecture.md.
"""

AREAS = ("units", "bundles", "imports", "accounts", "destinations", "backups", "settings", "jobs", "tags", "queue",
         "schedule", "stores", "users", "tokens", "modes", "mybackups", "notify", "audit")


def load_all() -> None:
    """Import every area so that ``usecase.REGISTRY`` lists every use case."""
    import importlib

    for area in AREAS:
        importlib.import_module(f"core.app.{area}")
