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
