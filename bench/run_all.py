"""`make bench`: every benchmark in turn. Each prints its own figures; none asserts a time.

Each benchmark runs in its own interpreter: a child's peak RSS (ru_maxrss from wait4) includes the
pages it shares with its parent until exec, so a benchmark that forked from a process still holding
an earlier benchmark's heap would report the two together.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = [["bench.bench_store"], ["bench.bench_bundle"], ["bench.bench_scale"],
           ["bench.bench_gui", "--browse-size", "huge"], ["bench.bench_accounts_page"], ["bench.bench_accounts"],
           ["bench.bench_queue"], ["bench.bench_queue", "--postgres"], ["bench.bench_team"]]


def main() -> int:
    failed = 0
    for name, *args in BENCHES:
        print(f"\n=== {name} ===", flush=True)
        if subprocess.run([sys.executable, "-m", name, *args], cwd=ROOT).returncode != 0:
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
