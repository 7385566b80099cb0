"""Secrets the app holds (app-held keys, destination credentials): one small interface, two backends.

The OS keyring when a usable backend exists (entries namespaced by the home's path), otherwise 0600
files under the home's ``secrets/`` (the convention of aws-cli, rclone and restic). Secret values are
bytes; they never go to the database or the logs. ``UNITVAULT_SECRETS=file|keyring`` forces a backend.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path
from typing import Protocol

from core.errors import InvalidInputError, SecretsError
from core.fsutil import atomic_write_bytes

_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")


def _check_name(name: str) -> str:
    if not _NAME.match(name) or ".." in name:
        raise InvalidInputError(f"Invalid secret name {name!r}.")
    return name


class SecretStore(Protocol):
    backend_name: str

    def get(self, name: str) -> bytes | None: ...

    def set(self, name: str, value: bytes) -> None: ...

    def delete(self, name: str) -> None: ...


class FileSecretStore:
    backend_name = "file"

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _path(self, name: str) -> Path:
        return self.directory / _check_name(name)

    def get(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SecretsError(f"Cannot read secret {name!r}: {exc.strerror}.") from None

    def set(self, name: str, value: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        try:
            atomic_write_bytes(self._path(name), bytes(value), mode=0o600)
        except OSError as exc:
            raise SecretsError(f"Cannot write secret {name!r}: {exc.strerror}.") from None

    def delete(self, name: str) -> None:
        try:
            self._path(name).unlink()
        except FileNotFoundError:
            pass


class KeyringSecretStore:
    backend_name = "keyring"

    def __init__(self, namespace: str, keyring_module=None):
        import keyring

        self._keyring = keyring_module or keyring
        self.service = f"unitvault:{namespace}"

    def get(self, name: str) -> bytes | None:
        _check_name(name)
        try:
            value = self._keyring.get_password(self.service, name)
        except Exception as exc:  # keyring backends raise their own types
            raise SecretsError(f"Cannot read secret {name!r} from the keyring ({type(exc).__name__}).") from None
        return None if value is None else base64.b64decode(value)

    def set(self, name: str, value: bytes) -> None:
        _check_name(name)
        try:
            self._keyring.set_password(self.service, name, base64.b64encode(value).decode())
        except Exception as exc:
            raise SecretsError(f"Cannot write secret {name!r} to the keyring ({type(exc).__name__}).") from None

    def delete(self, name: str) -> None:
        import keyring.errors

        try:
            self._keyring.delete_password(self.service, _check_name(name))
        except keyring.errors.PasswordDeleteError:
            pass


def keyring_usable() -> bool:
    """True when keyring has a real backend (not the 'fail' or null backend)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    try:
        from keyring.backends import chainer

        if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
            return False
    except ImportError:
        pass
    return getattr(backend, "priority", 0) > 0


def open_secret_store(home_root: Path, secrets_dir: Path | None = None) -> SecretStore:
    forced = os.environ.get("UNITVAULT_SECRETS", "").lower()
    if forced == "file":
        return FileSecretStore(secrets_dir or Path(home_root) / "secrets")
    if forced == "keyring" or (forced == "" and keyring_usable()):
        return KeyringSecretStore(str(Path(home_root).resolve()))
    return FileSecretStore(secrets_dir or Path(home_root) / "secrets")
