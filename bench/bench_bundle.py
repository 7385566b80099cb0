"""Bundle export and inspect on the large demo unit, against the lean pipeline (bench/ideal_pipeline.py).

Seeds the large unit into a temporary home, then times ``unitvault export`` and ``unitvault inspect
--password-file`` as subprocesses (interpreter start included) and the ideal pipeline in this
process, all with the same Argon2id parameters (the spec default unless --kdf-floor). Prints wall
times, each CLI's peak RSS (from wait4) minus the KDF's memory, and the ratios against the targets:
CLI wall <= 1.5 x (ideal + 0.5 s); peak RSS beyond the KDF < 200 MiB. Asserts nothing.

    .venv/bin/python bench/bench_bundle.py [--size large] [--runs 2] [--kdf-floor]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
UV = [str(ROOT / ".venv" / "bin" / "python"), "-m", "core"]
PASSWORD = "bench correct horse battery"


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} failed: {err.strip()}")
    return wall, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="large", choices=("small", "medium", "large"))
    ap.add_argument("--runs", type=int, default=2, help="best of N runs (default 2)")
    ap.add_argument("--kdf-floor", action="store_true", help="use the KDF floor (64 MiB, t=2, p=1) instead")
    args = ap.parse_args([] if argv is None else argv)
    from bench.ideal_pipeline import ideal_export, ideal_read
    from core.bundle import default_kdf
    from core.bundle.header import KdfParams
    from core.settings import Settings

    with tempfile.TemporaryDirectory(prefix="uv-bench-bundle-") as tmp:
        tmp = Path(tmp)
        home = tmp / "home"
        base = UV + ["--home", str(home)]
        subprocess.run(base + ["unit", "seed", "big", "--size", args.size], check=True, stdout=subprocess.DEVNULL)
        settings = Settings(home / "settings.ini")
        if args.kdf_floor:
            for k, v in (("kdf/m_kib", 65536), ("kdf/t", 2), ("kdf/p", 1)):
                settings.set(k, v)
        kdf: KdfParams = default_kdf(settings)
        pw = tmp / "pw"
        pw.write_text(PASSWORD + "\n")
        out = tmp / "big.uvault"
        env = {**os.environ, "UNITVAULT_PASSWORD": ""}
        env.pop("UNITVAULT_PASSWORD")
        exp, ins, ide_e, ide_r = [], [], [], []
        for _ in range(args.runs):
            exp.append(timed(base + ["export", "big", "--out", str(out), "--force", "--password-file", str(pw)], env))
            ins.append(timed(base + ["inspect", str(out), "--password-file", str(pw), "--json"], env))
            ide_e.append(ideal_export(str(home / "units.sqlite3"), "big", str(tmp / "ideal.bin"), password=PASSWORD,
                                      m_kib=kdf.m_kib, t=kdf.t, p=kdf.p))
            ide_r.append(ideal_read(str(tmp / "ideal.bin"), password=PASSWORD, m_kib=kdf.m_kib, t=kdf.t,
                                    p=kdf.p)[0])
        size = out.stat().st_size
        kdf_mib = kdf.m_kib / 1024
        e_wall, e_rss = min(w for w, _ in exp), max(r for _, r in exp)
        i_wall, i_rss = min(w for w, _ in ins), max(r for _, r in ins)
        ie, ir = min(ide_e), min(ide_r)
        start = time.perf_counter()
        subprocess.run(UV + ["--help"], check=True, stdout=subprocess.DEVNULL)
        startup = time.perf_counter() - start
        print(f"unit size {args.size}; Argon2id m={kdf.m_kib} KiB t={kdf.t} p={kdf.p}; bundle {size / 2**20:.1f} MiB; "
              f"'unitvault --help' {startup:.2f} s")
        print(f"{'':18}{'CLI wall':>9} {'ideal':>7} {'limit':>7} {'ratio':>6}  {'RSS-KDF':>8} (limit 200 MiB)")
        for label, wall, ideal, rss in (("export", e_wall, ie, e_rss), ("inspect --password", i_wall, ir, i_rss)):
            limit = 1.5 * (ideal + 0.5)
            print(f"{label:18}{wall:8.2f}s {ideal:6.2f}s {limit:6.2f}s {wall / (ideal + 0.5):6.2f}  "
                  f"{rss - kdf_mib:7.0f} MiB {'OK' if wall <= limit and rss - kdf_mib < 200 else 'OVER'}")
        print("ratio = CLI wall / (ideal + 0.5 s); the target is <= 1.5")


if __name__ == "__main__":
    main(sys.argv[1:])
