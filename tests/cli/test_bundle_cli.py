"""``unitvault export / inspect / kdf / recovery-key`` in-process, with a temporary home."""

from __future__ import annotations

import json

import pytest

from core.cli.main import main
from tests.conftest import write_secret

PASSWORD = "correct horse battery staple"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A home with a small demo unit, calibrated (floor) KDF settings and a password file."""
    from core.settings import Settings

    monkeypatch.delenv("UNITVAULT_PASSWORD", raising=False)
    home = tmp_path / "home"
    assert main(["--home", str(home), "unit", "seed", "demo", "--size", "small"]) == 0
    s = Settings(home / "settings.ini")
    for k, v in (("kdf/m_kib", 65536), ("kdf/t", 2), ("kdf/p", 1)):
        s.set(k, v)
    pw = tmp_path / "pw"
    write_secret(pw, PASSWORD + "\n")
    return {"home": home, "pw": pw, "tmp": tmp_path}


def run(env, *args):
    return main(["--home", str(env["home"]), *args])


def test_export_then_inspect_json_has_exactly_the_documented_keys(env, capsys):
    out = env["tmp"] / "demo.uvault"
    assert run(env, "export", "demo", "--out", str(out), "--password-file", str(env["pw"])) == 0
    assert "\r" not in capsys.readouterr().err             # no progress bar when stderr is not a TTY
    assert run(env, "inspect", str(out), "--json") == 0
    header = json.loads(capsys.readouterr().out)
    assert list(header) == ["format_version", "kdf", "file_size"]
    assert header["kdf"] == {"m_kib": 65536, "t": 2, "p": 1} and header["file_size"] == out.stat().st_size
    assert run(env, "inspect", str(out), "--json", "--password-file", str(env["pw"])) == 0
    full = json.loads(capsys.readouterr().out)
    assert list(full) == ["format_version", "kdf", "file_size", "manifest"]
    assert list(full["manifest"]) == ["unit", "created", "app_version", "counts"]
    assert list(full["manifest"]["unit"]) == ["id", "name"] and full["manifest"]["unit"]["name"] == "demo"
    assert full["manifest"]["counts"] == {"plugins": 20, "workspaces": 50, "applications": 500, "profiles": 10,
                                          "config_keys": 1000}


def test_inspect_without_password_never_prompts(env, capsys, monkeypatch):
    out = env["tmp"] / "demo.uvault"
    run(env, "export", "demo", "--out", str(out), "--password-file", str(env["pw"]))
    monkeypatch.setattr("getpass.getpass", lambda *a: pytest.fail("prompted"))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    capsys.readouterr()
    assert run(env, "inspect", str(out)) == 0
    assert "format version" in capsys.readouterr().out


def test_export_refuses_existing_file_without_force(env, capsys):
    out = env["tmp"] / "demo.uvault"
    out.write_bytes(b"precious")
    assert run(env, "export", "demo", "--out", str(out), "--password-file", str(env["pw"])) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and len(err.strip().splitlines()) == 1
    assert out.read_bytes() == b"precious"
    assert run(env, "export", "demo", "--out", str(out), "--password-file", str(env["pw"]), "--force") == 0
    assert out.read_bytes()[:8] == b"\x89UVLT\r\n\x1a"


def test_password_rules_short_refused_weak_warned_stdin_and_env(env, capsys, monkeypatch):
    short = env["tmp"] / "short"
    short.write_text("abc\n")
    assert run(env, "export", "demo", "--out", str(env["tmp"] / "a.uvault"), "--password-file", str(short)) == 1
    assert "at least 4" in capsys.readouterr().err
    assert not (env["tmp"] / "a.uvault").exists()
    weak = env["tmp"] / "weak"
    weak.write_text("abcd\n")
    assert run(env, "export", "demo", "--out", str(env["tmp"] / "b.uvault"), "--password-file", str(weak)) == 0
    err = capsys.readouterr().err
    assert "warning: weak password" in err and "abcd" not in err
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert run(env, "export", "demo", "--out", str(env["tmp"] / "c.uvault"), "--password-stdin") == 0
    monkeypatch.setenv("UNITVAULT_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert run(env, "inspect", str(env["tmp"] / "c.uvault"), "--json") == 0
    assert "manifest" in json.loads(capsys.readouterr().out)


def test_wrong_password_is_one_line_with_the_word_password(env, capsys):
    out = env["tmp"] / "demo.uvault"
    run(env, "export", "demo", "--out", str(out), "--password-file", str(env["pw"]))
    bad = env["tmp"] / "bad"
    write_secret(bad, "not it\n")
    capsys.readouterr()
    assert run(env, "inspect", str(out), "--password-file", str(bad)) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "password" in lines[0]


def test_batch_export_continues_past_a_failed_unit(env, capsys):
    run(env, "unit", "seed", "other", "--size", "small", "--seed", "2")
    outdir = env["tmp"] / "out"
    outdir.mkdir()
    capsys.readouterr()
    rc = run(env, "export", "demo", "ghost", "other", "--out-dir", str(outdir), "--password-file", str(env["pw"]),
             "--name-template", "{unit}-{date}.uvault", "--json")
    assert rc == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert [w["unit"] for w in data["written"]] == ["demo", "other"]
    assert [f["unit"] for f in data["failed"]] == ["ghost"]
    assert "ghost" in captured.err
    assert sorted(p.name.split("-")[0] for p in outdir.iterdir()) == ["demo", "other"]


def test_recovery_key_create_use_and_inspect_with_it(env, capsys):
    kit = env["tmp"] / "kit"
    assert run(env, "recovery-key", "create", "--out", str(kit)) == 0
    assert {p.name for p in kit.iterdir()} == {"recovery.key", "recovery.pub", "recovery-kit.html"}
    assert (kit / "recovery.key").stat().st_mode & 0o077 == 0
    html = (kit / "recovery-kit.html").read_text()
    secret_line = [line for line in (kit / "recovery.key").read_text().splitlines() if line.startswith("UVSEC1-")][0]
    assert "<svg" in html and secret_line[:15] in html.replace(" ", "")
    assert run(env, "recovery-key", "use", str(kit / "recovery.key")) == 1     # the private file is refused
    assert run(env, "recovery-key", "use", str(kit / "recovery.pub")) == 0
    out = env["tmp"] / "demo.uvault"
    assert run(env, "export", "demo", "--out", str(out), "--password-file", str(env["pw"])) == 0
    capsys.readouterr()
    assert run(env, "inspect", str(out), "--recovery-key", str(kit / "recovery.key"), "--json") == 0
    assert json.loads(capsys.readouterr().out)["manifest"]["unit"]["name"] == "demo"
    home_files = "".join(p.read_text(errors="replace") for p in env["home"].rglob("*") if p.is_file()
                         and p.suffix != ".sqlite3")
    assert secret_line not in home_files                  # the private key is never stored by the app
    assert run(env, "recovery-key", "clear") == 0
    out2 = env["tmp"] / "plain.uvault"
    run(env, "export", "demo", "--out", str(out2), "--password-file", str(env["pw"]))
    capsys.readouterr()
    assert run(env, "inspect", str(out2), "--recovery-key", str(kit / "recovery.key")) == 1
    assert "recovery" in capsys.readouterr().err


def test_kdf_show_calibrate_reset(env, capsys, monkeypatch):
    import core.bundle as bundle
    from core.bundle.header import KdfParams

    assert run(env, "kdf", "show", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"m_kib": 65536, "t": 2, "p": 1, "calibrated": True}
    monkeypatch.setattr(bundle, "calibrate_kdf", lambda: KdfParams(131072, 3, 2))  # what the use case calls
    assert run(env, "kdf", "calibrate", "--json") == 0
    capsys.readouterr()
    run(env, "kdf", "show", "--json")
    assert json.loads(capsys.readouterr().out)["m_kib"] == 131072
    assert run(env, "kdf", "reset") == 0
    capsys.readouterr()
    run(env, "kdf", "show", "--json")
    assert json.loads(capsys.readouterr().out) == {"m_kib": 262144, "t": 3, "p": 2, "calibrated": False}


def test_password_never_on_argv(env):
    with pytest.raises(SystemExit) as info:
        run(env, "export", "demo", "--out", "x.uvault", "--password", PASSWORD)
    assert info.value.code == 2


def test_a_password_file_others_can_read_is_used_with_a_warning(env, capsys):
    loose = env["tmp"] / "loose"
    loose.write_text(PASSWORD + "\n")
    loose.chmod(0o644)
    out = env["tmp"] / "demo.uvault"
    assert run(env, "export", "demo", "--out", str(out), "--password-file", str(loose)) == 0
    err = capsys.readouterr().err
    assert "can be read by other users" in err and PASSWORD not in err
    assert run(env, "inspect", str(out), "--password-file", str(env["pw"])) == 0


def test_a_huge_password_file_is_refused_without_reading_it_whole(env, capsys):
    huge = env["tmp"] / "huge"
    with open(huge, "wb") as fh:
        fh.truncate(1 << 30)               # a sparse 1 GiB file: reading it whole would show in memory
    huge.chmod(0o600)
    out = env["tmp"] / "demo.uvault"
    assert run(env, "export", "demo", "--out", str(out), "--password-file", str(huge)) == 1
    assert "larger than 64 KiB" in capsys.readouterr().err and not out.exists()


def test_force_never_replaces_a_device_a_pipe_or_a_link(env, capsys):
    import os
    import stat

    fifo = env["tmp"] / "pipe.uvault"
    os.mkfifo(fifo)
    targets = [fifo]
    if os.geteuid() == 0:                      # the reported case: --force replaced /dev/full as root
        dev = env["tmp"] / "full.uvault"
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 7))
        targets.append(dev)
    for target in targets:
        assert run(env, "export", "demo", "--out", str(target), "--force", "--password-file", str(env["pw"])) == 1
        assert "only a regular file is ever replaced" in capsys.readouterr().err
        assert not stat.S_ISREG(os.lstat(target).st_mode)
    assert not [p for p in env["tmp"].iterdir() if p.name.endswith(".part")]
