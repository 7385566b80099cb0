"""Safety snapshots: what an import is about to overwrite, saved first so the import can be undone.

A snapshot is an ordinary bundle (``core.bundle.write_bundle``: the same authenticated encryption,
integrity checks and atomic write as an export), holding only the sections the import changes,
encrypted with a random 32-byte key the app keeps through the secrets interface (secret
``snapshot-key``, created on first use; no Argon2, so taking one costs about an export's encoding).

Files, all under the home's ``snapshots/`` (0700):
- ``<id>.uvault``: the bundle;
- ``<id>.json``: a small plain sidecar (no content, no secrets): id, unit name and id, creation time,
  sections, size, reason, kind (import / restore / undo), state (pending / done), whether it was
  undone, the unit digest it captures, and a commit marker;
- ``.lock``: importers hold it shared while a snapshot is pending; start-up cleanup takes it
  exclusively (without waiting), so it never touches the files of a running import.

A snapshot is written (``pending``) inside the import's transaction, before the commit. After the
commit it becomes ``done``; if the import fails it is deleted. After a crash the next start finds
it ``pending`` and asks the store: the import inserted a row holding the snapshot's unique marker
into ``import_markers`` in the same transaction, so row present means committed (keep it), absent
means rolled back (delete it). One row per import: two imports into one unit that both commit
before any cleanup runs keep both snapshots. Only ``done`` snapshots are listed. The last N per unit are kept (setting
``snapshots/keep``, default 10).

Team mode (the unit store on a server): the pending file is also copied into the shared unit store
in the operation's transaction, and that copy is the snapshot every workstation lists and undoes; the
local files go after the commit (core/unit_import/shared.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets as _secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInputError, NotFoundError, SecretsError
from core.fsutil import atomic_write_bytes

KEY_NAME = "snapshot-key"
KEEP_SETTING = "snapshots/keep"
DEFAULT_KEEP = 10
SIDECAR_FORMAT = 1
ID_RE = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")
_LOCK = ".lock"

try:  # POSIX advisory locks; elsewhere cleanup only removes what is clearly abandoned
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None


@dataclass(frozen=True)
class SafetySnapshot:
    id: str
    unit_name: str
    unit_id: str
    created: str  # ISO 8601 UTC, microseconds
    sections: tuple[str, ...]
    size: int
    reason: str
    kind: str = "import"  # "import" | "restore" | "undo": the operation the snapshot was taken before
    undone: bool = False  # an undo restored it already
    digest: str | None = None  # unit digest at the time it was taken
    path: Path | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "unit_name": self.unit_name, "unit_id": self.unit_id, "created": self.created,
                "sections": list(self.sections), "size": self.size, "reason": self.reason, "kind": self.kind,
                "undone": self.undone, "digest": self.digest}


def safety_snapshot_key(secrets) -> bytes:
    """The app-held snapshot key, created (32 random bytes) on first use."""
    key = secrets.get(KEY_NAME)
    if key is None:
        key = _secrets.token_bytes(32)
        secrets.set(KEY_NAME, key)
        key = secrets.get(KEY_NAME)
    if key is None or len(key) != 32:
        raise SecretsError("The snapshot key held by the app is missing or damaged.",
                           hint="Snapshots taken with another key cannot be opened.")
    return key


def check_id(snapshot_id: str) -> str:
    if not isinstance(snapshot_id, str) or not ID_RE.match(snapshot_id):
        raise InvalidInputError(f"Invalid snapshot id {snapshot_id!r}.",
                                hint="List snapshots with 'unitvault snapshots list'.")
    return snapshot_id


def _paths(home, snapshot_id: str) -> tuple[Path, Path]:
    d = Path(home.snapshots_dir)
    return d / f"{snapshot_id}.uvault", d / f"{snapshot_id}.json"


def _new_id() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-") + _secrets.token_hex(3)


def _now() -> str:
    from core.support.clock import now_iso

    return now_iso()


# --- locking -------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _flock(home, exclusive: bool, blocking: bool) -> Iterator[bool]:
    d = Path(home.snapshots_dir)
    d.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield True
        return
    fd = os.open(d / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        flags = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if blocking else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, flags)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def import_lock(home):
    """Held (shared) by every import while its snapshot may be pending."""
    return _flock(home, exclusive=False, blocking=True)


# --- writing ------------------------------------------------------------------------------------------
class PendingSafetySnapshot:
    def __init__(self, home, info: SafetySnapshot, marker: str):
        self.home = home
        self.info = info
        self.marker = marker

    @property
    def id(self) -> str:
        return self.info.id

    def commit(self) -> bool:
        """The import committed: the snapshot becomes visible (best effort; start-up cleanup finishes
        it). True once the sidecar says 'done'."""
        try:
            _write_sidecar(self.home, self.info, state="done", marker=self.marker)
        except OSError:
            return False
        return True

    def record(self, conn, unit_id: str) -> None:
        """In the operation's own transaction, last: the marker row (start-up cleanup keeps the
        snapshot iff it committed) and, in team mode, the snapshot itself in the shared store."""
        from core.unit_import import shared

        record_marker(conn, self.marker, unit_id)
        if shared.is_shared(self.home):
            shared.publish(conn, self.info)

    def committed(self) -> None:
        """The operation committed: the snapshot becomes visible (team mode: it already is, in the
        shared store, so the local files go)."""
        from core.unit_import import shared

        if shared.is_shared(self.home):
            self.discard()
        else:
            self.commit()

    def discard(self) -> None:
        for p in _paths(self.home, self.info.id):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def _write_sidecar(home, info: SafetySnapshot, *, state: str, marker: str | None) -> None:
    data = info.to_json() | {"format": SIDECAR_FORMAT, "state": state, "marker": marker}
    atomic_write_bytes(_paths(home, info.id)[1], json.dumps(data, indent=1).encode("utf-8"))


def write_pending(home, secrets, unit, sections: dict, *, reason: str, kind: str, marker: str,
                  digest: str | None, reporter=None, writer=None) -> PendingSafetySnapshot:
    """Write the bundle of ``sections`` ({section: iterable of wire, or PackedRecords}) and a
    pending sidecar. ``reporter``: cancel checks (and progress) of the bundle writer. ``writer(path,
    key)``, if given, writes the bundle of those sections itself (e.g. in a helper process) and
    returns its size."""
    from core.bundle import write_bundle

    key = safety_snapshot_key(secrets)
    snapshot_id = _new_id()
    bundle_path, _ = _paths(home, snapshot_id)
    info = SafetySnapshot(snapshot_id, unit.name, unit.id, _now(), tuple(sections), 0, reason, kind, False, digest,
                        bundle_path)
    pending = PendingSafetySnapshot(home, info, marker)
    try:
        # validate=False: a snapshot records the unit exactly as it is (the store's own records); its
        # restore validates them like any bundle's.
        if writer is not None:
            size = writer(bundle_path, key)
        else:
            result = write_bundle(bundle_path, unit_id=unit.id, unit_name=unit.name, sections=sections,
                                  raw_key=key, overwrite=False, validate=False, reporter=reporter)
            size = getattr(result, "size", None) or bundle_path.stat().st_size
        pending.info = info = SafetySnapshot(snapshot_id, unit.name, unit.id, info.created, info.sections, size,
                                           reason, kind, False, digest, bundle_path)
        _write_sidecar(home, info, state="pending", marker=marker)
    except BaseException:
        pending.discard()
        raise
    return pending


# --- reading ------------------------------------------------------------------------------------------
def _read_sidecar(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not ID_RE.match(str(data.get("id", ""))):
        return None
    return data


def _info(home, data: dict) -> SafetySnapshot:
    return SafetySnapshot(data["id"], data["unit_name"], data["unit_id"], data["created"], tuple(data["sections"]),
                        int(data.get("size") or 0), data.get("reason", ""), data.get("kind", "import"),
                        bool(data.get("undone")), data.get("digest"), _paths(home, data["id"])[0])


def list_safety_snapshots(home, unit_name: str | None = None, *, _local: bool = False) -> list[SafetySnapshot]:
    """Completed snapshots, newest first (optionally of one unit, by name): in team mode those in the
    shared unit store (core/unit_import/shared.py), else the files under the home (``_local``: the
    files whatever the mode)."""
    from core.unit_import import shared

    if not _local and shared.is_shared(home):
        return shared.list_snapshots(home, unit_name)
    d = Path(home.snapshots_dir)
    if not d.is_dir():
        return []
    out = []
    for p in d.glob("*.json"):
        data = _read_sidecar(p)
        if data is None or data.get("state") != "done" or not _paths(home, data["id"])[0].exists():
            continue
        try:
            info = _info(home, data)
        except (KeyError, TypeError, ValueError):
            continue
        if unit_name is None or info.unit_name == unit_name:
            out.append(info)
    out.sort(key=lambda i: (i.created, i.id), reverse=True)
    return out


def get_safety_snapshot(home, snapshot_id: str) -> SafetySnapshot:
    check_id(snapshot_id)
    for info in list_safety_snapshots(home):
        if info.id == snapshot_id:
            return info
    raise NotFoundError(f"No snapshot with id {snapshot_id!r}.", hint="List snapshots with 'unitvault snapshots list'.")


def mark_undone(home, info: SafetySnapshot) -> None:
    from core.unit_import import shared

    if shared.is_shared(home):
        shared.mark_undone(home, info.id)
        return
    _, side = _paths(home, info.id)
    with import_lock(home):  # start-up cleanup (another process) would remove the sidecar's temp file
        data = _read_sidecar(side)
        if data is not None:
            data["undone"] = True
            atomic_write_bytes(side, json.dumps(data, indent=1).encode("utf-8"))


def keep_count(home) -> int:
    from core.settings import Settings

    return max(1, Settings(home.settings_file).get_int(KEEP_SETTING, DEFAULT_KEEP))


def prune(home, unit_id: str, store=None) -> list[str]:
    """Delete the snapshots of ``unit_id`` beyond the newest N; returns the removed ids. With
    ``store``, also the unit's marker rows that no snapshot left on disk needs."""
    from core.unit_import import shared

    keep = keep_count(home)
    if shared.is_shared(home):
        removed = shared.prune(home, unit_id, keep, store)
        mine = []
    else:
        removed = []
        mine = [i for i in list_safety_snapshots(home) if i.unit_id == unit_id]
    for info in mine[keep:]:
        for p in _paths(home, info.id):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        removed.append(info.id)
    if store is not None:
        markers = set()
        for p in Path(home.snapshots_dir).glob("*.json"):
            data = _read_sidecar(p)
            if data is not None and data.get("unit_id") == unit_id and data.get("marker"):
                markers.add(str(data["marker"]))
        forget_markers(store, unit_id, markers)
    return removed


# --- leftovers --------------------------------------------------------------------------------------------
def cleanup_leftovers(home, store=None) -> int:
    """Remove what interrupted imports left under the home; returns the number of files removed.

    Temp files of atomic writes, bundles without a sidecar, unreadable sidecars, and pending snapshots
    whose import did not commit go; a pending snapshot whose import did commit becomes done. Does
    nothing while another process is importing. Cheap when there is nothing to do (one listdir).
    """
    d = Path(home.snapshots_dir)
    try:
        names = [n for n in os.listdir(d) if n != _LOCK]
    except FileNotFoundError:
        return 0
    if not names:
        return 0
    from core.unit_import import shared

    shared_mode = shared.is_shared(home)
    removed = 0
    with _flock(home, exclusive=True, blocking=False) as got:
        if not got:
            return 0
        names = [n for n in os.listdir(d) if n != _LOCK]

        def rm(name: str) -> None:
            nonlocal removed
            with contextlib.suppress(FileNotFoundError):
                (d / name).unlink()
                removed += 1

        for n in names:
            if n.startswith("."):  # temp files of atomic writes (".<name>.<random>.part")
                rm(n)
        sidecars = {n[:-5] for n in names if n.endswith(".json")}
        for n in names:
            if n.endswith(".uvault") and n[:-7] not in sidecars:
                rm(n)
        for sid in sidecars:
            data = _read_sidecar(d / f"{sid}.json")
            if data is None or data["id"] != sid or not (d / f"{sid}.uvault").exists():
                rm(f"{sid}.json")
                rm(f"{sid}.uvault")
                continue
            if data.get("state") == "done":
                continue
            verdict = _committed(home, store, data)
            if verdict is True and shared_mode:  # committed: the shared store holds it (its own copy)
                rm(f"{sid}.json")
                rm(f"{sid}.uvault")
            elif verdict is True:
                with contextlib.suppress(OSError, KeyError, TypeError, ValueError):
                    _write_sidecar(home, _info(home, data), state="done", marker=data.get("marker"))
            elif verdict is False:
                rm(f"{sid}.json")
                rm(f"{sid}.uvault")
    return removed


def record_marker(conn, marker: str, unit_id: str) -> None:
    """In the import's transaction: the row that proves, after a crash, that the import committed."""
    from sqlalchemy import insert

    from core.unit import tables

    conn.execute(insert(tables.import_markers).values(marker=marker, unit_id=unit_id, created_at=_now()))


def forget_markers(store, unit_id: str, keep: set[str]) -> None:
    """Drop the unit's marker rows except ``keep`` (those of its snapshots still on disk; best effort)."""
    from sqlalchemy import delete

    from core.unit import tables

    m = tables.import_markers.c
    try:
        with store.write() as conn:
            conn.execute(delete(tables.import_markers).where(m.unit_id == unit_id, m.marker.not_in(sorted(keep))))
    except Exception:  # a leftover row costs nothing; the next prune removes it
        pass


def _committed(home, store, data: dict) -> bool | None:
    """Did the import that wrote this pending snapshot commit? None: cannot tell now.

    Decided by the import's own marker row (written in its transaction), never by the unit's state:
    several imports into one unit may have committed since."""
    own = None
    try:
        if store is None:
            from core.unit.store import UnitStore

            store = own = UnitStore.open(home.db_url)
        from sqlalchemy import select

        from core.unit import tables

        with store.read() as conn:
            row = conn.execute(select(tables.import_markers.c.marker).where(
                tables.import_markers.c.marker == str(data.get("marker")))).first()
    except Exception:
        return None
    finally:
        if own is not None:
            own.close()
    return row is not None
