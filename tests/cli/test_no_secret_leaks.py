"""Passwords never reach the log, the home's files or the error output, on success or failure."""

from __future__ import annotations

from pathlib import Path

from core.settings import Settings
from tests.conftest import write_secret

PASSWORD = "Pw-canary-7c1e9b"
WRONG = "Wrong-canary-55aa01"


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_passwords_never_reach_the_home_or_stderr(cli, tmp_path):
    settings_home = cli.home
    settings_home.mkdir(parents=True, exist_ok=True)
    settings = Settings(settings_home / "settings.ini")
    for key, value in (("kdf/m_kib", 65536), ("kdf/t", 2), ("kdf/p", 1)):
        settings.set(key, value)
    good = tmp_path / "good.pw"
    write_secret(good, PASSWORD + "\n")
    bad = tmp_path / "bad.pw"
    write_secret(bad, WRONG + "\n")
    bundle = tmp_path / "demo.uvault"

    outputs = []
    assert cli("unit", "seed", "demo")[0] == 0
    for argv, expected in (
        (("export", "demo", "--out", str(bundle), "--password-file", str(good)), 0),
        (("inspect", str(bundle), "--password-file", str(good)), 0),
        (("inspect", str(bundle), "--password-file", str(bad)), 1),
        (("import", str(bundle), "--into", "copy", "--password-file", str(bad), "--yes"), 1),
        (("import", str(bundle), "--into", "copy", "--password-file", str(good), "--yes"), 0),
    ):
        rc, out, err = cli(*argv)
        assert rc == expected, (argv, err)
        outputs.append(out + err)

    wrong = outputs[2]
    assert "password" in wrong.lower()
    everything = _all_bytes(cli.home) + "".join(outputs).encode()
    for secret in (PASSWORD, WRONG):
        assert secret.encode() not in everything
        assert secret.encode("utf-16-le") not in everything
    # The log did record the work (so the check above is not vacuous).
    assert b"command: import" in (cli.home / "logs" / "unitvault.log").read_bytes()
