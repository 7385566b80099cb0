"""Requests as the queue stores them: every field but the secret ones, which come back only when given."""

from __future__ import annotations

import json

import pytest

from core.app.backups import BackupNow, DownloadBackup, KeyFiles, RestoreBackup, VerifyBackup
from core.errors import InvalidInputError
from core.jobs.requests import decode, encode


@pytest.mark.parametrize("request_", [
    BackupNow("alice", "repo", "files,units", job="nightly"),
    BackupNow("olga", "repo", None, "owner-canary-1", KeyFiles(owner_key_file="/keys/olga.key")),
    RestoreBackup("ab" * 8, "files", "merge", ("docs", "mail"), "/tmp/out", passphrase="owner-canary-1",
                  keys=KeyFiles(recovery_key_file="/keys/recovery.key"), accept_conditions=True),
    DownloadBackup("cd" * 8, "units,files", ("docs",), bundle_password="bundle-canary-2", passphrase="owner-canary-1"),
], ids=["backup", "owner-backup", "restore", "download"])
def test_a_request_round_trips_without_its_secrets(request_):
    kind, stored, secrets = encode(request_)
    text = json.dumps(stored)
    assert "canary" not in text                             # no secret value, whatever the field
    assert stored.get("_secrets", []) == sorted(secrets)
    assert decode(kind, json.loads(text), secrets) == request_
    stripped = decode(kind, json.loads(text))
    assert all(getattr(stripped, name) is None for name in secrets)


def test_what_the_queue_does_not_run_is_refused():
    with pytest.raises(InvalidInputError):
        encode(VerifyBackup("ab" * 8))
    with pytest.raises(InvalidInputError):
        decode("prune", {})
