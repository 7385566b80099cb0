"""Preview an import (validate, read the target, plan) and apply exactly that plan in one transaction.

``apply_import`` writes the records validation held in memory (compressed; see held.py) or, when
they were not held, streams the source a second time inside the write transaction and checks every
record it writes against the hash validation recorded; either way what is written is what was
previewed. Under the write lock it compares the unit's change counter (``units.revision``, bumped
by every mutating store call) with the one the preview read, and refuses if the unit changed since
the preview; the safety snapshot then streams the affected sections straight from the store into
the snapshot writer (a key-and-count cross-check, no hashing). A preview without a revision falls
back to re-reading and re-hashing the chosen sections. Any error, or a cancel before commit, rolls
everything back, and the snapshot taken for the attempt is removed again. After commit, a "unit
changed" event is published.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import threading
from dataclasses import dataclass, replace
from operator import itemgetter

from core.errors import DamagedBundleError, OtherUnitError, PlanRefusedError
from core.progress import CancelToken, Reporter
from core.unit.digest import record_hash
from core.unit.records import SECTIONS, Unit, wire_key
from core.unit.store import check_unit_name
from core.unit_import.hashes import gc_paused
from core.unit_import.plan import RestorePlan, compute_plan
from core.unit_import.target import TargetState, _read_target, fetch_wires
from core.unit_import.validate import ValidationResult, validate

# A replace section is wiped and re-inserted whole when more than this share of it changes;
# otherwise only the removed and changed records are deleted and re-inserted.
WIPE_SHARE = 0.5
DIFF_LIMIT = 200


@dataclass(frozen=True)
class ImportPreview:
    target_name: str
    validation: ValidationResult
    target: Unit | None  # the existing unit, or None when the import creates it
    target_state: TargetState
    other_unit: bool  # the source comes from another unit than the existing target
    plan: RestorePlan
    snapshot_id: str | None = None  # the safety snapshot this preview restores (None: not a snapshot)

    def with_choice(self, mode: str, sections=None) -> ImportPreview:
        """The same preview with another mode/section choice (recomputes only the plan; no I/O)."""
        return replace(self, plan=compute_plan(self.validation, self.target_state, mode, sections))

    def to_json(self, limit: int | None = 50) -> dict:
        v = self.validation
        return {"target": {"name": self.target_name, "exists": self.target is not None,
                           "id": self.target.id if self.target else None},
                "source": v.to_json(), "other_unit": self.other_unit, "plan": self.plan.to_json(limit)}


@dataclass(frozen=True)
class ImportResult:
    unit: Unit
    snapshot_id: str | None
    digest_before: str | None
    digest_after: str
    plan: RestorePlan

    def to_json(self) -> dict:
        return {"unit": {"id": self.unit.id, "name": self.unit.name}, "snapshot_id": self.snapshot_id,
                "digest_before": self.digest_before, "digest_after": self.digest_after,
                "totals": self.plan.totals, "affected_sections": list(self.plan.affected_sections)}


def preview_import(store, source, target_name: str, *, mode: str = "replace", sections=None,
                   reporter: Reporter | None = None, diff_limit: int = DIFF_LIMIT,
                   hold_records: bool = True) -> ImportPreview:
    """Validate ``source``, read the target unit and compute the plan. Writes nothing.

    With ``hold_records`` the validated records are kept compressed in memory (core/unit_import/held.py)
    and apply writes exactly those; without it, apply streams the source again and checks every
    record it writes against the hash validation recorded.
    """
    reporter = reporter or Reporter()
    check_unit_name(target_name)
    unit = store.find_unit(target_name)
    state = _read_target(store, unit, reporter, pack=True)

    keep = None
    if unit is not None:
        def keep(section, key, h, _t=state.hashes):
            old = _t[section].get(key)
            return old is not None and old != h

    validation = validate(source, reporter, keep=keep, keep_limit=diff_limit, hold=hold_records)
    if unit is not None and validation.retained:
        wanted = {s: set(w) for s, w in validation.retained.items()}
        if state.packed is not None:  # the preview's own read, packed: no second read of the store
            state = replace(state, retained=_wires_from_packed(state.packed, wanted))
        else:
            state = replace(state, retained=fetch_wires(store, unit.id, wanted))
    plan = compute_plan(validation, state, mode, sections)
    return ImportPreview(target_name, validation, unit, state,
                         unit is not None and validation.source_unit_id != unit.id, plan)


def _wires_from_packed(packed: dict, wanted: dict[str, set[str]]) -> dict[str, dict[str, dict]]:
    """``fetch_wires`` over the records the preview read (``TargetState.packed``)."""
    from core.bundle.records import new_unpacker

    out: dict[str, dict[str, dict]] = {}
    for section, keys in wanted.items():
        if not keys:
            continue
        key_name = "key" if section == "config_keys" else "id"
        got: dict[str, dict] = {}
        for block in packed[section].blocks:
            up = new_unpacker()
            up.feed(block)
            for wire in up:
                if wire[key_name] in keys:
                    got[wire[key_name]] = wire
            if len(got) == len(keys):
                break
        out[section] = got
    return out


def _marker() -> str:
    """A unique stamp: its row in import_markers tells, after a crash, whether this import committed."""
    import secrets as _secrets

    stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return f"{stamp}-{_secrets.token_hex(4)}"


def apply_import(store, home, secrets, source, preview: ImportPreview, *, safety_snapshot: bool = True,
                 allow_other_unit: bool = False, reporter: Reporter | None = None,
                 reason: str | None = None, kind: str = "import") -> ImportResult:
    """Execute ``preview.plan`` in one transaction (see the module docstring)."""
    from core.events import publish
    from core.unit_import import safety

    reporter = reporter or Reporter()
    plan = preview.plan
    if preview.other_unit and not allow_other_unit:
        v = preview.validation
        raise OtherUnitError(
            f"The source comes from unit {v.source_unit_name!r} ({v.source_unit_id}), not from unit "
            f"{preview.target_name!r}; importing it needs explicit permission.",
            hint="Pass --allow-other-unit after checking the preview.")
    if not plan.has_changes:
        reporter.check()
        return ImportResult(preview.target, None, plan.digest_before, plan.digest_after, plan)

    marker = _marker()
    pending = None
    job = None
    cache = None
    with safety.import_lock(home):
        try:
            with gc_paused(), store.write() as conn:
                cache = _PageCache(conn)
                unit = _recheck_unit(store, conn, preview)
                state = preview.target_state
                check = _sections_to_check(plan)
                snap_sections = plan.affected_sections if (safety_snapshot and preview.target is not None) else ()
                by_revision = preview.target is not None and state.revision is not None
                if by_revision:
                    # O(1): every mutating store call bumps the revision, and the write lock is held.
                    reporter.stage("checking unit", 1)
                    if store.revision(unit.id, conn, for_update=True) != state.revision:
                        raise _changed_since_preview()
                    reporter.advance(1)
                if snap_sections:
                    reporter.stage("safety snapshot", sum(len(state.hashes[s]) for s in snap_sections))
                    write_snapshot = functools.partial(
                        safety.write_pending, home, secrets, unit,
                        reason=reason or f"before importing {preview.validation.source_unit_name!r}",
                        kind=kind, marker=marker, digest=plan.digest_before)
                    if by_revision and state.packed is not None:
                        # The revision proves the preview's read is the unit as it is now: its packed
                        # records become the snapshot, written while the import deletes and inserts.
                        safety.safety_snapshot_key(secrets)  # created here, on this thread, if it is new
                        job = _SnapshotJob(functools.partial(write_snapshot, {s: state.packed[s] for s in snap_sections}),
                                           reporter.cancel_token)
                    else:
                        pending = write_snapshot(
                            {s: _checked(store.iter_wire(unit.id, s, conn), s, state, reporter,
                                         hashed=not by_revision) for s in snap_sections})
                rest = [s for s in check if s not in snap_sections]
                if rest and preview.target is not None and not by_revision:
                    reporter.stage("checking unit", sum(len(state.hashes[s]) for s in rest))
                    for s in rest:
                        for _ in _checked(store.iter_wire(unit.id, s, conn), s, state, reporter):
                            pass
                _execute(store, conn, unit.id, source, preview, reporter)
                if job is not None:
                    pending = job.result()  # the snapshot is complete and fsynced before anything commits
                reporter.check()  # last chance to cancel: nothing is committed yet
                store.touch(conn, unit.id)
                if pending is not None:  # start-up cleanup keeps the snapshot iff this row committed
                    safety.record_marker(conn, marker, unit.id)
        except BaseException:
            if job is not None:
                pending = job.stop()
            if pending is not None:
                pending.discard()
            raise
        finally:
            if cache is not None:
                cache.restore()
        if pending is not None:
            pending.commit()
    if pending is not None:
        safety.prune(home, unit.id, store)
    reporter.finish()
    final = store.get_unit(unit.name)
    publish(final.name)
    return ImportResult(final, pending.id if pending else None, plan.digest_before, plan.digest_after, plan)


# SQLite's page cache for an import's transaction (KiB). The default 2 MiB makes SQLite spill dirty
# pages to the WAL in the middle of a large import's deletes and inserts; 64 MiB measured ~0.1-0.3 s
# faster on the large demo unit.
IMPORT_CACHE_KIB = 64 * 1024


class _PageCache:
    """Raises the SQLite connection's page cache for the import; ``restore()`` puts the old size back."""

    def __init__(self, conn):
        self._raw = self._old = None
        if conn.dialect.name != "sqlite":
            return
        raw = conn.connection.driver_connection
        (old,) = raw.execute("PRAGMA cache_size").fetchone()
        if old < 0 and -old >= IMPORT_CACHE_KIB:
            return
        raw.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        self._raw, self._old = raw, int(old)

    def restore(self) -> None:
        if self._raw is not None:
            try:
                self._raw.execute(f"PRAGMA cache_size = {self._old}")
            except Exception:  # the connection is gone: nothing to restore
                pass
            self._raw = None


class _EitherCancel(Reporter):
    """A silent reporter for the snapshot thread: stops on the user's cancel or on the import's abort."""

    def __init__(self, cancel: CancelToken, abort: CancelToken):
        super().__init__(None, cancel)
        self._abort = abort

    def check(self) -> None:
        self._abort.raise_if_cancelled()
        super().check()


class _SnapshotJob:
    """Writes the safety snapshot (from the preview's packed records) on a worker thread while the
    import deletes and inserts; compression, encryption and fsync run there without the GIL.

    ``result()`` joins it before the import commits, and any error of the worker surfaces there and
    rolls the import back. The worker reports no progress (sinks such as the GUI's are not
    thread-safe); it stops on the user's cancel and on ``stop()``.
    """

    def __init__(self, write, cancel: CancelToken):
        self._abort = CancelToken()
        self._write = write
        self._reporter = _EitherCancel(cancel, self._abort)
        self.pending = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="unitvault-safety-snapshot", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.pending = self._write(reporter=self._reporter)
        except BaseException as exc:  # re-raised on the importing thread
            self._error = exc

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.pending

    def stop(self):
        """Abort and wait; returns the snapshot if it was already complete (the caller discards it)."""
        self._abort.cancel()
        self._thread.join()
        return self.pending


def _recheck_unit(store, conn, preview: ImportPreview) -> Unit:
    unit = store.find_unit(preview.target_name, conn)
    if preview.target is None:
        if unit is not None:
            raise PlanRefusedError(f"Unit {preview.target_name!r} was created since the preview.",
                                   hint="Preview the import again.")
        return store.create_unit(conn, preview.target_name)
    if unit is None or unit.id != preview.target.id:
        raise PlanRefusedError(f"Unit {preview.target_name!r} was deleted or replaced since the preview.",
                               hint="Preview the import again.")
    return unit


def _sections_to_check(plan: RestorePlan) -> tuple[str, ...]:
    """Target sections the plan's correctness depends on: the chosen ones, and live profiles whenever
    workspaces are rewritten under them."""
    need = set(plan.sections)
    if "workspaces" in need:
        need.add("profiles")
    return tuple(s for s in SECTIONS if s in need)


def _checked(wires, section: str, state: TargetState, reporter: Reporter, *, hashed: bool = True):
    """Pass the target's wires through, refusing if they differ from what the preview read.

    ``hashed=False`` is for when the revision already proved the unit unchanged: then only a
    key-and-count cross-check (nearly free) is made instead of hashing every record."""
    expected = state.hashes[section]
    n = 0
    step = 0
    for wire in wires:
        key = wire_key(section, wire)
        if (expected.get(key) != record_hash(section, wire)) if hashed else (key not in expected):
            raise _changed_since_preview()
        n += 1
        step += 1
        if step >= 1000:
            reporter.advance(step)
            step = 0
        yield wire
    reporter.advance(step)
    if n != len(expected):
        raise _changed_since_preview()


def _changed_since_preview() -> PlanRefusedError:
    return PlanRefusedError("The unit changed since the preview; nothing was imported.",
                            hint="Preview the import again.")


def _execute(store, conn, unit_id: str, source, preview: ImportPreview, reporter: Reporter) -> None:
    plan, v, state = preview.plan, preview.validation, preview.target_state
    deletes: dict[str, object] = {}  # section -> "all" | set of keys
    inserts: dict[str, set | None] = {}  # section -> keys to insert from the stream (None: all)
    for sp in plan.per_section:
        s = sp.section
        if sp.action == "keep" or not sp.has_changes:
            continue
        if sp.action == "merge":
            inserts[s] = set(sp.added)
        elif sp.target_count == 0:
            inserts[s] = None
        elif len(sp.removed) + len(sp.changed) > WIPE_SHARE * sp.target_count:
            deletes[s], inserts[s] = "all", None
        else:
            deletes[s] = set(sp.removed) | set(sp.changed)
            inserts[s] = set(sp.added) | set(sp.changed)

    # Profile assignments point at workspaces without cascade: before any workspace row goes, the
    # live profiles that stay are set aside and re-inserted once the new workspaces are in.
    stash: list[dict] = []
    if deletes.get("workspaces") and state.profile_refs and deletes.get("profiles") != "all":
        gone = deletes.get("profiles") or set()
        stash = [w for w in store.iter_wire(unit_id, "profiles", conn) if w["id"] not in gone]
        deletes["profiles"] = "all"
        inserts.setdefault("profiles", set())

    for s in ("profiles", "workspaces", "plugins", "config_keys"):
        d = deletes.get(s)
        if d == "all":
            store.wipe_section(conn, unit_id, s)
        elif d:
            store.delete_keys(conn, unit_id, s, sorted(d))
    reporter.check()

    total = sum(len(v.hashes[s]) if keys is None else len(keys) for s, keys in inserts.items()) + len(stash)
    reporter.stage("importing", total)
    seen = dict.fromkeys(SECTIONS, 0)
    quiet = Reporter(None, reporter.cancel_token)  # the source's own progress would mix units

    held = v.held
    if held is not None:  # exactly the records validation checked: nothing to re-check
        stream = held.records()
    else:
        stream = source.records(quiet)

    def wanted(section, group, keys):
        expected = v.hashes[section]
        for i, (_, wire) in enumerate(group):
            seen[section] += 1
            if i % 2000 == 1999:
                reporter.check()
            key = wire["key"] if section == "config_keys" else wire["id"]
            if keys is None or key in keys:
                if held is None and expected.get(key) != record_hash(section, wire):
                    raise DamagedBundleError("The source changed after it was validated; nothing was imported.",
                                             hint="Preview the import again.")
                yield wire

    with gc_paused():
        for section, group in itertools.groupby(stream, key=itemgetter(0)):
            keys = inserts.get(section, set())
            if section in inserts and (keys is None or keys):
                store.insert_wire(conn, unit_id, section, wanted(section, group, keys), on_batch=reporter.advance)
            else:
                for _ in wanted(section, group, set()):
                    pass
    if any(seen[s] != len(v.hashes[s]) for s in SECTIONS):
        raise DamagedBundleError("The source changed after it was validated; nothing was imported.",
                                 hint="Preview the import again.")
    if stash:
        store.insert_wire(conn, unit_id, "profiles", stash, on_batch=reporter.advance)
