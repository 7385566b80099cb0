"""Opening and reading a bundle (spec §9): header caps before the KDF, one key derivation, then any
number of fresh streaming passes. Nothing decrypted is written anywhere."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from core.bundle import keys
from core.bundle import limits as L
from core.bundle.header import HeaderInfo, parse_header
from core.bundle.manifest import Manifest, ManifestHead, decode_head, decode_trailer
from core.bundle.payload import BLOCK_PREFIX, PlainStream, decompress_block
from core.bundle.records import decode_block, decode_block_unchecked
from core.errors import (
    DamagedBundleError,
    InvalidContentError,
    InvalidInputError,
    NotABundleError,
    NotFoundError,
    WrongPasswordError,
)
from core.progress import Reporter
from core.unit.records import SECTIONS


def _open_file(path: Path):
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise NotFoundError(f"The file {path} does not exist.") from None
    except IsADirectoryError:
        raise NotABundleError(f"{path} is a directory, not a bundle.") from None
    except PermissionError:
        raise InvalidInputError(f"The file {path} cannot be read (permission denied).") from None


def open_bundle(path, *, password: str | None = None, recovery_identity: bytes | None = None,
                raw_key: bytes | None = None) -> OpenBundle:
    """Check the header (caps before any KDF), unwrap the file key once, and check that the header
    belongs to this payload. Records are read later, by ``records()`` or ``scan()``."""
    given = [x is not None for x in (password, recovery_identity, raw_key)]
    if sum(given) != 1:
        raise InvalidInputError("Give exactly one of a password, a recovery key or a raw key.")
    path = Path(path)
    with _open_file(path) as fh:
        header = parse_header(fh, os.fstat(fh.fileno()).st_size)
        if password is not None:
            slot = header.slot(L.SLOT_PASSWORD)
            if slot is None:
                raise WrongPasswordError("This bundle has no password slot; it opens with the app's own key.")
            file_key = keys.open_password_slot(slot, password)
        elif recovery_identity is not None:
            slot = header.slot(L.SLOT_RECOVERY)
            if slot is None:
                raise WrongPasswordError("This bundle has no recovery slot; open it with its password.")
            file_key = keys.open_recovery_slot(slot, recovery_identity)
        else:
            slot = header.slot(L.SLOT_RAW_KEY)
            if slot is None:
                raise WrongPasswordError("This bundle has no raw-key slot; open it with its password.")
            file_key = keys.open_raw_key_slot(slot, raw_key)
        _check_commitment(fh, header, file_key)
    return OpenBundle(path, header, file_key)


def _check_commitment(fh, header: HeaderInfo, file_key: bytes) -> None:
    """The cipher's first 56 bytes commit to the key and to the header hash (its context): a header
    from another bundle, or one changed and re-hashed, fails here, before any record is read."""
    from cryptography.cobblestone import Cobblestone256Decryptor
    from cryptography.exceptions import InvalidTag

    fh.seek(header.header_size)
    try:
        Cobblestone256Decryptor(file_key, header.header_hash).update(fh.read(L.COBBLESTONE_PREFIX))
    except InvalidTag:
        raise DamagedBundleError("The bundle is damaged: its header does not belong to its data.") from None


class OpenBundle:
    def __init__(self, path: Path, header: HeaderInfo, file_key: bytes):
        self.path = path
        self.header = header
        self._key = file_key
        self._head: ManifestHead | None = None
        self.manifest: Manifest | None = None

    @property
    def manifest_head(self) -> ManifestHead:
        """Unit id and name, creation time, versions: readable at once, trusted only after a full pass."""
        if self._head is None:
            with _open_file(self.path) as fh:
                self._head = _read_head(PlainStream(fh, self.header, self._key))
        return self._head

    def records(self, reporter: Reporter | None = None, *, on_block=None,
                checked: bool = True, checker=None) -> Iterator[tuple[str, dict]]:
        """A fresh streaming pass: ``(section, wire)`` in section order, each decoded strictly and
        validated. The trailer (counts, sizes, hashes) is checked after the last record: trust
        nothing until this iterator is exhausted.

        ``on_block(section, codec, data, raw_size)``, if given, receives each block's stored bytes
        (``data``: the zstd frame, or the raw msgpack for codec 0) once every record of the block
        passed the checks, before those records are yielded: a caller can keep the blocks instead
        of re-encoding the records.

        ``checked=False`` is for a second pass over bytes a first pass checked: records are decoded
        with every cap (the per-record container cap included) but not re-checked; the caller
        compares the verified section SHA-256s (``manifest.sections``) with the first pass's.

        ``checker`` (core/bundle/checker.py): the record checks run there, on the other core; the
        records come decoded with every cap but unchecked until ``checker.verdict()`` says so,
        which the caller asks before it trusts them (and as soon as anything goes wrong)."""
        reporter = reporter or Reporter()
        reporter.stage("reading", self.header.file_size, "bytes")
        with _open_file(self.path) as fh:
            stream = PlainStream(fh, self.header, self._key, reporter)
            head = _read_head(stream)
            self._head = head
            sha = [hashlib.sha256() for _ in SECTIONS]
            size = [0] * len(SECTIONS)
            count = [0] * len(SECTIONS)
            apps = 0
            current = 0
            while True:
                item = stream.read_frame()
                if item is None:
                    raise InvalidContentError("The bundle's payload ends without its manifest trailer.")
                kind, body = item
                if kind == L.FRAME_TRAILER:
                    break
                if kind != L.FRAME_BLOCK:
                    raise InvalidContentError("The bundle's payload repeats its manifest head.")
                if len(body) < BLOCK_PREFIX.size:
                    raise InvalidContentError("The bundle's payload has a block too short to hold its prefix.")
                index, codec, raw_size = BLOCK_PREFIX.unpack_from(body, 0)
                if index >= len(SECTIONS) or index < current:
                    raise InvalidContentError("The bundle's sections are out of order.")
                current = index
                section = SECTIONS[index]
                where = f"section {section}, block at record {count[index]}"
                if raw_size == 0 or raw_size > L.MAX_BLOCK_RAW:
                    raise InvalidContentError(f"Invalid content in {where}: the block's stated size is out of range.")
                data = memoryview(body)[BLOCK_PREFIX.size:]
                if codec == L.CODEC_ZSTD:
                    raw = decompress_block(data, raw_size, where)
                elif codec == L.CODEC_NONE:
                    if len(data) != raw_size:
                        raise InvalidContentError(f"Invalid content in {where}: the block's size differs from its stated size.")
                    raw = bytes(data)
                else:
                    raise InvalidContentError(f"Invalid content in {where}: unknown compression ({codec}).")
                kept = bytes(data) if on_block is not None else None
                del body, data
                sha[index].update(raw)
                size[index] += raw_size
                if checker is not None:
                    checker.block(index, count[index], raw)
                strict = checked and checker is None
                recs = (decode_block if strict else decode_block_unchecked)(section, raw, count[index])
                count[index] += len(recs)
                if count[index] > L.MAX_RECORDS_PER_SECTION:
                    raise InvalidContentError(f"Section {section} holds more records than a bundle allows.")
                if index == 1:
                    try:
                        apps += sum(len(w["applications"]) for w in recs)
                    except (KeyError, TypeError):
                        raise InvalidContentError(f"Invalid content in {where}: a workspace without "
                                                  "its applications.") from None
                del raw
                if on_block is not None:
                    on_block(section, codec, kept, raw_size)
                    kept = None
                for rec in recs:
                    yield section, rec
                reporter.check()
            counts, infos = decode_trailer(body)
            if not stream.at_end():
                raise InvalidContentError("The bundle's payload continues after its manifest trailer.")
            actual = {s: count[i] for i, s in enumerate(SECTIONS)}
            actual["applications"] = apps
            for key, n in counts.items():
                if actual[key] != n:
                    raise InvalidContentError(
                        f"Invalid content: the manifest counts {n} {key} but the bundle holds {actual[key]}.")
            for i, s in enumerate(SECTIONS):
                info = infos[s]
                if info.count != count[i] or info.size != size[i]:
                    raise InvalidContentError(f"Invalid content: the manifest's count or size of {s} does not match the data.")
                if info.sha256 != sha[i].hexdigest():
                    raise InvalidContentError(f"Invalid content: the manifest's SHA-256 of {s} does not match the data.")
            self.manifest = Manifest(head.format_version, head.app_version, head.unit_id, head.unit_name,
                                     head.created, counts, infos)
        reporter.finish()

    def scan(self, reporter: Reporter | None = None) -> Manifest:
        """A full pass that discards the records; returns the verified manifest."""
        for _ in self.records(reporter):
            pass
        assert self.manifest is not None
        return self.manifest


def _read_head(stream: PlainStream) -> ManifestHead:
    item = stream.read_frame()
    if item is None or item[0] != L.FRAME_MANIFEST_HEAD:
        raise InvalidContentError("The bundle's payload does not start with its manifest head.")
    return decode_head(item[1])
