"""The repository at a destination: its layout, the account keys, and the sealed objects.

Layout (docs/repository-format.md is the spec)::

    unitvault-repo.json                          clear: format marker and version
    accounts/<uuid>/key                          clear JSON: the data key, wrapped (app key or passphrase)
    accounts/<uuid>/meta                         sealed: account metadata (username, email, home, units, ...)
    accounts/<uuid>/packs/<xx>/<pack-id>         concatenated sealed blobs
    accounts/<uuid>/index/<pack-id>              sealed: the pack's blob list (id, offset, length, raw size)
    accounts/<uuid>/snapshots/<snapshot-id>      UVS1 + clear header + sealed manifest, written LAST
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field

import msgpack

from core.accounts.crypto import AccountKeys, new_data_key, unwrap_data_key, wrap_data_key
from core.errors import (
    BackupError,
    IntegrityError,
    NewerVersionError,
    NotFoundError,
    ObjectNotFoundError,
)
from core.support.strict_msgpack import unpackb

MARKER = "unitvault-repo.json"
REPO_FORMAT = "unitvault-repository"
REPO_VERSION = 1
SNAPSHOT_MAGIC = b"UVS1"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEX_RE = re.compile(r"^[0-9a-f]{16,64}$")
MAX_HEADER = 64 * 1024
MAX_MANIFEST = 1 << 30


def app_secret_name(account_id: str) -> str:
    return f"account-key.{account_id}"


def _unpackb(data: bytes, name: str):
    try:
        return unpackb(data, max_len=MAX_MANIFEST)
    except Exception:
        raise IntegrityError(f"The object {name} does not decode.", details=[name]) from None


@dataclass(frozen=True)
class BackupHeader:
    """The clear part of a snapshot object (authenticated with the manifest): enough to index it."""

    id: str
    account: str
    created: str
    items: tuple[str, ...]
    encryption: str
    size: int
    new_data: int
    files: int
    kind: str = "manual"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> bytes:
        return json.dumps({"id": self.id, "account": self.account, "created": self.created,
                           "items": list(self.items), "encryption": self.encryption, "size": self.size,
                           "new_data": self.new_data, "files": self.files, "kind": self.kind},
                          sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes, name: str) -> BackupHeader:
        try:
            d = json.loads(raw)
            return cls(str(d["id"]), str(d["account"]), str(d["created"]), tuple(str(i) for i in d["items"]),
                       str(d["encryption"]), int(d["size"]), int(d["new_data"]), int(d["files"]),
                       str(d.get("kind", "manual")))
        except Exception:
            raise IntegrityError(f"The object {name} has a damaged header.", details=[name]) from None


class Repository:
    """One destination seen as a repository; account-level operations take the account's keys."""

    def __init__(self, destination, name: str = ""):
        self.dest = destination
        self.name = name or getattr(destination, "name", "")

    # --- paths ----------------------------------------------------------------------------------
    @staticmethod
    def key_path(acc: str) -> str:
        return f"accounts/{acc}/key"

    @staticmethod
    def meta_path(acc: str) -> str:
        return f"accounts/{acc}/meta"

    @staticmethod
    def backup_path(acc: str, sid: str) -> str:
        return f"accounts/{acc}/snapshots/{sid}"

    @staticmethod
    def pack_path(acc: str, pid: str) -> str:
        return f"accounts/{acc}/packs/{pid[:2]}/{pid}"

    @staticmethod
    def index_path(acc: str, pid: str) -> str:
        return f"accounts/{acc}/index/{pid}"

    # --- marker ---------------------------------------------------------------------------------
    def ensure_initialised(self) -> None:
        try:
            raw = self.dest.get(MARKER)
        except ObjectNotFoundError:
            self.dest.put(MARKER, json.dumps({"format": REPO_FORMAT, "version": REPO_VERSION}).encode() + b"\n")
            return
        self._check_marker(raw)

    def check(self) -> bool:
        """True when the destination holds a repository (checked), False when it holds none."""
        try:
            raw = self.dest.get(MARKER)
        except ObjectNotFoundError:
            return False
        self._check_marker(raw)
        return True

    def _check_marker(self, raw: bytes) -> None:
        try:
            doc = json.loads(raw)
            ok = doc.get("format") == REPO_FORMAT
            version = int(doc.get("version"))
        except Exception:
            ok, version = False, 0
        if not ok:
            raise BackupError(f"The destination {self.name} holds something that is not a Unitvault repository.")
        if version > REPO_VERSION:
            raise NewerVersionError(f"The repository at {self.name} has format version {version}.")

    # --- listing --------------------------------------------------------------------------------
    def _names(self, prefix: str) -> list[str]:
        out = []
        for key in self.dest.list(prefix):
            key = key.strip("/")
            if key.startswith(prefix):
                out.append(key[len(prefix):])
        return out

    def list_accounts(self) -> list[str]:
        found = set()
        for rest in self._names("accounts/"):
            head = rest.split("/", 1)[0]
            if UUID_RE.match(head):
                found.add(head)
        return sorted(found)

    def list_backup_ids(self, acc: str) -> list[str]:
        return sorted(n for n in self._names(f"accounts/{acc}/snapshots/") if HEX_RE.match(n))

    def list_pack_ids(self, acc: str) -> set[str]:
        return {n.rsplit("/", 1)[-1] for n in self._names(f"accounts/{acc}/packs/") if HEX_RE.match(n.rsplit("/", 1)[-1])}

    def list_index_ids(self, acc: str) -> set[str]:
        return {n for n in self._names(f"accounts/{acc}/index/") if HEX_RE.match(n)}

    # --- keys -----------------------------------------------------------------------------------
    def has_key(self, acc: str) -> bool:
        return self.dest.exists(self.key_path(acc))

    def read_key_doc(self, acc: str) -> dict:
        name = self.key_path(acc)
        try:
            raw = self.dest.get(name)
        except ObjectNotFoundError:
            raise NotFoundError(f"The destination {self.name} has no key for account {acc}.") from None
        try:
            return json.loads(raw)
        except Exception:
            raise IntegrityError(f"The object {name} is damaged.", details=[name]) from None

    def key_mode(self, acc: str) -> str | None:
        if not self.has_key(acc):
            return None
        return self.read_key_doc(acc).get("mode")

    def unlock(self, acc: str, secrets, passphrase: str | None = None) -> AccountKeys:
        doc = self.read_key_doc(acc)
        if passphrase:
            from core.logsetup import register_secret

            register_secret(passphrase)   # whoever called (CLI, GUI), it never reaches a log
        app_key = secrets.get(app_secret_name(acc)) if doc.get("mode") == "app" and secrets is not None else None
        if doc.get("mode") == "owner" and passphrase is None:
            from core.errors import PassphraseRequired

            raise PassphraseRequired(f"Account {acc} uses an owner-held key; its owner's passphrase is needed.",
                                     data={"account": acc})
        return unwrap_data_key(doc, acc, app_key=app_key, passphrase=passphrase)

    def create_key(self, acc: str, mode: str, secrets, passphrase: str | None = None,
                   kdf: dict | None = None) -> AccountKeys:
        data_key = new_data_key()
        app_key = None
        if passphrase:
            from core.logsetup import register_secret

            register_secret(passphrase)
        if mode == "app":
            app_key = secrets.get(app_secret_name(acc))
            if app_key is None:
                import os

                app_key = os.urandom(32)
                secrets.set(app_secret_name(acc), app_key)
        elif not passphrase:
            from core.errors import PassphraseRequired

            raise PassphraseRequired("An owner-held key needs the owner's passphrase.", data={"account": acc})
        doc = wrap_data_key(acc, data_key, mode=mode, app_key=app_key, passphrase=passphrase, kdf=kdf)
        self.dest.put(self.key_path(acc), json.dumps(doc, sort_keys=True, indent=1).encode() + b"\n")
        return AccountKeys.from_data_key(acc, data_key)

    def open_or_create_keys(self, acc: str, mode: str, secrets, passphrase: str | None = None,
                            kdf: dict | None = None) -> AccountKeys:
        if self.has_key(acc):
            return self.unlock(acc, secrets, passphrase)
        return self.create_key(acc, mode, secrets, passphrase, kdf)

    # --- sealed objects -------------------------------------------------------------------------
    def _get(self, path: str) -> bytes:
        try:
            return self.dest.get(path)
        except ObjectNotFoundError:
            raise IntegrityError(f"The object {path} is missing.", details=[path]) from None

    def write_meta(self, keys: AccountKeys, meta: dict) -> None:
        body = msgpack.packb(meta, use_bin_type=True)
        self.dest.put(self.meta_path(keys.account_id), keys.seal("meta", keys.account_id, body, compress=True))

    def read_meta(self, keys: AccountKeys) -> dict:
        path = self.meta_path(keys.account_id)
        return _unpackb(keys.open("meta", keys.account_id, self._get(path), name=path), path)

    def write_index(self, keys: AccountKeys, pack_id: str, entries: dict[str, tuple[int, int, int]]) -> None:
        body = msgpack.packb({b: list(v) for b, v in entries.items()}, use_bin_type=True)
        self.dest.put(self.index_path(keys.account_id, pack_id), keys.seal("index", pack_id, body, compress=True))

    def read_index(self, keys: AccountKeys, pack_id: str) -> dict[str, tuple[int, int, int]]:
        path = self.index_path(keys.account_id, pack_id)
        doc = _unpackb(keys.open("index", pack_id, self._get(path), name=path), path)
        try:
            return {str(b): (int(v[0]), int(v[1]), int(v[2])) for b, v in doc.items()}
        except Exception:
            raise IntegrityError(f"The object {path} does not decode.", details=[path]) from None

    def write_pack(self, acc: str, pack_id: str, data: bytes) -> None:
        self.dest.put(self.pack_path(acc, pack_id), data)

    def read_pack(self, acc: str, pack_id: str) -> bytes:
        return self._get(self.pack_path(acc, pack_id))

    def write_backup(self, keys: AccountKeys, header: BackupHeader, manifest: dict) -> None:
        head = header.to_json()
        body = keys.seal("snapshot", header.id, msgpack.packb(manifest, use_bin_type=True), compress=True,
                         extra_ad=head)
        self.dest.put(self.backup_path(keys.account_id, header.id),
                      SNAPSHOT_MAGIC + struct.pack(">I", len(head)) + head + body)

    def read_backup_header(self, acc: str, sid: str) -> tuple[BackupHeader, bytes, bytes]:
        path = self.backup_path(acc, sid)
        raw = self._get(path)
        if raw[:4] != SNAPSHOT_MAGIC or len(raw) < 8:
            raise IntegrityError(f"The object {path} is damaged (bad header).", details=[path])
        (n,) = struct.unpack(">I", raw[4:8])
        if n > MAX_HEADER or len(raw) < 8 + n:
            raise IntegrityError(f"The object {path} is damaged (bad header).", details=[path])
        head = raw[8:8 + n]
        header = BackupHeader.from_json(head, path)
        if header.id != sid or header.account != acc:
            raise IntegrityError(f"The object {path} names another snapshot or account.", details=[path])
        return header, head, raw[8 + n:]

    def read_backup(self, keys: AccountKeys, sid: str) -> tuple[BackupHeader, dict]:
        path = self.backup_path(keys.account_id, sid)
        header, head, body = self.read_backup_header(keys.account_id, sid)
        manifest = _unpackb(keys.open("snapshot", sid, body, name=path, extra_ad=head, max_size=MAX_MANIFEST), path)
        if not isinstance(manifest, dict):
            raise IntegrityError(f"The object {path} does not decode.", details=[path])
        return header, manifest
