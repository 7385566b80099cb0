import json
import subprocess
import sys

import pytest


def test_seed_show_digest_list_delete(cli):
    rc, out, err = cli("unit", "seed", "demo", "--size", "small")
    assert rc == 0, err
    rc, out, _ = cli("unit", "show", "demo", "--json")
    data = json.loads(out)
    assert set(data) == {"id", "name", "display_name", "counts"}
    assert data["counts"] == {"plugins": 20, "workspaces": 50, "applications": 500, "profiles": 10, "config_keys": 1000}
    rc, digest, _ = cli("unit", "digest", "demo")
    assert rc == 0 and len(digest) == 65 and digest.endswith("\n") and digest.strip() == digest.strip().lower()
    cli("unit", "seed", "twin", "--size", "small")
    assert cli("unit", "digest", "twin")[1] == digest
    cli("unit", "seed", "other", "--size", "small", "--seed", "7")
    assert cli("unit", "digest", "other")[1] != digest
    rc, out, _ = cli("unit", "list", "--json")
    assert [u["name"] for u in json.loads(out)] == ["demo", "other", "twin"]
    rc, out, err = cli("unit", "delete", "demo")
    assert rc == 1 and "--yes" in err
    assert cli("unit", "delete", "demo", "--yes")[0] == 0
    assert cli("unit", "show", "demo")[0] == 1


def test_errors_are_one_line_with_exit_1_and_usage_is_exit_2(cli):
    rc, out, err = cli("unit", "show", "missing")
    assert rc == 1
    assert err.count("\n") == 1 and "missing" in err and "Traceback" not in err
    rc, _, err = cli("unit", "seed", "Bad Name")
    assert rc == 1 and "Invalid unit name" in err
    rc, _, _ = cli("unit", "seed", "x", "--size", "enormous")
    assert rc == 2
    rc, _, _ = cli("no-such-command")
    assert rc == 2


@pytest.mark.parametrize("argv", [["--help"], ["unit", "--help"], ["unit", "seed", "--help"], ["unit", "digest", "--help"]])
def test_every_command_has_help(cli, argv):
    rc, out, _ = cli(*argv)
    assert rc == 0 and "usage:" in out


def test_the_installed_console_script_runs(tmp_path):
    bindir = __import__("pathlib").Path(sys.executable).parent
    out = subprocess.run([str(bindir / "unitvault"), "--home", str(tmp_path / "h"), "unit", "list", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_logs_go_to_the_home(cli):
    cli("unit", "seed", "demo")
    log = cli.home / "logs" / "unitvault.log"
    assert log.exists() and "command: unit" in log.read_text()
