"""Shared fixtures: a temporary app home for every test that needs one; servers come from server_fixtures."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never touch a real keyring or the user's data dir.
os.environ["UNITVAULT_SECRETS"] = "file"
for _var in ("UNITVAULT_HOME", "UNITVAULT_DB", "UNITVAULT_CATALOG_DB", "UNITVAULT_PASSWORD", "UNITVAULT_USER_PASSWORD",
             "UNITVAULT_BACKUP_TOKEN"):
    os.environ.pop(_var, None)


def write_secret(path, text: str):
    """A password or key file as a careful user keeps it: readable by its owner only."""
    path.write_text(text)
    path.chmod(0o600)
    return path


@pytest.fixture
def home(tmp_path):
    from core.home import AppHome

    return AppHome.resolve(tmp_path / "home")


@pytest.fixture
def ctx(home):
    from core.app.context import AppContext

    context = AppContext(home)
    yield context
    context.close()


@pytest.fixture
def store(ctx):
    return ctx.units


@pytest.fixture
def cli(tmp_path, capsys):
    """Run the CLI in-process against a temporary home: cli("unit", "list") -> (rc, stdout, stderr)."""
    from core.cli.main import main

    home_dir = tmp_path / "home"

    def run(*argv: str):
        try:
            rc = main(["--home", str(home_dir), *argv])
        except SystemExit as exc:  # argparse usage errors
            rc = exc.code
        out = capsys.readouterr()
        return rc, out.out, out.err

    run.home = home_dir
    return run


from tests.server_fixtures import *  # noqa: E402,F401,F403  (sftp_server, s3_server, fault_proxy, any_destination, ...)


@pytest.fixture(autouse=True)
def quick_user_hashing(monkeypatch):
    """Users' passwords and vaults with the cheapest Argon2 parameters the code accepts (the
    production ones take about half a second each here; tests/core/governance/test_passwords.py
    checks those). The same idea as the bundle tests' fast KDF."""
    from argon2 import PasswordHasher

    from core.governance import passwords, vault

    cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: cheap.hash("unitvault: no such user"))
    monkeypatch.setattr(vault, "KDF", {"m_kib": 8 * 1024, "t": 1, "p": 1})


@pytest.fixture(autouse=True)
def secrets_of_this_test_only():
    """The log's list of secrets to mask lives as long as the process (a command's). In one test
    process, a password an earlier test typed ("wrong") must not mask a later test's message."""
    from core import logsetup

    before = set(logsetup._SECRETS)
    yield
    with logsetup._LOCK:
        logsetup._SECRETS.intersection_update(before)
