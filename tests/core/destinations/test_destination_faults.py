"""Failures against real servers: cuts mid-transfer recover through retries, a destination that stays
down fails with one clear transient error, and bad credentials or host keys are permanent at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.destinations import DestinationConfig, open_destination, secret_name
from core.errors import ObjectNotFoundError, PermanentDestinationError, TransientDestinationError
from core.secrets import FileSecretStore
from tests.servers import free_port

pytestmark = pytest.mark.server

FAST = dict(retry_base_delay=0.01, retry_max_delay=0.05, retry_budget=20.0)


def _sftp_config(server, path, **changes):
    params = server.params(path)
    params.update(changes)
    return DestinationConfig("faulty", "sftp", {k: v for k, v in params.items() if v is not None})


def _s3_config(server, prefix, **changes):
    params = server.params(prefix)
    params.update(changes)
    return DestinationConfig("faulty", "s3", params)


@pytest.fixture(params=["sftp", "s3"])
def proxied(request, tmp_path, fault_proxy):
    """(config, secrets, proxy): a network destination reached through a fault proxy."""
    secrets = FileSecretStore(tmp_path / "secrets")
    if request.param == "sftp":
        server = request.getfixturevalue("sftp_server")
        proxy = fault_proxy(server.host, server.port)
        # known_hosts names the real port; through the proxy the key is pinned instead
        config = _sftp_config(server, f"{server.root}/{os.urandom(6).hex()}", port=proxy.port, known_hosts=None,
                              host_key=server.host_key)
    else:
        server = request.getfixturevalue("s3_server")
        proxy = fault_proxy("127.0.0.1", server.port)
        config = _s3_config(server, f"p-{os.urandom(6).hex()}", endpoint=f"http://127.0.0.1:{proxy.port}")
        secrets.set(secret_name("faulty"), server.secret_access_key.encode())
    return config, secrets, proxy


def test_upload_cut_midway_is_retried(proxied):
    config, secrets, proxy = proxied
    retries = []
    dest = open_destination(config, secrets, retries=4, on_retry=lambda n, d, e: retries.append(e), **FAST)
    try:
        dest.put("warmup", b"x")  # connect first, so the cut lands inside the upload
        data = os.urandom(2 * 1024 * 1024)
        proxy.cut_after(up=400_000)
        dest.put("blobs/big", data)
        assert proxy.cuts == 1
        # SFTP surfaces the cut and our wrapper retries; aiohttp (S3) may resend on its own first
        assert all(isinstance(e, TransientDestinationError) for e in retries)
        assert dest.get("blobs/big") == data
        assert list(dest.list("blobs/")) == ["blobs/big"]  # no half-written object is visible
    finally:
        dest.close()


def test_download_cut_midway_is_retried(proxied):
    config, secrets, proxy = proxied
    dest = open_destination(config, secrets, retries=4, **FAST)
    try:
        data = os.urandom(2 * 1024 * 1024)
        dest.put("blobs/big", data)
        proxy.cut_after(down=400_000)
        assert dest.get("blobs/big") == data
        assert proxy.cuts == 1
    finally:
        dest.close()


def test_cut_without_retries_is_transient(proxied):
    config, secrets, proxy = proxied
    dest = open_destination(config, secrets, retries=0)
    try:
        dest.put("warmup", b"x")
        proxy.cut_after(up=200_000, times=10)  # more cuts than the HTTP layer's own resends
        with pytest.raises(TransientDestinationError):
            dest.put("blobs/big", os.urandom(1024 * 1024))
        proxy.clear()
        dest.put("after", b"reconnects")  # the next call opens a fresh connection
        assert dest.get("after") == b"reconnects"
        with pytest.raises(ObjectNotFoundError):
            dest.get("blobs/big")
    finally:
        dest.close()


def test_destination_that_stays_down_fails_with_one_clear_message(proxied):
    config, secrets, proxy = proxied
    proxy.refuse()
    attempts = []
    dest = open_destination(config, secrets, retries=3, on_retry=lambda n, d, e: attempts.append(n), **FAST)
    try:
        with pytest.raises(TransientDestinationError) as info:
            dest.put("k", b"data")
        assert attempts == [1, 2, 3]
        assert "gave up after 4 attempts" in info.value.message
        assert info.value.message.count("\n") == 0
        assert proxy.connections >= 4
    finally:
        dest.close()


@pytest.mark.parametrize("kind", ["sftp", "s3"])
def test_unreachable_port_is_transient_after_bounded_retries(kind, request, tmp_path):
    port = free_port()  # nothing listens here
    secrets = FileSecretStore(tmp_path / "secrets")
    if kind == "sftp":
        server = request.getfixturevalue("sftp_server")
        config = _sftp_config(server, server.root, port=port)
    else:
        server = request.getfixturevalue("s3_server")
        config = _s3_config(server, "x", endpoint=f"http://127.0.0.1:{port}")
        secrets.set(secret_name("faulty"), b"testing")
    attempts = []
    dest = open_destination(config, secrets, retries=2, on_retry=lambda n, d, e: attempts.append(n), **FAST)
    try:
        with pytest.raises(TransientDestinationError, match="gave up after 3 attempts"):
            dest.get("anything")
        assert attempts == [1, 2]
    finally:
        dest.close()


# --- permanent: never retried ------------------------------------------------------------------------
def _expect_permanent(config, secrets, match):
    attempts = []
    dest = open_destination(config, secrets, retries=5, on_retry=lambda n, d, e: attempts.append(n), **FAST)
    try:
        with pytest.raises(PermanentDestinationError, match=match) as info:
            dest.put("k", b"data")
        assert attempts == []
        return info.value
    finally:
        dest.close()


def test_sftp_unknown_host_key_is_refused(sftp_server, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    err = _expect_permanent(_sftp_config(sftp_server, sftp_server.root, known_hosts=str(empty)), None,
                            "is not listed in")
    assert "refusing to connect" in err.message and "ssh-keyscan" in err.hint


def test_sftp_known_hosts_for_another_port_is_refused(sftp_server, fault_proxy):
    proxy = fault_proxy(sftp_server.host, sftp_server.port)
    _expect_permanent(_sftp_config(sftp_server, sftp_server.root, port=proxy.port), None, "host key")


def test_sftp_pinned_key_mismatch_is_refused(sftp_server):
    config = _sftp_config(sftp_server, sftp_server.root, known_hosts=None, host_key=sftp_server.other_host_key)
    _expect_permanent(config, None, "does not match the pinned host key")


def test_sftp_pinned_key_match_works(sftp_server):
    config = _sftp_config(sftp_server, f"{sftp_server.root}/pinned", known_hosts=None,
                          host_key=sftp_server.host_key)
    dest = open_destination(config, None, retries=0)
    try:
        dest.put("k", b"v")
        assert dest.get("k") == b"v"
    finally:
        dest.close()


def test_sftp_missing_known_hosts_file_is_permanent(sftp_server, tmp_path):
    _expect_permanent(_sftp_config(sftp_server, sftp_server.root, known_hosts=str(tmp_path / "nope")), None,
                      "does not exist")


def test_sftp_wrong_key_is_refused(sftp_server):
    other_key = str(Path(sftp_server.key_file).parent / "other_ed25519")
    err = _expect_permanent(_sftp_config(sftp_server, sftp_server.root, key_file=other_key), None,
                            "refused the key")
    assert "authorized_keys" in err.hint


def test_sftp_permission_denied_is_permanent(sftp_server):
    if os.geteuid() == 0:
        config = _sftp_config(sftp_server, "/proc/unitvault")  # even root cannot create files in /proc
    else:
        config = _sftp_config(sftp_server, "/unitvault-not-allowed")
    _expect_permanent(config, None, "Cannot write 'k'")


def test_s3_wrong_secret_is_refused_and_never_echoed(s3_auth_server, tmp_path):
    secrets = FileSecretStore(tmp_path / "secrets")
    config = _s3_config(s3_auth_server, "auth")
    secrets.set(secret_name("faulty"), b"definitely-wrong-secret")
    err = _expect_permanent(config, secrets, "refused the credentials")
    assert "definitely-wrong-secret" not in f"{err.message} {err.hint}"
    assert s3_auth_server.access_key_id not in err.message

    secrets.set(secret_name("faulty"), s3_auth_server.secret_access_key.encode())
    dest = open_destination(config, secrets, retries=0)
    try:
        dest.put("k", b"v")
        assert dest.get("k") == b"v"
    finally:
        dest.close()


def test_s3_wrong_access_key_id_is_refused(s3_auth_server, tmp_path):
    secrets = FileSecretStore(tmp_path / "secrets")
    secrets.set(secret_name("faulty"), s3_auth_server.secret_access_key.encode())
    _expect_permanent(_s3_config(s3_auth_server, "auth", access_key_id="AKIANOSUCHKEY0000000"), secrets,
                      "refused the credentials")


def test_s3_missing_bucket_is_permanent(s3_server, tmp_path):
    secrets = FileSecretStore(tmp_path / "secrets")
    secrets.set(secret_name("faulty"), b"testing")
    config = _s3_config(s3_server, "", bucket="no-such-bucket-here")
    _expect_permanent(config, secrets, "bucket 'no-such-bucket-here' does not exist")
    dest = open_destination(config, secrets, retries=0)
    try:
        for call in (lambda: dest.get("k"), lambda: dest.stat("k"), lambda: list(dest.list()),
                     lambda: dest.exists("k"), lambda: dest.delete("k")):
            with pytest.raises(PermanentDestinationError, match="does not exist"):
                call()
    finally:
        dest.close()


def test_local_missing_root_is_permanent_and_not_recreated(tmp_path):
    root = tmp_path / "unmounted"
    config = DestinationConfig("faulty", "local", {"path": str(root)})
    _expect_permanent(config, None, "does not exist")
    assert not root.exists()
