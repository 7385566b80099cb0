"""Stored rows -> wire records and record hashes: the unit store's reading, without the database layer.

The unit store (core/unit/store.py) builds the queries and runs them; these functions turn the rows
they return into wire dicts, in the order the queries give (key order). Each section is read as its
records' rows, and workspaces and profiles also as their children's rows sorted the same way
(applications by workspace, position and id; assignments by profile and position), merge-joined
here: memory does not grow with the unit. Importing this module costs no database library, so a
helper process that reads SQLite with the standard driver starts in a fraction of the time
(core/unit_import/live.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from operator import itemgetter

from orjson import OPT_SORT_KEYS
from orjson import dumps as _orjson_dumps
from orjson import loads as _loads  # ~3x faster than json.loads; the store reads only JSON it wrote

from core.unit.digest import record_hash

# The columns each section's queries select, in this order.
COLUMNS = {
    "plugins": (("id", "name", "version", "enabled", "config", "permissions", "mappings"),),
    "workspaces": (("id", "name", "description", "owner"),
                   ("workspace_id", "id", "name", "kind", "position", "config")),
    "profiles": (("id", "name", "description"), ("profile_id", "workspace_id")),
    "config_keys": (("key", "value", "secret", "description"),),
}


def plugins(rows: Iterable) -> Iterator[dict]:
    for r in rows:
        yield {"id": r[0], "name": r[1], "version": r[2], "enabled": bool(r[3]), "config": _loads(r[4]),
               "permissions": _loads(r[5]), "mappings": _loads(r[6])}


def _with_children(rows: Iterable, children: Iterator, child) -> Iterator[tuple]:
    """Each record row with ``child(row)`` of its children's rows (whose first column is the record's
    key), both streams in key order; children before the first record (a page's) are skipped."""
    pending = next(children, None)
    for r in rows:
        key = r[0]
        while pending is not None and pending[0] < key:
            pending = next(children, None)
        items = []
        while pending is not None and pending[0] == key:
            items.append(child(pending))
            pending = next(children, None)
        yield r, items


def _application(r) -> dict:
    return {"id": r[1], "name": r[2], "kind": r[3], "position": r[4], "config": _loads(r[5])}


def workspaces(rows: Iterable, apps: Iterator) -> Iterator[dict]:
    for r, items in _with_children(rows, apps, _application):
        yield {"id": r[0], "name": r[1], "description": r[2], "owner": r[3], "applications": items}


def profiles(rows: Iterable, links: Iterator) -> Iterator[dict]:
    for r, assigned in _with_children(rows, links, itemgetter(1)):
        yield {"id": r[0], "name": r[1], "description": r[2], "workspaces": assigned}


def config_keys(rows: Iterable) -> Iterator[dict]:
    for r in rows:
        yield {"key": r[0], "value": _loads(r[1]), "secret": bool(r[2]), "description": r[3]}


WIRES = {"plugins": plugins, "workspaces": workspaces, "profiles": profiles, "config_keys": config_keys}


def config_key_hashes(rows: Iterable) -> Iterator[tuple]:
    """``(key, record hash, None)`` straight from the stored text. A config key's canonical form
    (core/unit/digest.py: sorted keys, compact) is {"description":…,"key":…,"secret":…,"value":…};
    the stored value is orjson's compact text of the value, which is already canonical unless it
    holds an object (whose keys must be sorted)."""
    sha = hashlib.sha256
    for key, value, secret, description in rows:
        v = value.encode()
        if b"{" in v:
            v = _orjson_dumps(_loads(v), option=OPT_SORT_KEYS)
        yield key, sha(b'{"description":' + _orjson_dumps(description) + b',"key":' + _orjson_dumps(key)
                       + (b',"secret":true,"value":' if secret else b',"secret":false,"value":') + v
                       + b"}").digest(), None


def hashes(section: str, streams: tuple) -> Iterator[tuple]:
    """``(key, record hash, workspace ids of a profile or None)`` of a section read as ``streams``
    (the row streams of ``COLUMNS[section]``): what an import compares."""
    if section == "config_keys":
        yield from config_key_hashes(streams[0])
        return
    profile = section == "profiles"
    for wire in WIRES[section](*streams):
        yield wire["id"], record_hash(section, wire), (wire["workspaces"] if profile else None)
