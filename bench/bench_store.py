"""Seed the large demo unit and read it back: seconds and peak memory (issue 2's benchmark).

Runs each step in a fresh subprocess so peak RSS is per step. Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time

STEP = r"""
import json, resource, sys, time
from core.unit.store import UnitStore
from core.unit.seed import seed_unit
from core.unit.digest import unit_digest
store = UnitStore.open(sys.argv[2])
t = time.perf_counter()
if sys.argv[1] == "seed":
    seed_unit(store, "big", "large")
    n = None
elif sys.argv[1] == "read":
    unit = store.get_unit("big")
    n = sum(1 for s in ("plugins", "workspaces", "profiles", "config_keys") for _ in store.iter_wire(unit.id, s))
else:
    unit = store.get_unit("big")
    n = unit_digest(store, unit.id)
print(json.dumps({"seconds": time.perf_counter() - t, "result": n,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_step(step: str, url: str) -> dict:
    out = subprocess.run([sys.executable, "-c", STEP, step, url], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/units.sqlite3"
        t = time.perf_counter()
        seed = run_step("seed", url)
        seed_wall = time.perf_counter() - t
        read = run_step("read", url)
        digest = run_step("digest", url)
    print("Unit store, large demo unit (1,000 plugins, 5,000 workspaces x 10 apps, 200 profiles, 100,000 keys)")
    print(f"  seed (one transaction)   {seed['seconds']:6.2f} s   peak RSS {seed['peak_rss_mib']:6.0f} MiB   "
          f"(process wall {seed_wall:.2f} s)")
    print(f"  read all records         {read['seconds']:6.2f} s   peak RSS {read['peak_rss_mib']:6.0f} MiB   "
          f"({read['result']:,} top-level records)")
    print(f"  unit digest              {digest['seconds']:6.2f} s   peak RSS {digest['peak_rss_mib']:6.0f} MiB")
    return {"seed": seed, "read": read, "digest": digest}


if __name__ == "__main__":
    main()
    _ = resource
