"""The lean reference pipeline for bundles: the same work as ``unitvault export`` / ``inspect``, with
the same libraries, in one process and without the framework.

Export: one Argon2id, rows from SQLite (plain sqlite3, orjson) -> msgpack -> zstd-3 in ~1 MiB blocks
-> Cobblestone-256 -> file, fsync. Read: one Argon2id, file -> Cobblestone-256 -> zstd -> msgpack
(collector paused) -> jsonschema-rs ``is_valid`` per record. No checks beyond those, no progress,
no manifest: this is the floor our benchmark compares against.

    .venv/bin/python bench/ideal_pipeline.py DB_PATH UNIT_NAME OUT_FILE
"""

from __future__ import annotations

import gc
import os
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BLOCK = 1024 * 1024
KEY_INFO = b"ideal"


def _argon2(password: str, m_kib: int, t: int, p: int) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(password.encode(), b"\0" * 16, t, m_kib, p, 32, Type.ID)


def _rows(db_path: str, unit_name: str):
    """Wire records per section, straight from SQLite, in the store's order."""
    from orjson import loads

    con = sqlite3.connect(db_path)
    (uid,) = con.execute("select id from units where name = ?", (unit_name,)).fetchone()
    for r in con.execute("select id, name, version, enabled, config, permissions, mappings from plugins "
                         "where unit_id = ? order by id", (uid,)):
        yield "plugins", {"id": r[0], "name": r[1], "version": r[2], "enabled": bool(r[3]), "config": loads(r[4]),
                          "permissions": loads(r[5]), "mappings": loads(r[6])}
    apps: dict[str, list] = {}
    for r in con.execute("select workspace_id, id, name, kind, position, config from applications "
                         "where unit_id = ? order by workspace_id, position, id", (uid,)):
        apps.setdefault(r[0], []).append({"id": r[1], "name": r[2], "kind": r[3], "position": r[4],
                                          "config": loads(r[5])})
    for r in con.execute("select id, name, description, owner from workspaces where unit_id = ? order by id", (uid,)):
        yield "workspaces", {"id": r[0], "name": r[1], "description": r[2], "owner": r[3],
                             "applications": apps.get(r[0], [])}
    links: dict[str, list] = {}
    for r in con.execute("select profile_id, workspace_id from profile_workspaces where unit_id = ? "
                         "order by profile_id, position", (uid,)):
        links.setdefault(r[0], []).append(r[1])
    for r in con.execute("select id, name, description from profiles where unit_id = ? order by id", (uid,)):
        yield "profiles", {"id": r[0], "name": r[1], "description": r[2], "workspaces": links.get(r[0], [])}
    for r in con.execute("select key, value, secret, description from config_keys where unit_id = ? order by key",
                         (uid,)):
        yield "config_keys", {"key": r[0], "value": loads(r[1]), "secret": bool(r[2]), "description": r[3]}
    con.close()


def ideal_export(db_path: str, unit_name: str, out: str, *, password: str, m_kib: int, t: int, p: int) -> float:
    import msgpack
    import zstandard
    from cryptography.cobblestone import Cobblestone256Encryptor

    start = time.perf_counter()
    key = _argon2(password, m_kib, t, p)
    pack = msgpack.Packer(use_bin_type=True, autoreset=True).pack
    zc = zstandard.ZstdCompressor(level=3, write_content_size=True)
    enc = Cobblestone256Encryptor(key, KEY_INFO)
    with open(out, "wb") as fh:
        parts, size = [], 0
        for _, rec in _rows(db_path, unit_name):
            b = pack(rec)
            parts.append(b)
            size += len(b)
            if size >= BLOCK:
                data = zc.compress(b"".join(parts))
                fh.write(enc.update(len(data).to_bytes(4, "big") + data))
                parts, size = [], 0
        if parts:
            data = zc.compress(b"".join(parts))
            fh.write(enc.update(len(data).to_bytes(4, "big") + data))
        fh.write(enc.finalize())
        fh.flush()
        os.fsync(fh.fileno())
    return time.perf_counter() - start


def ideal_read(path: str, *, password: str, m_kib: int, t: int, p: int) -> tuple[float, int]:
    import msgpack
    import zstandard
    from cryptography.cobblestone import Cobblestone256Decryptor

    from core.schemas import _validator

    validators = {k: _validator(k) for k in ("plugin", "workspace", "profile", "config_key")}
    start = time.perf_counter()
    key = _argon2(password, m_kib, t, p)
    dec = Cobblestone256Decryptor(key, KEY_INFO)
    zd = zstandard.ZstdDecompressor()
    buf = bytearray()
    n = 0
    kinds = ("plugin", "workspace", "profile", "config_key")
    with open(path, "rb") as fh:
        while True:
            ct = fh.read(BLOCK)
            buf += dec.update(ct) if ct else dec.finalize()
            while len(buf) >= 4:
                length = int.from_bytes(buf[:4], "big")
                if len(buf) < 4 + length:
                    break
                raw = zd.decompress(bytes(buf[4:4 + length]))
                del buf[:4 + length]
                gc.disable()
                up = msgpack.Unpacker(raw=False, strict_map_key=True, max_buffer_size=64 << 20)
                up.feed(raw)
                for rec in up:
                    kind = kinds[0] if "permissions" in rec else kinds[1] if "applications" in rec else \
                        kinds[2] if "workspaces" in rec else kinds[3]
                    if not validators[kind].is_valid(rec):
                        raise ValueError("invalid record")
                    n += 1
                gc.enable()
            if not ct:
                break
    return time.perf_counter() - start, n


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    db, unit, out = argv[:3]
    e = ideal_export(db, unit, out, password="bench", m_kib=262144, t=3, p=2)
    r, n = ideal_read(out, password="bench", m_kib=262144, t=3, p=2)
    print(f"ideal export {e:.2f} s, ideal read+validate {r:.2f} s ({n:,} records, {os.path.getsize(out):,} bytes)")


if __name__ == "__main__":
    main()
