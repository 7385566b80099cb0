import os
import stat

import keyring.backend
import pytest

from core.errors import InvalidInputError
from core.secrets import FileSecretStore, KeyringSecretStore, open_secret_store


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend kept in memory: stands in for the OS keyring, which CI lacks."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.items = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        import keyring.errors

        if (service, username) not in self.items:
            raise keyring.errors.PasswordDeleteError(username)
        del self.items[(service, username)]


@pytest.fixture(params=["file", "keyring"])
def secret_store(request, tmp_path):
    if request.param == "file":
        return FileSecretStore(tmp_path / "secrets")
    return KeyringSecretStore(str(tmp_path), keyring_module=MemoryKeyring())


def test_round_trip_and_delete(secret_store):
    assert secret_store.get("snapshot-key") is None
    secret_store.set("snapshot-key", b"\x00\x01binary\xff")
    assert secret_store.get("snapshot-key") == b"\x00\x01binary\xff"
    secret_store.set("snapshot-key", b"new")
    assert secret_store.get("snapshot-key") == b"new"
    secret_store.delete("snapshot-key")
    secret_store.delete("snapshot-key")  # deleting twice is harmless
    assert secret_store.get("snapshot-key") is None


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", "UPPER", ".hidden", "x" * 200])
def test_hostile_names_are_refused(secret_store, bad):
    with pytest.raises(InvalidInputError):
        secret_store.set(bad, b"v")


def test_file_backend_is_private(tmp_path):
    store = FileSecretStore(tmp_path / "secrets")
    store.set("destination.s3.secret", b"s3cr3t")
    assert stat.S_IMODE(os.stat(tmp_path / "secrets").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "secrets" / "destination.s3.secret").st_mode) == 0o600
    assert not [p for p in (tmp_path / "secrets").iterdir() if p.name.endswith(".part")]


def test_keyring_entries_are_namespaced_by_home(tmp_path):
    ring = MemoryKeyring()
    a = KeyringSecretStore(str(tmp_path / "a"), keyring_module=ring)
    b = KeyringSecretStore(str(tmp_path / "b"), keyring_module=ring)
    a.set("k", b"one")
    assert b.get("k") is None
    assert a.get("k") == b"one"


def test_without_a_usable_keyring_the_file_backend_is_chosen(tmp_path, monkeypatch):
    import keyring
    from keyring.backends import fail

    monkeypatch.delenv("UNITVAULT_SECRETS", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = open_secret_store(tmp_path)
    finally:
        keyring.set_keyring(previous)
    assert store.backend_name == "file"


def test_with_a_usable_keyring_it_is_chosen(tmp_path, monkeypatch):
    import keyring

    monkeypatch.delenv("UNITVAULT_SECRETS", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        store = open_secret_store(tmp_path)
        store.set("k", b"v")
        assert store.backend_name == "keyring"
        assert store.get("k") == b"v"
        assert not (tmp_path / "secrets").exists()
    finally:
        keyring.set_keyring(previous)
