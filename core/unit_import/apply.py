"""Preview an import (validate, compare with the unit, plan) and apply exactly that plan in one transaction.

The preview streams the source once, merge-joined with the live unit in key order
(core/unit_import/compare.py): nothing of either side is held. ``apply_import`` streams the source a
second time inside the write transaction (for a bundle: decrypted and authenticated again, decoded
with every cap but not re-checked) and, before committing, proves the second pass read exactly what
the first validated (the bundle's verified section SHA-256s, or for other sources the hashes of the
records in order); any difference rolls everything back. Under the write lock it compares the
unit's change counter (``units.revision``, bumped by every mutating store call) with the one the
preview read, and refuses if the unit changed since the preview. The safety snapshot streams the
affected sections from the store, on a worker thread with its own read transaction (it sees the
committed unit, i.e. the one the preview compared) while this thread deletes and inserts. Any
error, or a cancel before commit, rolls everything back, and the snapshot taken for the attempt is
removed again. After commit, a "unit changed" event is published.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from operator import itemgetter

from core.errors import DamagedBundleError, OtherUnitError, PlanRefusedError, UnitvaultError
from core.progress import CancelToken, Reporter
from core.support.bulk import gc_paused
from core.support.clock import now_iso
from core.unit.digest import record_hash
from core.unit.records import SECTIONS, Unit, check_unit_name, wire_key
from core.unit_import.compare import DIFF_LIMIT, Comparison, ValidationResult, compare
from core.unit_import.plan import RestorePlan, compute_plan

# A replace section is wiped and re-inserted whole when more than this share of it changes (or when
# it has more changes than a plan lists); otherwise only the removed and changed records are
# deleted and re-inserted.
WIPE_SHARE = 0.5


@dataclass(frozen=True)
class ImportPreview:
    target_name: str
    validation: ValidationResult
    target: Unit | None  # the existing unit, or None when the import creates it
    comparison: Comparison
    other_unit: bool  # the source comes from another unit than the existing target
    plan: RestorePlan
    snapshot_id: str | None = None  # the safety snapshot this preview restores (None: not a snapshot)

    def with_choice(self, mode: str, sections=None) -> ImportPreview:
        """The same preview with another mode/section choice (recomputes only the plan; no I/O)."""
        return replace(self, plan=compute_plan(self.validation, self.comparison, mode, sections))

    def to_json(self, limit: int | None = 50) -> dict:
        v = self.validation
        return {"target": {"name": self.target_name, "exists": self.target is not None,
                           "id": self.target.id if self.target else None},
                "source": v.to_json(), "other_unit": self.other_unit, "plan": self.plan.to_json(limit)}

    def iter_changes(self, store, source, section: str, kind: str,
                     reporter: Reporter | None = None) -> Iterator[str]:
        """Every key of one kind of change (``added``, ``removed``, ``changed``, ``kept``) in one
        section, in key order: from the plan when it lists them all, else by streaming the source
        and the unit again (no revision check: for showing, not for applying)."""
        sp = self.plan.section(section)
        if kind not in CHANGE_KINDS:
            raise ValueError(kind)
        if sp.complete:
            yield from sp.keys(kind)
            return
        want = {"added": "added", "removed": "removed", "changed": "differ", "kept": "differ"}[kind]
        if getattr(sp, kind) == 0:
            return
        try:
            yield from _stream_changes(store, self.target, source, section, want, reporter,
                                       self.validation.in_key_order)
        except UNLIKE_VALIDATED:
            raise _shown_source_changed() from None


CHANGE_KINDS = ("added", "removed", "changed", "kept")
# What reading records unlike the ones a preview validated raises (the source changed since).
UNLIKE_VALIDATED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _records_again(source, reporter):
    """Another pass over a source a preview validated: a bundle's records decoded with every cap but
    not re-checked (the caller compares what it read with what the preview validated)."""
    if getattr(source, "bundle", None) is not None:
        return source.records(reporter, checked=False)
    return source.records(reporter)


def _shown_source_changed() -> PlanRefusedError:
    return PlanRefusedError("The source changed since the preview.", hint="Preview the import again.")


def _stream_changes(store, unit, source, section: str, want: str, reporter, in_key_order: bool) -> Iterator[str]:
    records = _records_again(source, reporter)

    def src():
        for s, w in records:
            if s == section:
                yield wire_key(section, w), record_hash(section, w)

    # Not in key order (not written by Unitvault's exporter): keys and hashes held, ~100 bytes a record.
    ordered = src() if in_key_order else iter(sorted(src()))
    with store.read() as conn:
        tgt = store.iter_hashes(unit.id, section, conn) if unit is not None else iter(())
        t = next(tgt, None)
        prev = None
        for key, h in ordered:
            if prev is not None and key <= prev:
                raise _shown_source_changed()
            prev = key
            while t is not None and t[0] < key:
                if want == "removed":
                    yield t[0]
                t = next(tgt, None)
            if t is not None and t[0] == key:
                if want == "differ" and t[1] != h:
                    yield key
                t = next(tgt, None)
            elif want == "added":
                yield key
        while t is not None and want == "removed":
            yield t[0]
            t = next(tgt, None)


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
                   reporter: Reporter | None = None, diff_limit: int = DIFF_LIMIT, live=None,
                   checker=None) -> ImportPreview:
    """Validate ``source``, compare it with the target unit and compute the plan. Writes nothing.
    ``live``: the target's live side, started early (``core.unit_import.live.start_live``);
    ``checker``: a bundle's record checks in a helper process (``core.bundle.checker.start_checker``)."""
    reporter = reporter or Reporter()
    check_unit_name(target_name)
    unit = store.find_unit(target_name)
    validation, comparison = compare(store, unit, source, reporter, diff_limit=diff_limit, live=live,
                                     checker=checker)
    plan = compute_plan(validation, comparison, mode, sections)
    return ImportPreview(target_name, validation, unit, comparison,
                         unit is not None and validation.source_unit_id != unit.id, plan)


def _marker() -> str:
    """A unique stamp: its row in import_markers tells, after a crash, whether this import committed."""
    import secrets as _secrets

    return f"{now_iso()}-{_secrets.token_hex(4)}"


def _separate_reader(store) -> bool:
    """Whether another connection sees this store's committed state (not an in-memory SQLite)."""
    from core.unit_import.live import separate_reader

    return separate_reader(store)


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
            f"{preview.target_name!r}; importing it needs explicit permission.", kind="other_unit_unconfirmed",
            data={"source": v.source_unit_name, "target": preview.target_name})
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
                revision = preview.comparison.revision
                if preview.target is not None:
                    # O(1): every mutating store call bumps the revision, and the write lock is held.
                    reporter.stage("checking unit", 1)
                    if revision is None or store.revision(unit.id, conn, for_update=True) != revision:
                        raise _changed_since_preview()
                    reporter.advance(1)
                snap_sections = plan.affected_sections if (safety_snapshot and preview.target is not None) else ()
                if snap_sections:
                    safety.safety_snapshot_key(secrets)  # created here, on this thread, if it is new
                    write = functools.partial(
                        _write_snapshot, store, home, secrets, unit, snap_sections, revision,
                        reason=reason or f"before importing {preview.validation.source_unit_name!r}",
                        kind=kind, marker=marker, digest=plan.digest_before,
                        records=sum(plan.section(s).target_count for s in snap_sections))
                    if _separate_reader(store):
                        # Its own read transaction sees the committed unit (the one the preview compared,
                        # as the revision proved) while this transaction deletes and inserts.
                        job = _SnapshotJob(write, reporter.cancel_token)
                    else:
                        reporter.stage("safety snapshot", None)
                        pending = write(conn=conn, reporter=reporter)
                _execute(store, conn, unit.id, source, preview, reporter)
                if job is not None:
                    pending = job.result()  # the snapshot is complete and fsynced before anything commits
                reporter.check()  # last chance to cancel: nothing is committed yet
                store.touch(conn, unit.id)
                if pending is not None:  # start-up cleanup keeps the snapshot iff this row committed
                    pending.record(conn, unit.id)
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
            pending.committed()
    if pending is not None:
        safety.prune(home, unit.id, store)
    reporter.finish()
    final = store.get_unit(unit.name)
    publish(final.name)
    return ImportResult(final, pending.id if pending else None, plan.digest_before, plan.digest_after, plan)


def _write_snapshot(store, home, secrets, unit, sections, revision, *, reason, kind, marker, digest,
                    reporter, conn=None, records: int = 0):
    """The affected sections, streamed from the store into a pending safety snapshot: by a helper
    process for a big unit (its own read transaction; this thread only waits), else here."""
    import contextlib

    from core.unit_import import live, safety

    kw = {"reason": reason, "kind": kind, "marker": marker, "digest": digest, "reporter": reporter}
    if conn is None and live.helper_pays(store, records):
        def writer(path, key):
            return live.write_snapshot(store, unit, tuple(sections), revision, path, key, reporter)

        return safety.write_pending(home, secrets, unit, dict.fromkeys(sections, ()), writer=writer, **kw)
    with (contextlib.nullcontext(conn) if conn is not None else store.read()) as c:
        if conn is None and store.revision(unit.id, c) != revision:
            raise _changed_since_preview()
        return safety.write_pending(home, secrets, unit, {s: store.iter_wire(unit.id, s, c) for s in sections},
                                    **kw)


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
    """Writes the safety snapshot (streamed from the store on its own connection) on a worker thread
    while the import deletes and inserts; SQLite reads, compression, encryption and fsync run there
    without the GIL.

    ``result()`` joins it before the import commits, and any error of the worker surfaces there and
    rolls the import back. The worker reports no progress (sinks such as the GUI's are not
    thread-safe); it stops on the user's cancel and on ``stop()``.
    """

    def __init__(self, write, cancel: CancelToken):
        from core.support.thread import Background

        self._abort = CancelToken()
        reporter = _EitherCancel(cancel, self._abort)
        self._job = Background(lambda: write(reporter=reporter), "unitvault-safety-snapshot")

    def result(self):
        return self._job.result()

    def stop(self):
        """Abort and wait; returns the snapshot if it was already complete (the caller discards it)."""
        self._abort.cancel()
        try:
            return self._job.result()
        except BaseException:  # it stopped without one
            return None


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


def _changed_since_preview() -> PlanRefusedError:
    return PlanRefusedError("The unit changed since the preview; nothing was imported.",
                            hint="Preview the import again.")


def _source_changed() -> DamagedBundleError:
    return DamagedBundleError("The source changed after it was validated; nothing was imported.",
                              hint="Preview the import again.")


def _execute(store, conn, unit_id: str, source, preview: ImportPreview, reporter: Reporter) -> None:
    plan, v = preview.plan, preview.validation
    deletes: dict[str, object] = {}  # section -> "all" | set of keys
    inserts: dict[str, object] = {}  # section -> "all" | set of keys | "missing" (not in the live unit)
    for sp in plan.per_section:
        s = sp.section
        if sp.action == "keep" or not sp.has_changes:
            continue
        if sp.action == "merge":
            inserts[s] = set(sp.added_keys) if sp.complete else "missing"
        elif sp.target_count == 0:
            inserts[s] = "all"
        elif not sp.complete or sp.removed + sp.changed > WIPE_SHARE * sp.target_count:
            deletes[s], inserts[s] = "all", "all"
        else:
            deletes[s] = set(sp.removed_keys) | set(sp.changed_keys)
            inserts[s] = set(sp.added_keys) | set(sp.changed_keys)

    # Profile assignments point at workspaces without cascade: before any workspace row goes, the
    # live profiles that stay are set aside and re-inserted once the new workspaces are in (profiles
    # are few: a few thousand in a unit of a million records).
    stash: list[dict] = []
    if deletes.get("workspaces") and plan.section("profiles").target_count and deletes.get("profiles") != "all":
        gone = deletes.get("profiles") or set()
        stash = [w for w in store.iter_wire(unit_id, "profiles", conn) if w["id"] not in gone]
        deletes["profiles"] = "all"
        inserts.setdefault("profiles", set())

    counts = {s: plan.section(s).source_count for s in SECTIONS}
    quiet = Reporter(None, reporter.cancel_token)  # the source's own progress would mix units
    bundle = getattr(source, "bundle", None) if v.bundle_sha256 is not None else None
    stream = _records_again(source, quiet)
    if any(deletes.get(s) == "all" and plan.section(s).target_count >= READ_AHEAD_MIN for s in SECTIONS):
        stream = _DecodeAhead(stream, READ_AHEAD)  # decoded while the database deletes
    try:
        for s in ("profiles", "workspaces", "plugins", "config_keys"):
            d = deletes.get(s)
            if d == "all":
                store.wipe_section(conn, unit_id, s)
            elif d:
                store.delete_keys(conn, unit_id, s, sorted(d))
        reporter.check()
    except BaseException:
        if isinstance(stream, _DecodeAhead):
            stream.stop()
        raise

    total = sum(counts[s] if keys in ("all", "missing") else len(keys) for s, keys in inserts.items()) + len(stash)
    reporter.stage("importing", total)
    seen = dict.fromkeys(SECTIONS, 0)
    order = {s: hashlib.sha256() for s in SECTIONS}

    def wanted(section, group, keys):
        key_name = "key" if section == "config_keys" else "id"
        sha = order[section]
        for i, (_, wire) in enumerate(group):
            seen[section] += 1
            if i % 2000 == 1999:
                reporter.check()
            if bundle is None:  # any other source: the records' hashes, in order, must be the first pass's
                sha.update(record_hash(section, wire))
            if keys == "all" or (keys != "missing" and wire[key_name] in keys):
                yield wire
            elif keys == "missing":
                yield from _missing(store, conn, unit_id, section, wire, group, sha, seen, bundle is None)
                return

    try:
        with gc_paused():
            for section, group in itertools.groupby(stream, key=itemgetter(0)):
                keys = inserts.get(section, set())
                if keys:
                    store.insert_wire(conn, unit_id, section, wanted(section, group, keys), on_batch=reporter.advance)
                else:
                    for _ in wanted(section, group, set()):
                        pass
    except UnitvaultError:
        raise
    except UNLIKE_VALIDATED:
        raise _source_changed() from None
    if any(seen[s] != counts[s] for s in SECTIONS):
        raise _source_changed()
    if bundle is not None:
        got = {s: i.sha256 for s, i in bundle.manifest.sections.items()}
        if got != v.bundle_sha256:
            raise _source_changed()
    elif any(order[s].digest() != v.stream_hashes[s] for s in SECTIONS):
        raise _source_changed()
    if stash:
        store.insert_wire(conn, unit_id, "profiles", stash, on_batch=reporter.advance)


# A wipe runs inside the database without the GIL (SQLite deletes a section in one step): meanwhile a
# worker thread decodes the source's first records, up to READ_AHEAD of weight (a record weighs 1, a
# workspace 1 more per application: about a kilobyte of objects each, so the buffer stays within a
# few tens of MB at any size), for wipes of READ_AHEAD_MIN records or more (below that the thread
# costs more than it saves).
READ_AHEAD = 30_000
READ_AHEAD_MIN = 20_000


class _DecodeAhead:
    """Iterates ``records`` (``(section, wire)``) on a worker thread into a buffer of at most
    ``limit`` of weight until it is first iterated here; then yields the buffer and reads the rest
    itself (never both at once). An error of the worker is raised where it happened in the sequence."""

    def __init__(self, records: Iterator, limit: int):
        import threading

        self._records, self._limit = records, limit
        self._buffer: list = []
        self._error: BaseException | None = None
        self._done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="unitvault-read-ahead", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer, stop = self._buffer, self._stop
        room = self._limit
        try:  # (the collector is the process's: apply keeps it paused, not this thread)
            for item in self._records:
                buffer.append(item)
                apps = item[1].get("applications") if type(item[1]) is dict else None
                room -= 1 + (len(apps) if type(apps) is list else 0)
                if room <= 0 or stop.is_set():
                    return
            self._done = True
        except BaseException as exc:  # raised to the reader after what was read before it
            self._error = exc

    def stop(self) -> None:
        """Stop the worker (at its next record) and wait for it."""
        self._stop.set()
        self._thread.join()

    def __iter__(self) -> Iterator:
        self.stop()
        buffer, self._buffer = self._buffer, []
        yield from buffer
        del buffer
        if self._error is not None:
            raise self._error
        if not self._done:
            yield from self._records


def _missing(store, conn, unit_id: str, section: str, first: dict, rest, sha, seen, hashing: bool):
    """Merge without a complete key list: the records of the section that the live unit lacks,
    looked up by key in batches (the live unit is not changed in a merged section)."""
    key_name = "key" if section == "config_keys" else "id"

    def batches():
        batch = [first]
        for _, wire in rest:
            seen[section] += 1
            if hashing:
                sha.update(record_hash(section, wire))
            batch.append(wire)
            if len(batch) >= 500:
                yield batch
                batch = []
        if batch:
            yield batch

    for batch in batches():
        keys = [w[key_name] for w in batch]
        live = set(store.existing(unit_id, section, keys, conn))
        for w in batch:
            if w[key_name] not in live:
                yield w
