"""Deleting a unit, undoably: a safety snapshot of every section is written first (inside the same
write transaction, like an import's), so ``undo`` brings the unit back (under a fresh id)."""

from __future__ import annotations

from core.progress import Reporter
from core.support.clock import now_iso
from core.unit.records import SECTIONS


def delete_unit(store, home, secrets, name: str, *, safety_snapshot: bool = True,
                reporter: Reporter | None = None):
    """Delete unit ``name`` in one transaction; returns (unit, safety snapshot id or None)."""
    from core.events import publish
    from core.unit.digest import unit_digest
    from core.unit_import import safety

    reporter = reporter or Reporter()
    unit = store.get_unit(name)
    digest = unit_digest(store, unit.id) if safety_snapshot else None
    marker = now_iso()
    pending = None
    with safety.import_lock(home):
        try:
            with store.write() as conn:
                unit = store.get_unit(name, conn)
                if safety_snapshot:
                    reporter.stage("safety snapshot", None)
                    pending = safety.write_pending(
                        home, secrets, unit, {s: store.iter_wire(unit.id, s, conn) for s in SECTIONS},
                        reason=f"before deleting unit {unit.name!r}", kind="delete", marker=marker, digest=digest,
                        reporter=reporter)
                    pending.record(conn, unit.id)
                reporter.check()          # last chance to cancel: nothing is committed yet
                store.delete_unit(conn, unit.id)
        except BaseException:
            if pending is not None:
                pending.discard()
            raise
        if pending is not None:
            pending.committed()
    publish(unit.name)
    return unit, (pending.id if pending is not None else None)
