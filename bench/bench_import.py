"""Import benchmark (issue 4): the CLI's whole wall time for importing the large demo unit.

Seeds the large unit, exports it, then times ``unitvault import`` (validate + plan + safety snapshot +
apply, replace mode) into an existing unit of the same size, interpreter start included, with and
without ``--no-safety-snapshot``, and its peak RSS. Compares against the lean pipeline of
bench/ideal_pipeline.py run on the same machine in the same run:

    ideal = ideal read (one Argon2id, decrypt, decompress, unpack, validate)
          + ideal one-transaction wipe and bulk insert (plain sqlite3, executemany)
          + ideal export without its Argon2id (the safety snapshot's share; snapshots use a raw key)
          + 0.5 s for start-up

Target: the import within 1.5x of that; peak RSS beyond the KDF's memory parameter under 300 MiB.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_import.py
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password"

_RSS_WRAPPER = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)")


def _cli_import(home: Path, bundle: Path, pw: Path, *extra: str) -> dict:
    env = {**os.environ, "UNITVAULT_SECRETS": "file"}
    cmd = [sys.executable, "-m", "core", "--home", str(home), "import", str(bundle), "--into", "target",
           "--password-file", str(pw), "--yes", "--allow-other-unit", *extra]
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *cmd], cwd=ROOT, env=env, capture_output=True,
                         text=True)
    seconds = time.perf_counter() - start
    rss_kib, rc = (int(x) for x in out.stdout.split()[-2:])
    if rc != 0:
        raise RuntimeError(f"import failed: {out.stderr.strip()}")
    return {"seconds": seconds, "peak_rss_mib": rss_kib / 1024}


def _ideal_insert(db_path: str, src_unit: str, target_unit: str) -> float:
    """One transaction: wipe the target unit's rows and bulk-insert the source records (executemany)."""
    from orjson import dumps

    from bench.ideal_pipeline import _rows

    recs: dict[str, list] = {"plugins": [], "workspaces": [], "profiles": [], "config_keys": []}
    for section, rec in _rows(db_path, src_unit):
        recs[section].append(rec)
    con = sqlite3.connect(db_path, isolation_level=None)
    (uid,) = con.execute("select id from units where name = ?", (target_unit,)).fetchone()

    def j(v):
        return dumps(v).decode()

    start = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    for table in ("profile_workspaces", "profiles", "applications", "workspaces", "plugins", "config_keys"):
        con.execute(f"delete from {table} where unit_id = ?", (uid,))
    con.executemany("insert into plugins values (?,?,?,?,?,?,?,?)",
                    [(uid, r["id"], r["name"], r["version"], r["enabled"], j(r["config"]), j(r["permissions"]),
                      j(r["mappings"])) for r in recs["plugins"]])
    con.executemany("insert into workspaces values (?,?,?,?,?)",
                    [(uid, r["id"], r["name"], r["description"], r["owner"]) for r in recs["workspaces"]])
    con.executemany("insert into applications (unit_id, id, workspace_id, name, kind, position, config) "
                    "values (?,?,?,?,?,?,?)",
                    [(uid, a["id"], r["id"], a["name"], a["kind"], a["position"], j(a["config"]))
                     for r in recs["workspaces"] for a in r["applications"]])
    con.executemany("insert into profiles values (?,?,?,?)",
                    [(uid, r["id"], r["name"], r["description"]) for r in recs["profiles"]])
    con.executemany("insert into profile_workspaces (unit_id, profile_id, position, workspace_id) values (?,?,?,?)",
                    [(uid, r["id"], i, w) for r in recs["profiles"] for i, w in enumerate(r["workspaces"])])
    con.executemany("insert into config_keys values (?,?,?,?,?)",
                    [(uid, r["key"], j(r["value"]), r["secret"], r["description"]) for r in recs["config_keys"]])
    con.execute("COMMIT")
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def main() -> dict:
    from core.app.context import AppContext
    from core.bundle import default_kdf, export_unit
    from core.home import AppHome
    from core.unit.seed import seed_unit

    work = Path(tempfile.mkdtemp(prefix="uv-bench-import-"))
    try:
        template = work / "template"
        ctx = AppContext(AppHome.resolve(template))
        kdf = default_kdf(ctx.settings)
        try:
            seed_unit(ctx.units, "big", "large", 0)
            seed_unit(ctx.units, "target", "large", 1)
            bundle = work / "big.uvault"
            t = time.perf_counter()
            export_unit(ctx.units, "big", bundle, password=PASSWORD, kdf=kdf)
            export_s = time.perf_counter() - t
        finally:
            ctx.close()
        pw = work / "pw"
        pw.write_text(PASSWORD)
        print(f"large unit exported in {export_s:.2f} s ({bundle.stat().st_size:,} bytes; "
              f"Argon2id {kdf.m_kib // 1024} MiB, t={kdf.t}, p={kdf.p})", flush=True)

        runs = {}
        for label, extra in (("import", ()), ("import --no-safety-snapshot", ("--no-safety-snapshot",))):
            home = work / label.replace(" ", "_")
            shutil.copytree(template, home)
            runs[label] = _cli_import(home, bundle, pw, *extra)
            print(f"{label:<30} {runs[label]['seconds']:6.2f} s   peak RSS {runs[label]['peak_rss_mib']:6.0f} MiB "
                  f"({runs[label]['peak_rss_mib'] - kdf.m_kib / 1024:4.0f} MiB beyond the KDF's memory)", flush=True)

        from bench.ideal_pipeline import _argon2, ideal_export, ideal_read

        db = str(template / "units.sqlite3")
        t = time.perf_counter()
        _argon2(PASSWORD, kdf.m_kib, kdf.t, kdf.p)
        argon2_s = time.perf_counter() - t
        ideal_out = str(work / "ideal.bin")
        ideal_exp = ideal_export(db, "big", ideal_out, password=PASSWORD, m_kib=kdf.m_kib, t=kdf.t, p=kdf.p)
        ideal_rd, n = ideal_read(ideal_out, password=PASSWORD, m_kib=kdf.m_kib, t=kdf.t, p=kdf.p)
        ideal_ins = _ideal_insert(db, "big", "target")
        ideal = ideal_rd + ideal_ins + (ideal_exp - argon2_s) + 0.5
        ideal_plain = ideal_rd + ideal_ins + 0.5
        print(f"ideal: read+validate {ideal_rd:.2f} s (Argon2id {argon2_s:.2f} s), insert {ideal_ins:.2f} s, "
              f"export without Argon2id {ideal_exp - argon2_s:.2f} s, + 0.5 s start-up = {ideal:.2f} s")
        ratio = runs["import"]["seconds"] / ideal
        ratio_plain = runs["import --no-safety-snapshot"]["seconds"] / ideal_plain
        print(f"ratio import / ideal (target <= 1.5): {ratio:.2f}")
        print(f"ratio import --no-safety-snapshot / ideal restore + start-up: {ratio_plain:.2f}")
        return {"export_s": export_s, "runs": runs, "ideal_s": ideal, "ratio": ratio, "ratio_no_snapshot": ratio_plain,
                "records": n, "kdf_m_mib": kdf.m_kib // 1024}
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
