"""``unitvault destination add/list/test/remove/scan`` in-process, against real servers."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.conftest import write_secret


def _json(out: str):
    return json.loads(out)


def test_local_add_list_test_remove(cli, tmp_path):
    folder = tmp_path / "backups" / "nested"
    rc, out, err = cli("destination", "add", "usb", "--type", "local", "--path", str(folder))
    assert rc == 0, err
    assert folder.is_dir() and (folder.stat().st_mode & 0o777) == 0o700
    assert "Added destination usb" in out

    rc, out, _ = cli("destination", "list", "--json")
    assert rc == 0
    assert _json(out) == [{"name": "usb", "type": "local", "location": str(folder),
                           "params": {"path": str(folder)}, "has_secret": False}]
    rc, out, _ = cli("destination", "list")
    assert "usb" in out and "local" in out

    rc, out, err = cli("destination", "test", "usb", "--json", "--size", "0.25")
    assert rc == 0, err
    result = _json(out)
    assert result["ok"] is True and result["probe_bytes"] == 256 * 1024
    assert result["write_mib_s"] > 0 and result["read_mib_s"] > 0 and result["latency_ms"] >= 0
    assert list(folder.rglob("probe-*")) == []

    (folder / "keep-me").write_bytes(b"backup data")
    rc, _, err = cli("destination", "remove", "usb")
    assert rc == 1 and "needs confirmation" in err and "--yes" in err
    rc, _, err = cli("destination", "remove", "usb", "--yes")
    assert rc == 0 and "left in place" in err
    assert (folder / "keep-me").read_bytes() == b"backup data"
    rc, out, _ = cli("destination", "list", "--json")
    assert _json(out) == []
    rc, _, err = cli("destination", "test", "usb")
    assert rc == 1 and "No destination named 'usb'" in err


def test_add_refuses_duplicates_stray_options_and_bad_names(cli, tmp_path):
    assert cli("destination", "add", "a", "--type", "local", "--path", str(tmp_path / "a"))[0] == 0
    rc, _, err = cli("destination", "add", "a", "--type", "local", "--path", str(tmp_path / "b"))
    assert rc == 1 and "already exists" in err
    rc, _, err = cli("destination", "add", "b", "--type", "local", "--path", str(tmp_path / "b"), "--bucket", "x")
    assert rc == 1 and "--bucket cannot be used with --type local" in err
    rc, _, err = cli("destination", "add", "../evil", "--type", "local", "--path", str(tmp_path / "c"))
    assert rc == 1 and "Invalid destination name" in err
    rc, _, err = cli("destination", "add", "c", "--type", "local")
    assert rc == 1 and "needs a path" in err and "Add --path" in err
    rc, _, err = cli("destination", "add", "d", "--type", "local", "--path", str(tmp_path / "d"),
                     "--bandwidth-limit", "fast")
    assert rc == 1 and "Invalid bandwidth limit" in err
    assert not (tmp_path / "b").exists() and not (tmp_path / "c").exists()
    rc, _, _ = cli("destination", "add", "e", "--type", "ftp", "--path", "x")
    assert rc == 2


@pytest.mark.server
def test_s3_secret_from_file_never_reaches_catalog_or_log(cli, tmp_path, s3_server):
    secret_file = tmp_path / "secret.txt"
    write_secret(secret_file, s3_server.secret_access_key + "-not-checked-by-moto\n")
    rc, out, err = cli("destination", "add", "offsite", "--type", "s3", "--endpoint", s3_server.endpoint,
                       "--bucket", s3_server.bucket, "--prefix", "/cli/", "--access-key-id",
                       s3_server.access_key_id, "--secret-file", str(secret_file), "--bandwidth-limit", "50M",
                       "--json")
    assert rc == 0, err
    data = _json(out)
    assert data["params"] == {"bucket": s3_server.bucket, "access_key_id": s3_server.access_key_id,
                              "prefix": "cli", "region": "us-east-1", "endpoint": s3_server.endpoint,
                              "bandwidth_limit": 50 * 1024 * 1024}
    assert data["has_secret"] is True

    rc, out, err = cli("destination", "test", "offsite", "--size", "1")
    assert rc == 0, err
    assert out.startswith("offsite: OK") and "MiB/s" in out

    secret = b"testing-not-checked-by-moto"
    home = cli.home
    for path in home.rglob("*"):
        if path.is_file() and "secrets" not in path.parts:
            assert secret not in path.read_bytes(), path
    stored = [p for p in (home / "secrets").iterdir()]
    assert [p.name for p in stored] == ["destination.offsite.secret"]
    assert stored[0].read_bytes() == secret and (stored[0].stat().st_mode & 0o777) == 0o600

    rc, _, err = cli("destination", "remove", "offsite", "--yes")
    assert rc == 0
    assert list((home / "secrets").iterdir()) == []


@pytest.mark.server
def test_s3_secret_from_stdin_and_refusal_without_one(cli, monkeypatch, s3_server):
    base = ["destination", "add", "s", "--type", "s3", "--endpoint", s3_server.endpoint, "--bucket",
            s3_server.bucket, "--access-key-id", "testing"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    rc, _, err = cli(*base)
    assert rc == 1 and "No secret given" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("testing\n"))
    rc, _, err = cli(*base, "--secret-stdin")
    assert rc == 0, err
    assert cli("destination", "test", "s", "--size", "0.1")[0] == 0


@pytest.mark.server
def test_sftp_with_known_hosts_and_with_pinned_key(cli, tmp_path, sftp_server):
    common = ["--type", "sftp", "--host", sftp_server.host, "--port", str(sftp_server.port), "--user",
              sftp_server.user, "--key-file", sftp_server.key_file]
    rc, _, err = cli("destination", "add", "box", *common, "--known-hosts", sftp_server.known_hosts,
                     "--path", f"{sftp_server.root}/cli-box")
    assert rc == 0, err
    rc, out, err = cli("destination", "test", "box", "--json", "--size", "0.5")
    assert rc == 0, err
    assert _json(out)["ok"] is True

    rc, _, err = cli("destination", "add", "pinned", *common, "--host-key", sftp_server.host_key + " comment",
                     "--path", f"{sftp_server.root}/cli-pinned")
    assert rc == 0, err
    rc, out, _ = cli("destination", "list", "--json")
    pinned = [d for d in _json(out) if d["name"] == "pinned"][0]
    assert pinned["params"]["host_key"] == sftp_server.host_key
    assert "known_hosts" not in pinned["params"]
    assert cli("destination", "test", "pinned", "--size", "0.1")[0] == 0


@pytest.mark.server
def test_sftp_unknown_host_key_is_refused_before_saving_and_by_the_test_command(cli, tmp_path, sftp_server):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    args = ("destination", "add", "strange", "--type", "sftp", "--host", sftp_server.host, "--port",
            str(sftp_server.port), "--user", sftp_server.user, "--key-file", sftp_server.key_file, "--known-hosts",
            str(empty))
    rc, _, err = cli(*args)
    assert rc == 1 and "refusing to connect" in err and "--host-key" in err
    assert "strange" not in cli("destination", "list")[1]                    # nothing was saved
    rc, _, err = cli(*args, "--no-check")                                    # saved without connecting
    assert rc == 0, err
    rc, out, err = cli("destination", "test", "strange")
    assert rc == 1 and out == ""
    assert err.startswith("unitvault: error: The host key of the SFTP server") and "refusing to connect" in err
    assert err.count("\n") == 1


def test_sftp_add_needs_an_existing_key_and_known_hosts(cli, tmp_path):
    key = tmp_path / "id"
    key.write_text("not really a key")
    rc, _, err = cli("destination", "add", "x", "--type", "sftp", "--host", "h", "--user", "u",
                     "--key-file", str(tmp_path / "missing"), "--host-key", "ssh-ed25519 AAAA")
    assert rc == 1 and "key file" in err
    rc, _, err = cli("destination", "add", "x", "--type", "sftp", "--host", "h", "--user", "u",
                     "--key-file", str(key), "--known-hosts", str(tmp_path / "nope"))
    assert rc == 1 and "known_hosts file" in err


def test_scan_finds_the_backups_another_installation_made(cli, tmp_path):
    """A fresh home that knows nothing but the destination rediscovers every backup stored there."""
    home = tmp_path / "alice-home"
    home.mkdir()
    (home / "notes.txt").write_text("hello")
    assert cli("destination", "add", "usb", "--type", "local", "--path", str(tmp_path / "d"))[0] == 0
    assert cli("account", "add", "alice", "--home-dir", str(home))[0] == 0
    for _ in range(2):
        assert cli("backup", "now", "alice", "--destination", "usb", "--items", "files")[0] == 0
    other = ["--home", str(tmp_path / "other-home")]
    assert cli(*other, "destination", "add", "usb", "--type", "local", "--path", str(tmp_path / "d"))[0] == 0
    rc, out, err = cli(*other, "destination", "scan", "usb", "--json")
    assert rc == 0, err
    data = _json(out)
    assert data["backups_found"] == 2 and data["backups_added"] == 2 and len(data["unknown_accounts"]) == 1
    rc, out, _ = cli(*other, "destination", "scan", "usb")
    assert rc == 0 and "backups found: 2" in out and "backups added: 0" in out
    rc, _, err = cli("destination", "scan", "nothere")
    assert rc == 1 and "No destination named" in err
