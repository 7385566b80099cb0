"""The repository at a destination: its layout, the account keys, and the sealed objects.

Layout (docs/repository-format.md is the spec)::

    unitvault-repo.json                          clear: format marker and version
    accounts/<uuid>/key                          clear JSON: the account's key object (keys.py)
    accounts/<uuid>/meta                         sealed: account metadata (username, email, home, units, ...)
    accounts/<uuid>/packs/<xx>/<pack-id>         concatenated sealed blobs
    accounts/<uuid>/index/<pack-id>              sealed: the pack's blob list (id, offset, length, raw size)
    accounts/<uuid>/sessions/<session-id>        write-only accounts: a run's content key, sealed to the owner
    accounts/<uuid>/cache/<backup-id>            write-only accounts: what the next run needs (hashed paths)
    accounts/<uuid>/snapshots/<backup-id>        UVS2 + clear header + header tag + sealed manifest, LAST

Nothing read from the destination is trusted: objects are read by byte range with caps, clear headers
are hints until their tag (or the manifest) authenticates them.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass, field

import msgpack

from core.accounts.crypto import AccountKeys, Session, SessionKeys, new_data_key
from core.accounts.keys import (
    MAX_KEY_OBJECT,
    Credentials,
    OwnerWriter,
    app_key_doc,
    is_write_only,
    new_owner_writer,
    open_symmetric,
    open_write_only,
    parse_key_doc,
    recipient_id,
    recovery_recipient,
    writer_keys,
)
from core.errors import (
    BackupError,
    IntegrityError,
    NewerVersionError,
    NotFoundError,
    ObjectNotFoundError,
    PassphraseRequired,
)
from core.support.strict_msgpack import unpackb
from core.support.text import printable

MARKER = "unitvault-repo.json"
REPO_FORMAT = "unitvault-repository"
REPO_VERSION = 2
SNAPSHOT_MAGIC_V1 = b"UVS1"
SNAPSHOT_MAGIC = b"UVS2"
TAG_SIZE = 32
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEX_RE = re.compile(r"^[0-9a-f]{16,64}$")
ISO_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$")
KIND_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
ITEM_NAMES = ("account", "units", "files")
MAX_HEADER = 64 * 1024
MAX_MANIFEST = 1 << 30
MAX_SEALED_MANIFEST = MAX_MANIFEST - 1   # (a ranged read of the cap plus one byte stays within MAX_RANGE)
MAX_PACK = 256 << 20          # no pack this version writes comes near this (16 MiB + one blob)
MAX_COUNT = 1 << 53
MAX_LOCK = 4096
MAX_CONDEMNED = 16 << 20
JOB_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def app_secret_name(account_id: str) -> str:
    return f"account-key.{account_id}"


def _unpackb(data: bytes, name: str):
    try:
        return unpackb(data, max_len=MAX_MANIFEST)
    except Exception:
        raise IntegrityError(f"The object {name} does not decode.", details=[name]) from None


def _count(v) -> int:
    if type(v) is not int or not 0 <= v < MAX_COUNT:
        raise ValueError("not a count")
    return v


def _match(v, pattern: re.Pattern) -> str:
    if type(v) is not str or not pattern.match(v):
        raise ValueError("malformed")
    return v


@dataclass(frozen=True)
class BackupHeader:
    """The clear part of a snapshot object (authenticated with the manifest, and in format 2 by its
    own tag too): enough to index a backup. Every field is checked for shape when read, so nothing
    from a destination reaches a terminal or a label unchecked."""

    id: str
    account: str
    created: str
    items: tuple[str, ...]
    encryption: str
    size: int
    new_data: int
    files: int
    kind: str = "manual"
    job: str | None = None             # the job that made it (scheduled backups)
    expires_at: str | None = None      # on-demand backups' TTL
    sealed: int | None = None          # format 2: the sealed manifest's length
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> bytes:
        doc = {"id": self.id, "account": self.account, "created": self.created, "items": list(self.items),
               "encryption": self.encryption, "size": self.size, "new_data": self.new_data, "files": self.files,
               "kind": self.kind}
        if self.job is not None:
            doc["job"] = self.job
        if self.expires_at is not None:
            doc["expires_at"] = self.expires_at
        if self.sealed is not None:
            doc["sealed"] = self.sealed
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes, name: str) -> BackupHeader:
        try:
            d = json.loads(raw)
            if not isinstance(d, dict) or not isinstance(d.get("items"), list) or len(d["items"]) > 3:
                raise ValueError("malformed")
            items = tuple(d["items"])
            if not items or any(i not in ITEM_NAMES for i in items) or len(set(items)) != len(items):
                raise ValueError("malformed")
            if d.get("encryption") not in ("app", "owner"):
                raise ValueError("malformed")
            sealed, job, expires = d.get("sealed"), d.get("job"), d.get("expires_at")
            return cls(_match(d["id"], HEX_RE), _match(d["account"], UUID_RE), _match(d["created"], ISO_RE),
                       items, d["encryption"], _count(d["size"]), _count(d["new_data"]), _count(d["files"]),
                       _match(d.get("kind", "manual"), KIND_RE), None if job is None else _match(job, JOB_RE),
                       None if expires is None else _match(expires, ISO_RE),
                       None if sealed is None else _count(sealed))
        except Exception:
            raise IntegrityError(f"The object {name} has a damaged header.", details=[name]) from None


@dataclass(frozen=True)
class HeaderRead:
    """A snapshot object's clear header as read (a hint until ``authenticated``)."""

    header: BackupHeader
    raw: bytes                 # the header's bytes (associated data of the manifest)
    body_offset: int           # where the sealed manifest starts
    version: int
    tag: bytes = b""
    authenticated: bool = False


class Repository:
    """One destination seen as a repository; account-level operations take the account's keys."""

    def __init__(self, destination, name: str = ""):
        self.dest = destination
        self.name = name or getattr(destination, "name", "")

    # --- paths ----------------------------------------------------------------------------------
    @staticmethod
    def account_prefix(acc: str) -> str:
        return f"accounts/{acc}/"

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
    def lock_path(acc: str, sid: str) -> str:
        return f"accounts/{acc}/locks/{sid}"

    @staticmethod
    def pack_path(acc: str, pid: str) -> str:
        return f"accounts/{acc}/packs/{pid[:2]}/{pid}"

    @staticmethod
    def index_path(acc: str, pid: str) -> str:
        return f"accounts/{acc}/index/{pid}"

    @staticmethod
    def session_path(acc: str, sid: str) -> str:
        return f"accounts/{acc}/sessions/{sid}"

    @staticmethod
    def cache_path(acc: str, sid: str) -> str:
        return f"accounts/{acc}/cache/{sid}"

    # --- marker ---------------------------------------------------------------------------------
    def ensure_initialised(self) -> None:
        """Create the marker, or move a version-1 marker to version 2 (this version writes objects a
        version-1 reader does not know, and must not let one misread them)."""
        try:
            raw = self._get_capped(MARKER, 4096)
        except ObjectNotFoundError:
            self.dest.put(MARKER, json.dumps({"format": REPO_FORMAT, "version": REPO_VERSION}).encode() + b"\n")
            return
        if self._check_marker(raw) < REPO_VERSION:
            self.dest.put(MARKER, json.dumps({"format": REPO_FORMAT, "version": REPO_VERSION}).encode() + b"\n")

    def check(self) -> bool:
        """True when the destination holds a repository (checked), False when it holds none."""
        try:
            raw = self._get_capped(MARKER, 4096)
        except ObjectNotFoundError:
            return False
        self._check_marker(raw)
        return True

    def _check_marker(self, raw: bytes) -> int:
        try:
            doc = json.loads(raw)
            ok = doc.get("format") == REPO_FORMAT
            version = doc.get("version")
            ok = ok and type(version) is int and version >= 1
        except Exception:
            ok, version = False, 0
        if not ok:
            raise BackupError(f"The destination {self.name} holds something that is not a Unitvault repository.")
        if version > REPO_VERSION:
            raise NewerVersionError(f"The repository at {self.name} has format version {version}.")
        return version

    def _get_capped(self, key: str, cap: int) -> bytes:
        """An object expected to be small, read by range: at most ``cap`` bytes, else damaged."""
        data = self.dest.get_range(key, 0, cap + 1)
        if len(data) > cap:
            raise IntegrityError(f"The object {key} is larger than it can be.", details=[key])
        return data

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

    def list_account_objects(self, acc: str) -> list[str]:
        return [self.account_prefix(acc) + n for n in self._names(self.account_prefix(acc))]

    def list_backup_ids(self, acc: str) -> list[str]:
        return sorted(n for n in self._names(f"accounts/{acc}/snapshots/") if HEX_RE.match(n))

    def list_pack_ids(self, acc: str) -> set[str]:
        return {n.rsplit("/", 1)[-1] for n in self._names(f"accounts/{acc}/packs/") if HEX_RE.match(n.rsplit("/", 1)[-1])}

    def pack_sizes(self, acc: str) -> dict[str, tuple[int, float | None]]:
        """Every pack of the account with its size and modification time, from one listing (a
        pack found anywhere but at its own path counts as empty and undated, as a failed stat would)."""
        prefix = f"accounts/{acc}/packs/"
        out: dict[str, tuple[int, float | None]] = {}
        for info in self.dest.list_info(prefix):
            key = info.key.strip("/")
            pid = key.rsplit("/", 1)[-1]
            if not key.startswith(prefix) or not HEX_RE.match(pid):
                continue
            if key == self.pack_path(acc, pid):
                out[pid] = (max(0, int(info.size)), info.mtime)   # the destination is not trusted
            else:
                out.setdefault(pid, (0, None))
        return out

    def list_index_ids(self, acc: str) -> set[str]:
        return {n for n in self._names(f"accounts/{acc}/index/") if HEX_RE.match(n)}

    # --- keys -----------------------------------------------------------------------------------
    def has_key(self, acc: str) -> bool:
        return self.dest.exists(self.key_path(acc))

    def read_key_doc(self, acc: str) -> dict:
        name = self.key_path(acc)
        try:
            raw = self._get_capped(name, MAX_KEY_OBJECT)
        except ObjectNotFoundError:
            raise NotFoundError(f"The destination {self.name} has no key for account {acc}.",
                                kind="account_key_missing", data={"account": acc}) from None
        return parse_key_doc(raw, acc, name)

    def key_mode(self, acc: str) -> str | None:
        if not self.has_key(acc):
            return None
        return self.read_key_doc(acc).get("mode")

    def _put_key_doc(self, acc: str, doc: dict) -> None:
        self.dest.put(self.key_path(acc), json.dumps(doc, sort_keys=True, indent=1).encode() + b"\n")

    def unlock(self, acc: str, secrets, passphrase: str | None = None, *, credentials: Credentials | None = None,
               write: bool = False, recovery_public: bytes | None = None) -> AccountKeys:
        """The account's keys from its key object and what the caller holds (see keys.py).

        ``write``: for a backup. An app key then gets (or renews) its recovery slot when
        ``recovery_public`` is given; a write-only owner key opened with the owner's secret is
        remembered (the write secret only) so later backups run unattended."""
        doc = self.read_key_doc(acc)
        name = self.key_path(acc)
        creds = Credentials.of(passphrase, credentials)
        if creds.passphrase:
            from core.logsetup import register_secret

            register_secret(creds.passphrase)   # whoever called (CLI, GUI), it never reaches a log
        stored = secrets.get(app_secret_name(acc)) if secrets is not None else None
        if is_write_only(doc):
            writer = OwnerWriter.from_secret(stored) if stored else None
            if writer is not None and not writer.matches(doc, name):
                raise IntegrityError(f"The object {name} is not the owner key this installation made for the "
                                     "account (it was changed at the destination).", details=[name])
            if creds.has_owner_secret:
                opened, private = open_write_only(doc, acc, name, creds)
                if writer is None and write and secrets is not None:
                    secrets.set(app_secret_name(acc), opened.to_secret())
                base = writer_keys(acc, opened)
                return writer_keys(acc, opened, SessionKeys(acc, private, lambda sid: self.read_session(base, sid)))
            if writer is not None:
                return writer_keys(acc, writer)
            raise PassphraseRequired(f"Account {acc} uses an owner-held key this installation has not been "
                                     "given yet; the owner's passphrase (or key file) is needed once.",
                                     data={"account": acc})
        app_key = stored if doc["mode"] == "app" and stored is not None and len(stored) == 32 else None
        data_key, how = open_symmetric(doc, acc, name, app_key=app_key, creds=creds)
        rewrite = False
        if write and doc["mode"] == "app" and app_key is None and secrets is not None:
            # A new installation backing up an account it reads with the exported key or the recovery
            # key adopts it: the exported key is the app key; after a recovery, a new app key wraps
            # the same data key, so every backup here stays readable and later runs are unattended.
            import os

            app_key = creds.account_key if how == "account" else os.urandom(32)
            secrets.set(app_secret_name(acc), app_key)
            rewrite = how == "recovery"
        if write and doc["mode"] == "app" and app_key is not None and (rewrite or (
                recovery_public is not None
                and (doc.get("format") != 2 or recovery_recipient(doc) != recipient_id(recovery_public)))):
            new_doc = app_key_doc(acc, data_key, app_key, recovery_public)
            if recovery_public is None and isinstance(doc.get("recovery"), dict):
                new_doc["recovery"] = doc["recovery"]       # keep the slot this installation cannot renew
            self._put_key_doc(acc, new_doc)
        return AccountKeys.from_data_key(acc, data_key)

    def create_key(self, acc: str, mode: str, secrets, passphrase: str | None = None,
                   kdf: dict | None = None, *, credentials: Credentials | None = None,
                   recovery_public: bytes | None = None) -> AccountKeys:
        """A new key object for the account at this destination. App keys reuse the app key this
        installation holds for the account (one per account, every destination); owner keys reuse the
        write secret when this installation has one, else need the owner's secret once."""
        creds = Credentials.of(passphrase, credentials)
        if creds.passphrase:
            from core.logsetup import register_secret

            register_secret(creds.passphrase)
        stored = secrets.get(app_secret_name(acc)) if secrets is not None else None
        if mode == "app":
            app_key = stored if stored is not None and len(stored) == 32 else None
            if app_key is None:
                import os

                app_key = os.urandom(32)
                secrets.set(app_secret_name(acc), app_key)
            data_key = new_data_key()
            self._put_key_doc(acc, app_key_doc(acc, data_key, app_key, recovery_public))
            return AccountKeys.from_data_key(acc, data_key)
        writer = OwnerWriter.from_secret(stored) if stored else None
        if writer is None:
            writer = new_owner_writer(acc, creds, kdf)
            secrets.set(app_secret_name(acc), writer.to_secret())
        self._put_key_doc(acc, writer.key_doc(acc))
        return writer_keys(acc, writer)

    def open_or_create_keys(self, acc: str, mode: str, secrets, passphrase: str | None = None,
                            kdf: dict | None = None, **kw) -> AccountKeys:
        if self.has_key(acc):
            return self.unlock(acc, secrets, passphrase, write=True, **kw)
        return self.create_key(acc, mode, secrets, passphrase, kdf, **kw)

    def start_session(self, keys: AccountKeys) -> AccountKeys:
        """Write-only accounts: a new content key for this run, stored sealed to the owner (and
        authenticated with the write key) before any object uses it."""
        if keys.enc_key is not None:
            return keys
        keys = keys.with_session(Session.new())
        sid = keys.session.id
        self.dest.put(self.session_path(keys.account_id, sid), keys.seal("session", sid, keys.sealed_session()))
        return keys

    def read_session(self, keys: AccountKeys, sid: str) -> bytes:
        path = self.session_path(keys.account_id, sid)
        return keys.open("session", sid, self._get(path, 4096), name=path)

    # --- sealed objects -------------------------------------------------------------------------
    def _get(self, path: str, cap: int = MAX_SEALED_MANIFEST) -> bytes:
        try:
            return self._get_capped(path, cap)
        except ObjectNotFoundError:
            raise IntegrityError(f"The object {path} is missing.", details=[path]) from None

    def write_meta(self, keys: AccountKeys, meta: dict) -> None:
        body = msgpack.packb(meta, use_bin_type=True)
        self.dest.put(self.meta_path(keys.account_id), keys.seal("meta", keys.account_id, body, compress=True))

    def read_meta(self, keys: AccountKeys) -> dict:
        path = self.meta_path(keys.account_id)
        meta = _unpackb(keys.open("meta", keys.account_id, self._get(path, MAX_HEADER * 16), name=path), path)
        if not isinstance(meta, dict):
            raise IntegrityError(f"The object {path} does not decode.", details=[path])
        return meta

    def write_index(self, keys: AccountKeys, pack_id: str, entries: dict[str, tuple[int, int, int]]) -> None:
        body = msgpack.packb({b: list(v) for b, v in entries.items()}, use_bin_type=True)
        self.dest.put(self.index_path(keys.account_id, pack_id), keys.seal("index", pack_id, body, compress=True))

    def read_index(self, keys: AccountKeys, pack_id: str) -> dict[str, tuple[int, int, int]]:
        path = self.index_path(keys.account_id, pack_id)
        doc = _unpackb(keys.open("index", pack_id, self._get(path, MAX_PACK), name=path), path)
        try:
            out = {}
            for b, v in doc.items():
                offset, length, raw = _count(v[0]), _count(v[1]), _count(v[2])
                if not HEX_RE.match(b) or offset + length > MAX_PACK or len(v) != 3:
                    raise ValueError("malformed")
                out[b] = (offset, length, raw)
            return out
        except Exception:
            raise IntegrityError(f"The object {path} does not decode.", details=[path]) from None

    def write_pack(self, acc: str, pack_id: str, data: bytes) -> None:
        self.dest.put(self.pack_path(acc, pack_id), data)

    def read_pack(self, acc: str, pack_id: str, length: int, offset: int = 0) -> bytes:
        """Bytes ``offset`` to ``offset + length`` of a pack: the part its authenticated index
        describes, never the whole object (whatever was appended to it is never downloaded)."""
        path = self.pack_path(acc, pack_id)
        if length > MAX_PACK:
            raise IntegrityError(f"The object {path} is larger than a pack can be.", details=[path])
        try:
            data = self.dest.get_range(path, offset, length)
        except ObjectNotFoundError:
            raise IntegrityError(f"The object {path} is missing.", details=[path], kind="pack_missing") from None
        if len(data) < length:
            raise IntegrityError(f"The object {path} is truncated.", details=[path], kind="pack_truncated")
        return data

    def write_cache(self, keys: AccountKeys, sid: str, cache: dict) -> None:
        self.dest.put(self.cache_path(keys.account_id, sid),
                      keys.seal("cache", sid, msgpack.packb(cache, use_bin_type=True), compress=True))

    def read_cache(self, keys: AccountKeys, sid: str) -> dict:
        path = self.cache_path(keys.account_id, sid)
        doc = _unpackb(keys.open("cache", sid, self._get(path), name=path, max_size=MAX_MANIFEST), path)
        if not isinstance(doc, dict):
            raise IntegrityError(f"The object {path} does not decode.", details=[path])
        return doc

    def write_backup(self, keys: AccountKeys, header: BackupHeader, manifest: dict) -> None:
        """The snapshot object (format 2): magic, header length, clear header, header tag, sealed
        manifest. The header names the sealed manifest's length, so a reader never reads past it."""
        import dataclasses

        from core.accounts.crypto import prepare

        flags, payload = prepare(msgpack.packb(manifest, use_bin_type=True), True)
        header = dataclasses.replace(header, sealed=keys.sealed_size("snapshot", payload))
        head = header.to_json()
        body = keys.seal_prepared("snapshot", header.id, flags, payload, extra_ad=head)
        tag = keys.header_tag(header.id, head)
        self.dest.put(self.backup_path(keys.account_id, header.id),
                      SNAPSHOT_MAGIC + struct.pack(">I", len(head)) + head + tag + body)

    def read_backup_header(self, acc: str, sid: str, keys: AccountKeys | None = None) -> HeaderRead:
        """The clear header, read with a cap; with ``keys`` a format-2 header's tag is checked
        (``authenticated``). A header that names another backup or account is refused."""
        path = self.backup_path(acc, sid)
        try:
            raw = self.dest.get_range(path, 0, 8 + MAX_HEADER + TAG_SIZE)
        except ObjectNotFoundError:
            raise IntegrityError(f"The object {path} is missing.", details=[path], kind="backup_object_missing",
                                 data={"id": sid}) from None
        magic = raw[:4]
        if magic not in (SNAPSHOT_MAGIC, SNAPSHOT_MAGIC_V1) or len(raw) < 8:
            raise IntegrityError(f"The object {path} is damaged (bad header).", details=[path])
        (n,) = struct.unpack(">I", raw[4:8])
        version = 2 if magic == SNAPSHOT_MAGIC else 1
        tag_size = TAG_SIZE if version == 2 else 0
        if n > MAX_HEADER or len(raw) < 8 + n + tag_size:
            raise IntegrityError(f"The object {path} is damaged (bad header).", details=[path])
        head = bytes(raw[8:8 + n])
        header = BackupHeader.from_json(head, path)
        if header.id != sid or header.account != acc:
            raise IntegrityError(f"The object {path} names another backup or account.", details=[path])
        if (version == 2) != (header.sealed is not None):
            raise IntegrityError(f"The object {path} has a damaged header.", details=[path])
        tag = bytes(raw[8 + n:8 + n + tag_size])
        authenticated = False
        if keys is not None and version == 2:
            import hmac

            if not hmac.compare_digest(tag, keys.header_tag(sid, head)):
                raise IntegrityError(f"The object {path} failed authentication (its header was changed).",
                                     details=[path])
            authenticated = True
        return HeaderRead(header, head, 8 + n + tag_size, version, tag, authenticated)

    def read_backup(self, keys: AccountKeys, sid: str) -> tuple[BackupHeader, dict]:
        path = self.backup_path(keys.account_id, sid)
        got = self.read_backup_header(keys.account_id, sid, keys)
        if got.version == 2:
            want = got.header.sealed
        else:   # format 1 does not say; the object's size does (capped)
            try:
                want = self.dest.stat(path).size - got.body_offset
            except ObjectNotFoundError:
                raise IntegrityError(f"The object {path} is missing.", details=[path]) from None
        if want > MAX_SEALED_MANIFEST:
            raise IntegrityError(f"The object {path} is larger than a backup can be.", details=[path])
        body = self.dest.get_range(path, got.body_offset, max(want, 0))
        if len(body) != want:
            raise IntegrityError(f"The object {path} is truncated.", details=[path])
        manifest = _unpackb(keys.open("snapshot", sid, body, name=path, extra_ad=got.raw, max_size=MAX_MANIFEST),
                            path)
        if not isinstance(manifest, dict):
            raise IntegrityError(f"The object {path} does not decode.", details=[path])
        return got.header, manifest

    def authenticate_backup(self, keys: AccountKeys, sid: str) -> BackupHeader:
        """The header, authenticated: by its tag (format 2), else by opening the manifest."""
        got = self.read_backup_header(keys.account_id, sid, keys)
        if got.authenticated:
            return got.header
        return self.read_backup(keys, sid)[0]

    def delete_account(self, acc: str, reporter=None) -> list[str]:
        """Remove every object of the account (backups first, the key last); returns the ids of the
        backups removed."""
        names = self.list_account_objects(acc)
        snaps = [n for n in names if n.startswith(f"accounts/{acc}/snapshots/")]
        for key in snaps + [n for n in names if n not in snaps and n != self.key_path(acc)]:
            self.dest.delete(key)
            if reporter is not None:
                reporter.advance()
        self.dest.delete(self.key_path(acc))
        return [n.rsplit("/", 1)[-1] for n in snaps if HEX_RE.match(n.rsplit("/", 1)[-1])]

    def delete_if_present(self, path: str) -> None:
        """Delete the object ``path``; gone already is fine."""
        try:
            self.dest.delete(path)
        except ObjectNotFoundError:
            pass

    def delete_backup(self, acc: str, sid: str) -> None:
        """Remove a backup's object (its data goes later, with prune). Gone already is fine."""
        self.delete_if_present(self.backup_path(acc, sid))

    # --- locks ------------------------------------------------------------------------------------
    # A lock is a small clear JSON object next to the backup: it protects the backup from our own
    # retention, forget and prune, and it survives a rescan. Like every clear object it is a hint: a
    # forged lock can only keep a backup longer, never remove or change one.
    def write_lock(self, acc: str, sid: str, until: str | None, reason: str | None) -> None:
        doc = {"format": 1, "backup": sid, "until": until, "reason": reason or ""}
        self.dest.put(self.lock_path(acc, sid), json.dumps(doc, sort_keys=True).encode() + b"\n")

    def delete_lock(self, acc: str, sid: str) -> None:
        self.delete_if_present(self.lock_path(acc, sid))

    def read_lock(self, acc: str, sid: str) -> tuple[str | None, str] | None:
        """(until, reason) of the backup's lock, or None when it has none (or a malformed one)."""
        try:
            raw = self.dest.get_range(self.lock_path(acc, sid), 0, MAX_LOCK + 1)   # capped: a clear hint
        except ObjectNotFoundError:
            return None
        if len(raw) > MAX_LOCK:
            return None
        try:
            doc = json.loads(raw)
            until, reason = doc.get("until"), printable(str(doc.get("reason") or ""), limit=500)
            if doc.get("backup") != sid or (until is not None and not _ISO_RE.match(str(until))):
                return None
        except (ValueError, AttributeError):
            return None
        return (None if until is None else str(until)), reason

    def list_lock_ids(self, acc: str) -> set[str]:
        return {n for n in self._names(f"accounts/{acc}/locks/") if HEX_RE.match(n)}

    # --- prune's list of condemned packs (core/jobs/prune.py) --------------------------------------
    @staticmethod
    def condemned_path(acc: str) -> str:
        return f"accounts/{acc}/condemned"

    def read_condemned(self, acc: str) -> dict[str, str]:
        """pack id -> condemned since (ISO). A hint like every clear object: a forged entry can only
        make a prune consider a pack (deleted only if no backup uses it) or a backup upload again."""
        from core.support.clock import from_iso

        try:
            raw = self._get_capped(self.condemned_path(acc), MAX_CONDEMNED)
        except (ObjectNotFoundError, IntegrityError):
            return {}
        try:
            doc = json.loads(raw)
            out = {}
            for pid, since in (doc.get("packs") or {}).items():
                if HEX_RE.match(str(pid)):
                    from_iso(str(since))
                    out[str(pid)] = str(since)
            return out
        except (ValueError, AttributeError, TypeError):
            return {}

    def write_condemned(self, acc: str, packs: dict[str, str]) -> None:
        if not packs:
            self.delete_if_present(self.condemned_path(acc))
            return
        self.dest.put(self.condemned_path(acc), json.dumps({"format": 1, "packs": packs}, sort_keys=True).encode())
