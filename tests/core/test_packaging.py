"""Schemas and resources ship inside the wheel and load through importlib.resources."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_contains_schemas_resources_and_both_packages(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    if out.returncode != 0 and "No module named 'hatchling'" in out.stderr:
        raise AssertionError("hatchling is missing from the test environment")
    assert out.returncode == 0, out.stderr[-2000:]
    (wheel,) = tmp_path.glob("unitvault-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for schema in (ROOT / "schemas").glob("*.json"):
        assert f"core/_data/schemas/{schema.name}" in names
    assert any(n.startswith("core/_data/resources/") for n in names)
    assert "core/unit/migrations/env.py" in names
    assert "core/cli/main.py" in names and "desktop/app.py" in names
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "unitvault = core.cli.main:run" in entry and "unitvault-desktop = desktop.app:run" in entry


def test_data_dir_resolves_in_a_source_checkout():
    from core.resources import data_dir

    assert (data_dir("schemas") / "plugin.schema.json").is_file()


def test_the_systemd_user_timer_runs_commands_the_cli_has(tmp_path):
    """packaging/linux/: the service's commands are real ``unitvault`` commands, and systemd (where its
    analyzer is installed) reads both units without a complaint."""
    import shutil

    from core.cli.main import build_parser

    service = (ROOT / "packaging" / "linux" / "unitvault-queue.service").read_text()
    commands = [line.split("unitvault ", 1)[1].split() for line in service.splitlines()
                if line.startswith("ExecStart=")]
    assert commands == [["schedule", "run-due"], ["queue", "run", "--until-empty"]]
    for argv in commands:
        assert callable(build_parser().parse_args(argv).func)
    timer = (ROOT / "packaging" / "linux" / "unitvault-queue.timer").read_text()
    assert "OnCalendar=" in timer and "WantedBy=timers.target" in timer
    analyzer = shutil.which("systemd-analyze")
    if analyzer is None:
        return
    for name in ("unitvault-queue.service", "unitvault-queue.timer"):
        shutil.copy(ROOT / "packaging" / "linux" / name, tmp_path / name)
    out = subprocess.run([analyzer, "verify", "--man=no", "unitvault-queue.service", "unitvault-queue.timer"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr
