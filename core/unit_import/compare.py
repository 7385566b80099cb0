"""One streaming pass that validates a source and compares it with the live unit, record by record.

The source's records arrive in key order (an exported bundle's are: the store reads in key order),
and so do the live unit's (``UnitStore.iter_wire``). Both streams are merge-joined per section, so
neither side is ever held: per record we keep only its classification (added / removed / differ /
same), a bounded list of keys, the field diffs of the first few records that differ, and what the
unit digest after the import needs (see :class:`_Digests`). Memory does not depend on the unit's
size, with two small exceptions kept compact on purpose: one integer fingerprint per source
application id (to prove application ids unique across workspaces) and per workspace id of either
side (to check profiles' references), about 60 bytes each.

A source that is not in key order (a bundle not written by Unitvault's exporter, a test's records)
is compared the same way after each section is sorted in memory: such sources are held whole.

Validation stages and their errors are those of docs/unit-import-design.md: the reader's own
stages (integrity, manifest, schemas) raise as they are met; schemas for sources that did not check
them, semantics and compatibility are reported after the pass, every problem with its location and
never a value, the first failing stage only.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.errors import Cancelled, InvalidContentError, InvalidRecordError, NewerVersionError
from core.progress import Reporter
from core.schemas import section_errors
from core.support.bulk import gc_paused
from core.unit.digest import record_hash
from core.unit.records import COUNT_KEYS, SECTIONS, SectionCounts, Unit
from core.unit_import.diffs import RecordChange, field_diff
from core.unit_import.live import open_live

MAX_DETAILS = 200
KNOWN_FORMAT_VERSION = 1
KEY_CAP = 20_000  # a section's change keys are kept whole while it has at most this many changes
SAMPLE = 300  # beyond that, the first keys of each kind (what a preview shows)
DIFF_LIMIT = 200  # field-level diffs of the first records that differ, per section
REF_EXAMPLES = 50
_FLUSH = 1 << 20  # bytes of digest input buffered before the hashers see it
_PREFIX = b"unitvault-unit-digest-v1\n"


class _Unsorted(Exception):
    """The source is not in key order: compare again with each section sorted in memory."""


# --- results ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ValidationResult:
    """What is known about a validated source; its records themselves are not kept."""

    source_unit_id: str
    source_unit_name: str
    created: str
    app_version: str
    format_version: int | None
    sections: tuple[str, ...]
    counts: SectionCounts
    digest: str  # the unit digest a fresh unit gets from this source (all of its sections)
    # What a second pass must reproduce: per section, SHA-256 over the records' hashes in order
    # (any source), and the bundle's verified section SHA-256s (bundles only).
    stream_hashes: dict[str, bytes] = field(default_factory=dict, repr=False)
    bundle_sha256: dict[str, str] | None = field(default=None, repr=False)
    in_key_order: bool = True  # every section's records came in key order (else they were sorted in memory)

    def to_json(self) -> dict:
        return {"source_unit_id": self.source_unit_id, "source_unit_name": self.source_unit_name,
                "created": self.created, "app_version": self.app_version,
                "format_version": self.format_version, "sections": list(self.sections),
                "counts": self.counts.as_dict(), "digest": self.digest}


@dataclass(frozen=True)
class SectionFacts:
    """How one section of the source compares with the same section of the live unit."""

    section: str
    source_count: int = 0
    target_count: int = 0
    added: int = 0  # in the source only
    removed: int = 0  # in the live unit only
    differ: int = 0  # in both, different
    same: int = 0
    added_keys: tuple[str, ...] = ()  # in key order; every key when ``complete``, else the first ones
    removed_keys: tuple[str, ...] = ()
    differ_keys: tuple[str, ...] = ()
    complete: bool = True
    diffs: tuple[RecordChange, ...] = ()  # of the first records that differ


@dataclass(frozen=True)
class RefClass:
    """Profile references of one kind: whose profile (the source's or the live unit's), whether the
    workspace named is in the source and in the live unit, and (source profiles) whether the
    profile is new to the unit. A plan decides per class whether such references would dangle."""

    origin: str  # "source" | "live"
    in_source: bool
    in_live: bool
    new_profile: bool
    refs: int
    profiles: int
    examples: tuple[tuple[str, str], ...]  # (profile id, workspace id), the first ones


@dataclass(frozen=True, eq=False)
class Comparison:
    unit: Unit | None
    revision: int | None  # the unit's change counter when it was read (None: no unit)
    facts: dict[str, SectionFacts]
    digests: dict[tuple[str, frozenset], str]  # (mode, chosen sections) -> unit digest after
    digest_before: str | None
    refs: tuple[RefClass, ...]  # only references that could dangle under some choice
    clashes: tuple[tuple[str, str], ...]  # (new workspace, application id a live workspace uses)
    clash_count: int


# --- the unit digest of every choice at once ------------------------------------------------------------
class _Digests:
    """Unit digests after the import for every mode and section choice, in one pass.

    The digest hashes the sections in order, each as its records' sorted (key, hash) pairs
    (core/unit/digest.py). Per section, a choice takes the source's pairs (replace), the union with
    the live unit's winning (merge) or the live unit's (section not chosen). One SHA-256 state per
    distinct choice so far (at most 31 at the last section) absorbs the pairs in ~1 MiB slices on a
    helper thread (hashlib releases the GIL), so the cost is linear and memory flat.
    """

    def __init__(self, present: tuple[str, ...]):
        self.present = present
        base = _State(hashlib.sha256(_PREFIX))
        merge = _State(base.h.copy())
        self.states: dict[tuple[str, frozenset], _State] = {("replace", frozenset()): base,
                                                            ("merge", frozenset()): merge}
        self.source = _State(base.h.copy())  # the source as a fresh unit
        self._s, self._t, self._m = bytearray(), bytearray(), bytearray()  # source, live, merged pieces
        self.section: str | None = None
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="unitvault-digests", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # Jobs run in order, so a fork copies its parent only after every update queued before it.
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if self._error is None:
                try:
                    for state, data in job:
                        if type(data) is _State:
                            data.h = state.h.copy()  # (parent, child): fork
                        else:
                            state.h.update(data)
                except BaseException as exc:  # re-raised by finish()
                    self._error = exc

    def start(self, section: str) -> None:
        self._flush()
        self.section = section
        new: dict[tuple[str, frozenset], _State] = {}
        forks = []
        for (mode, chosen), st in self.states.items():
            new[(mode, chosen)] = st
            if section in self.present:
                child = new[(mode, chosen | {section})] = _State(None)
                forks.append((st, child))
        self.states = new
        head = section.encode() + b"\n"
        self._jobs.put(forks + [(st, head) for st in (*self.states.values(), self.source)])

    def pair(self, src: bytes | None, tgt: bytes | None) -> None:
        """One key's piece (``key \\0 hash``) in the source and in the live unit (None: absent)."""
        if src is not None:
            self._s += src
        if tgt is not None:
            self._t += tgt
            self._m += tgt
        else:
            self._m += src
        if len(self._m) >= _FLUSH:
            self._flush()

    def source_only(self, src: bytes) -> None:
        self._s += src
        self._m += src
        if len(self._m) >= _FLUSH:
            self._flush()

    def live_only(self, tgt: bytes) -> None:
        self._t += tgt
        self._m += tgt
        if len(self._m) >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        if self.section is None:
            return
        data = {"s": bytes(self._s), "t": bytes(self._t), "m": bytes(self._m)}
        if not data["m"]:  # every piece goes to the merged stream
            return
        for v in (self._s, self._t, self._m):
            v.clear()
        s = self.section
        job = [(st, data["t"] if s not in chosen else data["s"] if mode == "replace" else data["m"])
               for (mode, chosen), st in self.states.items()]
        job.append((self.source, data["s"]))
        self._jobs.put(job)

    def finish(self) -> tuple[dict[tuple[str, frozenset], str], str, str]:
        self._flush()
        self._jobs.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        digests = {k: st.h.hexdigest() for k, st in self.states.items()}
        return digests, digests[("replace", frozenset())], self.source.h.hexdigest()

    def abandon(self) -> None:
        self._jobs.put(None)


class _State:
    __slots__ = ("h",)

    def __init__(self, h):
        self.h = h


def _piece(key: str, h: bytes) -> bytes:
    return key.encode("utf-8") + b"\0" + h


# --- per-section merge join ------------------------------------------------------------------------------
class _Section:
    """Merge-joins one section: source records fed in key order against the live unit's stream of
    ``(key, hash, assignments)`` (core/unit_import/live.py)."""

    def __init__(self, section: str, target: Iterator[tuple] | None, digests: _Digests, ctx: _Context):
        self.section = section
        self.target = target
        self.digests = digests
        self.ctx = ctx
        self.pending: tuple[str, bytes] | None = None  # the next live record not yet matched
        self.n_src = self.n_tgt = self.added = self.removed = self.differ = self.same = 0
        self.keys: dict[str, list[str]] = {"added": [], "removed": [], "differ": []}
        self.complete = True
        self.differing: list[tuple[str, dict]] = []  # (key, source wire) of the first records that differ
        self._next_target()

    def _next_target(self) -> None:
        item = next(self.target, None) if self.target is not None else None
        if item is None:
            self.pending = None
            return
        key, h, refs = item
        self.n_tgt += 1
        if self.section == "workspaces":
            self.ctx.live_ws.add(hash(key))
        elif refs:
            self.ctx.live_refs(key, refs)
        self.pending = (key, h)

    def _note(self, kind: str, key: str) -> None:
        keys = self.keys[kind]
        if self.complete:
            keys.append(key)
            if self.added + self.removed + self.differ > KEY_CAP:
                self.complete = False
                for v in self.keys.values():
                    del v[SAMPLE:]
        elif len(keys) < SAMPLE:
            keys.append(key)

    def _live_only(self) -> None:
        key, h = self.pending
        self.removed += 1
        if self.complete or len(self.keys["removed"]) < SAMPLE:
            self._note("removed", key)
        self.digests.live_only(key.encode("utf-8") + b"\0" + h)
        self._next_target()

    def source(self, key: str, h: bytes, wire: dict) -> bool:
        """Returns True when the live unit has a record with this key."""
        self.n_src += 1
        while self.pending is not None and self.pending[0] < key:
            self._live_only()
        piece = _piece(key, h)
        if self.pending is not None and self.pending[0] == key:
            th = self.pending[1]
            if th == h:
                self.same += 1
            else:
                self.differ += 1
                self._note("differ", key)
                if len(self.differing) < self.ctx.diff_limit:
                    self.differing.append((key, wire))
            self.digests.pair(piece, _piece(key, th))
            self._next_target()
            return True
        self.added += 1
        if self.complete or len(self.keys["added"]) < SAMPLE:
            self._note("added", key)
        self.digests.source_only(piece)
        return False

    def finish(self) -> SectionFacts:
        while self.pending is not None:
            self._live_only()
        live = self.ctx.live_wires(self.section, [k for k, _ in self.differing])
        diffs = tuple(RecordChange(k, field_diff(self.section, live[k], w)) for k, w in self.differing if k in live)
        return SectionFacts(self.section, self.n_src, self.n_tgt, self.added, self.removed, self.differ, self.same,
                            tuple(self.keys["added"]), tuple(self.keys["removed"]), tuple(self.keys["differ"]),
                            self.complete, diffs)


class _RefStats:
    __slots__ = ("refs", "profiles", "last", "examples")

    def __init__(self):
        self.refs = self.profiles = 0
        self.last = None
        self.examples: list[tuple[str, str]] = []


class _Context:
    """Cross-section facts gathered while the sections stream by (workspaces come before profiles)."""

    def __init__(self, store, conn, unit: Unit | None, diff_limit: int):
        self.store, self.conn, self.unit = store, conn, unit
        self.diff_limit = diff_limit
        self.src_ws: set[int] = set()
        self.live_ws: set[int] = set()
        self.refs: dict[tuple, _RefStats] = {}
        self.clashes: list[tuple[str, str]] = []
        self.clash_count = 0
        self._lookup: list[tuple[str, str]] = []  # (new workspace, application id) to look up
        # Fingerprints of the live unit's application ids (None: not read, every id is looked up).
        # An id whose fingerprint is absent is not in the unit; the rest (the real clashes, and the
        # one-in-a-billion fingerprint twin) are looked up exactly, so a million new applications
        # cost set probes instead of store queries.
        self.live_apps: set[int] | None = None

    def read_live_apps(self, live) -> None:
        self.live_apps = {hash(aid) for aid in live.application_ids()}

    def live_refs(self, pid: str, refs: list[str]) -> None:
        for wid in refs:
            f = hash(wid)
            self.ref("live", pid, wid, f in self.src_ws, f in self.live_ws, False)

    def live_wires(self, section: str, keys: list[str]) -> dict[str, dict]:
        """The live records of a few keys (the field diffs of the first records that differ)."""
        out = {}
        for key in keys:
            for wire in self.store.iter_wire(self.unit.id, section, self.conn, start=key, limit=1):
                out[key] = wire
        return out

    def ref(self, origin: str, pid: str, wid: str, in_src: bool, in_live: bool, new: bool) -> None:
        if in_src and in_live:
            return  # names a workspace both sides hold: never dangles
        stats = self.refs.get((origin, in_src, in_live, new))
        if stats is None:
            stats = self.refs[(origin, in_src, in_live, new)] = _RefStats()
        stats.refs += 1
        if stats.last != pid:
            stats.last = pid
            stats.profiles += 1
        if len(stats.examples) < REF_EXAMPLES:
            stats.examples.append((pid, wid))

    def new_workspace(self, wid: str, app_ids) -> None:
        """A source workspace the live unit lacks: merging it must not reuse a live application id."""
        if self.unit is None:
            return
        live = self.live_apps
        self._lookup.extend((wid, a) for a in app_ids if live is None or hash(a) in live)
        if len(self._lookup) >= 500:
            self.flush_lookups()

    def flush_lookups(self) -> None:
        if not self._lookup:
            return
        batch, self._lookup = self._lookup, []
        owner = {aid: wid for wid, aid in batch}
        for aid in self.store.existing(self.unit.id, "applications", list(owner), self.conn):
            self.clash_count += 1
            if len(self.clashes) < REF_EXAMPLES:
                self.clashes.append((owner[aid], aid))

    def ref_classes(self) -> tuple[RefClass, ...]:
        return tuple(RefClass(origin, in_src, in_live, new, s.refs, s.profiles, tuple(s.examples))
                     for (origin, in_src, in_live, new), s in self.refs.items())


# --- the pass ---------------------------------------------------------------------------------------------
def _loc(section: str, index: int, key: str | None) -> str:
    """A record's place for a problem line; the key comes from the source, so it is escaped."""
    return f"{section}[{index}]" + (f" ({_text(key)})" if key else "")


def _text(value: str) -> str:
    from core.support.text import printable

    return printable(value, limit=80)


def _key_of(section: str, wire) -> str | None:
    if not isinstance(wire, dict):
        return None
    key = wire.get("key" if section == "config_keys" else "id")
    return key if isinstance(key, str) else None


def compare(store, unit: Unit | None, source, reporter: Reporter | None = None, *,
            diff_limit: int = DIFF_LIMIT, live=None, checker=None) -> tuple[ValidationResult, Comparison]:
    """Validate ``source`` and compare it with ``unit`` (None: a unit that does not exist yet) in one
    streaming pass; raise the first failing validation stage's error. Writes nothing. ``live``: the
    live side's helper, already started (``live.start_live``). ``checker``: for a bundle, its record
    checks in a helper process (core/bundle/checker.py), used up by this pass."""
    reporter = reporter or Reporter()
    try:
        return _compare(store, unit, source, reporter, diff_limit, in_memory=False, started=live, checker=checker)
    except _Unsorted:
        return _compare(store, unit, source, reporter, diff_limit, in_memory=True)


def _reading(store, unit):
    import contextlib

    if store is None or unit is None:
        return contextlib.nullcontext(None)
    return store.read()


def _compare(store, unit, source, reporter: Reporter, diff_limit: int, *, in_memory: bool, started=None,
             checker=None):
    present = tuple(s for s in SECTIONS if s in (getattr(source, "sections", None) or SECTIONS))
    check_schema = not getattr(source, "schema_validated", False)
    digests = _Digests(present)
    try:
        with gc_paused(), _reading(store, unit) as conn:
            live = open_live(store, unit, conn, started)
            try:
                ctx = _Context(store, conn, unit, diff_limit)
                if live is not None:
                    ctx.read_live_apps(live)
                # With a checker the records come unchecked until it says so: whatever goes wrong in
                # the pass, its answer comes first (a hostile record is reported as the reader does).
                try:
                    result = _run(live, unit, source, reporter, ctx, digests, present, check_schema, in_memory,
                                  checker)
                except (_Unsorted, Cancelled):
                    raise
                except Exception:
                    if checker is not None:
                        checker.verdict()
                    raise
                if checker is not None:
                    checker.verdict()
                return result
            finally:
                if live is not None:
                    live.close()
    finally:
        digests.abandon()


def _run(live, unit, source, reporter, ctx, digests, present, check_schema, in_memory, checker=None):
    app_fps: set[int] = set()
    app_suspects: set[int] = set()
    n_apps = 0
    schema_problems: list[str] = []
    schema_failures = 0
    semantic: list[str] = []
    order_problems: list[str] = []
    index = dict.fromkeys(SECTIONS, 0)
    stream_sha = {s: hashlib.sha256() for s in SECTIONS}
    facts: dict[str, SectionFacts] = {}
    held: list = []  # in-memory mode: the current section's records, sorted at its end
    state = {"join": None, "section": None, "rank": -1, "prev": None}

    def open_section(section: str) -> None:
        digests.start(section)
        state["join"] = _Section(section, live.section(section) if live is not None else None, digests, ctx)
        state["section"] = section
        state["prev"] = None

    def close_section() -> None:
        join = state["join"]
        if join is None:
            return
        if held:
            held.sort(key=lambda r: r[0])
            prev = None
            for key, i, h, wire in held:
                if key == prev:
                    if len(semantic) < MAX_DETAILS:
                        semantic.append(f"{_loc(join.section, i, key)}: duplicate "
                                        f"{'key' if join.section == 'config_keys' else 'id'}")
                    continue
                prev = key
                feed(join, key, h, wire)
            held.clear()
        facts[join.section] = join.finish()
        if join.section == "workspaces":
            ctx.flush_lookups()
        state["join"] = None

    def advance_to(rank: int) -> None:
        """Open (and close) every section up to ``rank``: live records of sections the source skips."""
        while state["rank"] < rank:
            close_section()
            state["rank"] += 1
            open_section(SECTIONS[state["rank"]])

    def feed(join: _Section, key: str, h: bytes, wire: dict) -> None:
        both = join.source(key, h, wire)
        s = join.section
        if s == "workspaces":
            ctx.src_ws.add(hash(key))
            if not both:
                ctx.new_workspace(key, [a["id"] for a in wire["applications"]])
        elif s == "profiles":
            for wid in wire["workspaces"]:
                f = hash(wid)
                ctx.ref("source", key, wid, f in ctx.src_ws, f in ctx.live_ws, not both)

    reporter.stage("validating", None, "items")
    since_check = 0
    current = None
    expected_here = misplaced = False
    records = source.records(reporter) if checker is None else source.records(reporter, checker=checker)
    for section, wire in records:
        since_check += 1
        if since_check >= 2000:
            since_check = 0
            reporter.check()
        if section != current:  # per-section set-up, once per section run (records come in order)
            current = section
            rank = SECTIONS.index(section) if section in SECTIONS else -1
            expected_here = rank >= 0 and section in present
            misplaced = expected_here and rank < state["rank"]
            if expected_here and not misplaced:
                advance_to(rank)
            key_name = "key" if section == "config_keys" else "id"
        if not expected_here:
            if len(order_problems) < MAX_DETAILS:
                order_problems.append(f"section {section!r}: not expected in this source")
            continue
        i = index[section]
        index[section] = i + 1
        if misplaced:
            if len(order_problems) < MAX_DETAILS:
                order_problems.append(f"{_loc(section, i, None)}: sections out of order")
            continue
        if check_schema:
            errors = section_errors(section, wire)
            if errors:
                schema_failures += 1
                key = _key_of(section, wire)
                for e in errors:
                    if len(schema_problems) < MAX_DETAILS:
                        schema_problems.append(f"{_loc(section, i, key)}: {e}")
                continue
        key = wire[key_name]
        h = record_hash(section, wire)
        stream_sha[section].update(h)
        if section == "workspaces":
            ids = [a["id"] for a in wire["applications"]]
            n_apps += len(ids)
            for aid in ids:
                f = hash(aid)
                if f in app_fps:
                    app_suspects.add(f)
                else:
                    app_fps.add(f)
        if in_memory:
            held.append((key, i, h, wire))
            continue
        prev = state["prev"]
        if prev is not None and key <= prev:
            if key < prev:
                raise _Unsorted
            if len(semantic) < MAX_DETAILS:
                semantic.append(f"{_loc(section, i, key)}: duplicate {'key' if section == 'config_keys' else 'id'}")
            continue
        state["prev"] = key
        feed(state["join"], key, h, wire)
    reporter.check()
    advance_to(len(SECTIONS) - 1)
    close_section()
    ctx.flush_lookups()

    # The reader's own stages (integrity, manifest, schemas) have passed once the pass is complete.
    if order_problems:
        raise InvalidContentError("The source's sections are not in the expected form.", details=order_problems)
    if schema_problems:
        raise InvalidContentError(
            f"{schema_failures:,} record{'s' if schema_failures != 1 else ''} do not match the record schemas.",
            details=schema_problems)

    # Semantics.
    if app_suspects:
        semantic.extend(_application_clashes(source, app_suspects, MAX_DETAILS - len(semantic)))
    if "workspaces" in present:
        for cls in ctx.ref_classes():
            if cls.origin == "source" and not cls.in_source:
                for pid, wid in cls.examples:
                    if len(semantic) < MAX_DETAILS:
                        semantic.append(f"profiles ({_text(pid)})/workspaces: names workspace {_text(wid)}, "
                                        "which is not in the source")
    counts = SectionCounts(facts["plugins"].source_count, facts["workspaces"].source_count, n_apps,
                           facts["profiles"].source_count, facts["config_keys"].source_count)
    expected = source.expected_counts() if hasattr(source, "expected_counts") else None
    if expected:
        seen = {"plugins": index["plugins"], "workspaces": index["workspaces"], "applications": n_apps,
                "profiles": index["profiles"], "config_keys": index["config_keys"]}
        for k in COUNT_KEYS:
            if k in expected and expected[k] != seen[k]:
                semantic.append(f"manifest: declares {expected[k]:,} {k}, the source holds {seen[k]:,}")
    if semantic:
        raise InvalidRecordError(
            f"The source's records are inconsistent ({len(semantic)} problem{'s' if len(semantic) != 1 else ''}).",
            hint="The file was not written by a correct exporter; nothing was imported.", details=semantic)

    # Compatibility.
    fmt = getattr(source, "format_version", None)
    known_fmt = _known_format_version()
    if isinstance(fmt, int) and fmt > known_fmt:
        raise NewerVersionError(f"The source uses format version {fmt}; this version reads up to {known_fmt}.")

    all_digests, before, source_digest = digests.finish()
    manifest = getattr(getattr(source, "bundle", None), "manifest", None)
    bundle_sha = {s: i.sha256 for s, i in manifest.sections.items()} if manifest is not None and hasattr(
        manifest, "sections") else None
    validation = ValidationResult(
        source_unit_id=source.source_unit_id, source_unit_name=source.source_unit_name,
        created=source.created, app_version=source.app_version, format_version=fmt, sections=present,
        counts=counts, digest=source_digest, stream_hashes={s: h.digest() for s, h in stream_sha.items()},
        bundle_sha256=bundle_sha, in_key_order=not in_memory)
    comparison = Comparison(unit, live.revision if live is not None else None, facts, all_digests, before if unit is not None else None,
                            ctx.ref_classes(), tuple(ctx.clashes), ctx.clash_count)
    return validation, comparison


def _application_clashes(source, suspects: set[int], room: int) -> list[str]:
    """Fingerprints seen twice: find the application ids behind them (a second, rare pass) and
    report the real duplicates exactly."""
    seen: dict[str, str] = {}
    out: list[str] = []
    i = 0
    for section, wire in source.records(None):
        if section != "workspaces":
            continue
        key = wire["id"]
        for j, a in enumerate(wire["applications"]):
            aid = a["id"]
            if hash(aid) not in suspects:
                continue
            owner = seen.setdefault(aid, key)
            if (owner != key or [x["id"] for x in wire["applications"]].index(aid) != j) and len(out) < room:
                out.append(f"{_loc('workspaces', i, key)}/applications[{j}] ({_text(aid)}): "
                           f"application id already used in workspace {_text(owner)}")
        i += 1
    return out


def _known_format_version() -> int:
    try:
        from core.bundle import FORMAT_VERSION  # type: ignore[attr-defined]

        return int(FORMAT_VERSION)
    except Exception:
        return KNOWN_FORMAT_VERSION

