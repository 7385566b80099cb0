"""`make bench`: every benchmark in turn. Each prints its own figures; none asserts a time."""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCHES = ["bench.bench_store", "bench.bench_bundle", "bench.bench_import", "bench.bench_gui", "bench.bench_accounts"]


def main() -> int:
    failed = 0
    for name in BENCHES:
        print(f"\n=== {name} ===", flush=True)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            print(f"(not available: {exc})")
            continue
        try:
            module.main()
        except Exception:
            failed += 1
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
