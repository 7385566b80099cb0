"""The live unit read by a helper process: a preview's live side, and an import's safety snapshot.

The preview's live side: each record's key and hash, in key order, section by section, after the
unit's application ids (a source workspace the unit lacks must not bring an id the unit uses).

Reading a unit and hashing its records costs about as much as validating the bundle, and both are
Python-bound, so for a big unit the live side runs in a helper process (``python -m
core.unit_import.live``) on its own read transaction, streaming ``(key, hash, assignments)`` to the
preview over a pipe while the preview validates the source on the other core. The helper reads the
unit's change counter first in its transaction, and that is the revision the import checks under
its write lock, so what the helper hashed is exactly what apply proves unchanged.

The safety snapshot of a big unit is written by a helper process too (``write_snapshot``): it
reads the committed unit on its own read transaction (checking the revision the import holds the
write lock on) and encrypts it into the snapshot file while the import deletes and inserts.

A helper reads a SQLite file with SQLite's own driver, running the SQL the parent's store compiled
(``UnitStore.sqlite_reads``) and turning rows into records with core/unit/rows.py, the store's own
code: it never imports the database layer, a third of a second of start-up on the cores the preview
needs. Other databases are read through the store.

Small units (the helper's start-up would cost more than it saves), in-memory stores (another
process cannot see them) and frozen builds do this in-process.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator

from core.errors import StoreError
from core.support.bulk import batched
from core.support.helper import HELPER_ENV, HELPER_MIN_RECORDS, ReadAhead, helper_env, process_pays, protocol_out
from core.unit import rows
from core.unit.records import SECTIONS

_BATCH = 2000


class InProcess:
    """The live side read in the preview's own read transaction."""

    def __init__(self, store, unit_id: str, conn):
        self.store, self.unit_id, self.conn = store, unit_id, conn
        self.revision = store.revision(unit_id, conn)  # first, in the same read transaction

    def application_ids(self) -> Iterator[str]:
        return self.store.iter_application_ids(self.unit_id, self.conn)

    def section(self, section: str) -> Iterator[tuple[str, bytes, list | None]]:
        return self.store.iter_hashes(self.unit_id, section, self.conn)

    def wires(self, section: str) -> Iterator[dict]:
        return self.store.iter_wire(self.unit_id, section, self.conn)

    def close(self) -> None:
        pass


class SqliteSide:
    """The same reads in a helper process, with SQLite's own driver and the SQL the store compiled
    (``UnitStore.sqlite_reads``), in one read transaction: the helper does not import the database
    layer (a third of a second of start-up, on the cores the preview needs)."""

    def __init__(self, reads: dict):
        import sqlite3

        self._reads = reads
        self._con = sqlite3.connect(reads["path"], timeout=30, isolation_level=None)
        try:
            self._con.execute("BEGIN")
            row = self._con.execute(*reads["revision"]).fetchone()  # first: the transaction's snapshot
        except BaseException:
            self._con.close()
            raise
        self.revision = row[0] if row else None

    def _streams(self, section: str) -> tuple:
        first, *children = (self._con.execute(sql, params) for sql, params in self._reads["sections"][section])
        return (first, *map(iter, children))

    def application_ids(self) -> Iterator[str]:
        for (aid,) in self._con.execute(*self._reads["application_ids"]):
            yield aid

    def section(self, section: str) -> Iterator[tuple[str, bytes, list | None]]:
        return rows.hashes(section, self._streams(section))

    def wires(self, section: str) -> Iterator[dict]:
        return rows.WIRES[section](*self._streams(section))

    def close(self) -> None:
        self._con.close()


class _StoreSide(InProcess):
    """The reads through the unit store (a database other than a SQLite file), in a helper."""

    def __init__(self, url: str, unit_id: str):
        from core.unit.store import UnitStore

        self._open = contextlib.ExitStack()
        try:
            store = UnitStore(_engine(url))
            self._open.callback(store.close)
            super().__init__(store, unit_id, self._open.enter_context(store.read()))
        except BaseException:
            self._open.close()
            raise

    def close(self) -> None:
        self._open.close()  # the read transaction, then the store


def _open_side(request: dict):
    """A helper's reads of the unit its request names, in one read transaction."""
    if request.get("sqlite"):
        return SqliteSide(request["sqlite"])
    return _StoreSide(request["url"], request["unit_id"])


class Helper:
    """The live side read by a helper process: ``application_ids()`` first (or never), then
    ``section()`` in section order. ``request``: what the helper reads (``_request``)."""

    def __init__(self, request: dict):
        import msgpack

        env = helper_env()
        self.proc = subprocess.Popen([sys.executable, "-m", "core.unit_import.live"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        # The URL (which may hold a password) goes through the pipe, never the command line.
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.close()
        self._ahead = ReadAhead(self.proc.stdout)
        self._items = iter(msgpack.Unpacker(self._ahead, raw=False, use_list=True, read_size=ReadAhead.CHUNK,
                                            max_buffer_size=64 << 20))
        self.unit_id = request["unit_id"]
        self._revision: int | None = None
        self._current: list | None = None

    @property
    def revision(self) -> int:
        """The unit's change counter the helper read first (waits for the helper to say it)."""
        if self._revision is None:
            first = self._next()
            if first[0] != "revision":
                raise self._failed()
            self._revision = first[1]
        return self._revision

    def _next(self):
        try:
            return next(self._items)
        except Exception:  # the stream ended early (StopIteration) or is not readable
            raise self._failed() from None

    def _failed(self) -> StoreError:
        self.close()
        err = self.proc.stderr.read().decode(errors="replace").strip().splitlines() if self.proc.stderr else []
        return StoreError("The unit could not be read for the preview.",
                          details=[err[-1]] if err else [])

    def application_ids(self) -> Iterator[str]:
        self.revision  # noqa: B018 - the stream starts with it
        while True:
            item = self._current or self._next()
            self._current = None
            if item[0] != "apps":
                self._current = item
                return
            yield from item[1]

    def section(self, section: str) -> Iterator[tuple[str, bytes, list | None]]:
        index = SECTIONS.index(section)
        self.revision  # noqa: B018 - the stream starts with it
        while True:
            item = self._current or self._next()
            self._current = None
            if item[0] == "apps":
                continue
            if item[0] == "end" or item[1] > index:
                self._current = item
                return
            if item[1] < index:
                continue
            yield from item[2]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._ahead.stop()
        with contextlib.suppress(Exception):
            self.proc.stdout.close()


def _request(store, unit_id: str, **more) -> dict:
    return {"url": store.engine.url.render_as_string(hide_password=False), "unit_id": unit_id,
            "sqlite": store.sqlite_reads(unit_id), **more}


def separate_reader(store) -> bool:
    """Whether another connection (or process) sees this store's committed state (not an in-memory SQLite)."""
    url = store.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def helper_pays(store, records: int) -> bool:
    """Whether a helper process is worth starting for a unit of ``records`` top-level records."""
    return separate_reader(store) and process_pays(records)


def write_snapshot(store, unit, sections: tuple[str, ...], revision: int, path, key: bytes, reporter) -> int:
    """Write the snapshot bundle of ``sections`` of the committed ``unit`` to ``path`` in a helper
    process; returns its size. ``reporter``: cancel checks (a cancel stops the helper, which removes
    its temporary file). Raises what the helper raised (by class), e.g. PlanRefusedError when the
    unit's revision is not ``revision``."""
    import time

    from core import errors

    env = helper_env()
    proc = subprocess.Popen([sys.executable, "-m", "core.unit_import.live", "snapshot"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        proc.stdin.write(json.dumps(_request(store, unit.id, unit_name=unit.name, sections=list(sections),
                                             revision=revision, path=str(path), key=key.hex())).encode() + b"\n")
        proc.stdin.flush()
        while proc.poll() is None:
            try:
                reporter.check()
            except BaseException:
                with contextlib.suppress(OSError):
                    proc.stdin.write(b"cancel\n")
                    proc.stdin.flush()
                proc.wait()
                raise
            time.sleep(0.02)
        answer = json.loads(proc.stdout.read() or b"{}")
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    if "size" in answer:
        return int(answer["size"])
    cls = getattr(errors, str(answer.get("error")), None)
    if not (isinstance(cls, type) and issubclass(cls, errors.UnitvaultError)):
        cls = errors.StoreError
    raise cls(answer.get("message") or "The safety snapshot could not be written.")


def _snapshot_main() -> int:
    import gc
    import threading

    from core.bundle import write_bundle
    from core.errors import PlanRefusedError, UnitvaultError
    from core.progress import CancelToken, Reporter
    from core.unit.records import Unit

    gc.disable()
    request = json.loads(sys.stdin.readline())
    out = protocol_out()
    token = CancelToken()

    def watch():  # "cancel", or the importer gone: stop at the next block
        sys.stdin.readline()
        token.cancel()

    threading.Thread(target=watch, daemon=True).start()
    side = None
    try:
        side = _open_side(request)
        if side.revision != request["revision"]:
            raise PlanRefusedError("The unit changed since the preview; nothing was imported.")
        unit = Unit(request["unit_id"], request["unit_name"], request["unit_name"], "", "")
        result = write_bundle(request["path"], unit_id=unit.id, unit_name=unit.name,
                              sections={s: side.wires(s) for s in request["sections"]},
                              raw_key=bytes.fromhex(request["key"]), overwrite=False, validate=False,
                              reporter=Reporter(None, token))
        answer = {"size": result.size}
    except UnitvaultError as exc:
        answer = {"error": type(exc).__name__, "message": exc.message}
    except Exception as exc:
        answer = {"error": "StoreError", "message": f"The safety snapshot could not be written ({type(exc).__name__})."}
    finally:
        if side is not None:
            side.close()
    with contextlib.suppress(OSError), out:
        out.write(json.dumps(answer).encode())
    return 0 if "size" in answer else 1


def start_live(store, unit_name: str):
    """The helper for unit ``unit_name``'s live side, started now (before the bundle's key is derived,
    say) so its start-up overlaps that work; None when there is no such unit or a helper does not pay.
    Hand it to ``open_live`` (which takes it only for the same unit), or close it."""
    try:
        with store.read() as conn:
            unit = store.find_unit(unit_name, conn)
            if unit is None or not _use_helper(store, unit, conn):
                return None
        return Helper(_request(store, unit.id))
    except StoreError:
        return None


def open_live(store, unit, conn, started=None):
    """The live side of ``unit`` (None: no unit), in a helper process when that pays. ``started``: a
    helper from ``start_live``, used when it reads this unit (else closed)."""
    if started is not None and (unit is None or started.unit_id != unit.id):
        started.close()
        started = None
    if unit is None:
        return None
    if started is not None or _use_helper(store, unit, conn):
        try:
            helper = started or Helper(_request(store, unit.id))
            helper.revision  # noqa: B018 - its first answer: it started and reads
            return helper
        except StoreError:
            pass  # e.g. the helper cannot start here: read in-process instead
    return InProcess(store, unit.id, conn)


def _use_helper(store, unit, conn) -> bool:
    if not helper_pays(store, HELPER_MIN_RECORDS):
        return False
    if os.environ.get(HELPER_ENV) == "1":
        return True
    c = store.counts(unit.id, conn)
    return helper_pays(store, c.plugins + c.workspaces + c.profiles + c.config_keys)


def _helper_main() -> int:
    import gc

    import msgpack

    gc.disable()  # millions of short-lived containers: the collector would only rescan them
    request = json.loads(sys.stdin.readline())
    out = protocol_out()
    pack = msgpack.Packer(use_bin_type=True).pack
    live = None
    try:
        live = _open_side(request)
        out.write(pack(["revision", live.revision]))
        for ids in batched(live.application_ids(), 10 * _BATCH):
            out.write(pack(["apps", ids]))
        for index, section in enumerate(SECTIONS):
            for batch in batched(live.section(section), _BATCH):
                out.write(pack(["section", index, batch]))
        out.write(pack(["end"]))
        out.flush()
    except BrokenPipeError:  # the preview stopped reading (cancelled, or failed)
        return 0
    except Exception as exc:
        print(f"{type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        if live is not None:
            live.close()
        with contextlib.suppress(OSError):
            out.close()
    return 0


def _engine(url: str):
    from core.db import make_engine

    return make_engine(url)


if __name__ == "__main__":
    sys.exit(_snapshot_main() if sys.argv[1:] == ["snapshot"] else _helper_main())
