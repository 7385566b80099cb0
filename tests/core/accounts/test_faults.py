"""Backups and restores through a TCP proxy that cuts connections: they complete after retries, or
fail with a clear message leaving no snapshot, and a rerun resumes from what was uploaded."""

from __future__ import annotations

import os

import pytest

from core.accounts import packs
from core.accounts.backup import backup_account
from core.accounts.restore import restore_backup
from core.destinations import DestinationConfig, open_destination, secret_name
from core.errors import DestinationError
from core.secrets import FileSecretStore
from tests.core.accounts.treegen import make_tree, snapshot_of

pytestmark = pytest.mark.server

FAST = dict(retry_base_delay=0.01, retry_max_delay=0.05, retry_budget=20.0)


@pytest.fixture(params=["sftp", "s3"])
def proxied(request, tmp_path, fault_proxy, ctx):
    secrets = FileSecretStore(tmp_path / "secrets")
    if request.param == "sftp":
        server = request.getfixturevalue("sftp_server")
        proxy = fault_proxy(server.host, server.port)
        params = server.params(f"{server.root}/{os.urandom(6).hex()}")
        params.update(port=proxy.port, known_hosts=None, host_key=server.host_key)
        config = DestinationConfig("faulty", "sftp", {k: v for k, v in params.items() if v is not None})
    else:
        server = request.getfixturevalue("s3_server")
        proxy = fault_proxy("127.0.0.1", server.port)
        params = server.params(f"p-{os.urandom(6).hex()}")
        params.update(endpoint=f"http://127.0.0.1:{proxy.port}")
        config = DestinationConfig("faulty", "s3", params)
        secrets.set(secret_name("faulty"), server.secret_access_key.encode())
    ctx.catalog.destinations.add(config)
    return config, secrets, proxy


class _GoesDownAfter:
    """After ``puts`` successful uploads the server becomes unreachable (connections cut and refused)."""

    def __init__(self, inner, proxy, puts: int):
        self.inner, self.proxy, self.left = inner, proxy, puts
        self.name = getattr(inner, "name", "")

    def put(self, key, data):
        if self.left == 0:
            self.proxy.refuse(True)
            self.proxy.cut_all()
        self.left -= 1
        return self.inner.put(key, data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def small_packs(monkeypatch):
    monkeypatch.setattr(packs, "PACK_TARGET", 512 << 10)


def test_cut_mid_upload_and_download_complete_after_retries(ctx, proxied, tmp_path, small_packs):
    config, secrets, proxy = proxied
    home_dir = make_tree(tmp_path / "h", files=30, big=1, big_size=2 << 20, seed=4)
    ctx.catalog.accounts.add("frank", str(home_dir))
    dest = open_destination(config, secrets, retries=5, **FAST)
    try:
        dest.put("warmup", b"x")
        proxy.cut_after(up=700_000)
        r = backup_account(ctx, "frank", "faulty", destination=dest)
        assert proxy.cuts >= 1
        proxy.cut_after(down=600_000)
        res = restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=dest)
        assert res.ok
        assert snapshot_of(tmp_path / "o") == snapshot_of(home_dir)
    finally:
        dest.close()


def test_failed_backup_leaves_no_snapshot_and_rerun_resumes(ctx, proxied, tmp_path, small_packs):
    config, secrets, proxy = proxied
    home_dir = make_tree(tmp_path / "h", files=30, big=2, big_size=2 << 20, seed=6)
    account = ctx.catalog.accounts.add("gina", str(home_dir))
    inner = open_destination(config, secrets, retries=0)
    dest = _GoesDownAfter(inner, proxy, puts=3)
    try:
        with pytest.raises(DestinationError) as info:
            backup_account(ctx, "gina", "faulty", destination=dest)
        assert info.value.message and "Traceback" not in info.value.message
    finally:
        inner.close()
    assert ctx.catalog.backups.list(account.id) == []
    proxy.clear()
    dest = open_destination(config, secrets, retries=3, **FAST)
    try:
        assert not list(dest.list(f"accounts/{account.id}/snapshots/"))
        already = sum(dest.stat(k).size for k in dest.list(f"accounts/{account.id}/packs/"))
        assert already > 0
        r = backup_account(ctx, "gina", "faulty", destination=dest)
        total = sum(dest.stat(k).size for k in dest.list(f"accounts/{account.id}/packs/"))
        assert r.new_data <= total - already + 1
        res = restore_backup(ctx, r.backup_id, items="files", to=str(tmp_path / "o"), destination=dest)
        assert res.ok and snapshot_of(tmp_path / "o") == snapshot_of(home_dir)
    finally:
        dest.close()
