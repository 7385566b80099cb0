"""SIGTERM stops a command like Ctrl-C: one line, exit code 1, and no temporary file left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from core.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_during_an_export_leaves_no_part_file(tmp_path):
    from core.settings import Settings

    home = tmp_path / "home"
    assert main(["--home", str(home), "unit", "seed", "demo", "--size", "small"]) == 0
    s = Settings(home / "settings.ini")
    for k, v in (("kdf/m_kib", 65536), ("kdf/t", 2), ("kdf/p", 1)):
        s.set(k, v)
    pw = tmp_path / "pw"
    pw.write_text("tulip-anchor-42\n")
    pw.chmod(0o600)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "demo.uvault"
    # The export is held in the middle of writing (its first progress step sleeps), so the signal
    # arrives while the temporary file is open.
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        os.environ["UNITVAULT_SECRETS"] = "file"
        from core.progress import Reporter

        def held(self, *args, **kwargs):
            print("writing", flush=True)
            time.sleep(120)

        Reporter.advance = held
        from core.cli.main import main
        sys.exit(main(["--home", {str(home)!r}, "export", "demo", "--out", {str(out)!r},
                       "--password-file", {str(pw)!r}]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        parts = [p for p in out_dir.iterdir() if p.name.endswith(".part")]
        assert parts, "the export should be writing its temporary file now"
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1 and "cancelled" in err
    assert list(out_dir.iterdir()) == []


def test_the_command_line_leaves_with_its_output_and_log_complete(tmp_path):
    """The process ends without tearing the interpreter down, after the exit handlers: its buffered
    output arrives, the exit code is the command's, the log is flushed; a command that fails says so
    and exits 1; a thread that still works is waited for."""
    home = tmp_path / "home"
    for name in ("demo", "other"):
        assert main(["--home", str(home), "unit", "seed", name, "--size", "small"]) == 0
    cmd = [sys.executable, "-m", "core", "--home", str(home)]
    done = subprocess.run(cmd + ["unit", "list", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    import json

    assert done.returncode == 0 and sorted(u["name"] for u in json.loads(done.stdout)) == ["demo", "other"]
    assert "unit.list" in (home / "logs" / "unitvault.log").read_text().splitlines()[-1]   # its log, flushed
    failed = subprocess.run(cmd + ["unit", "show", "nosuch"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "No unit named 'nosuch'" in failed.stderr
    script = textwrap.dedent(f"""
        import sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        from core.cli.main import leave
        threading.Thread(target=lambda: (time.sleep(0.5), print("late", flush=True))).start()
        leave(3)
    """)
    waited = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert waited.returncode == 3 and waited.stdout == "late\n"
