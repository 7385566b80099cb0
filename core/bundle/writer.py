"""Writing a bundle: key slots, header, then one streaming pass over the records (spec §8).

Memory stays flat: one block (about 1 MiB of msgpack) is held at a time. The file is written to a
temporary name in the target directory, fsynced and renamed; an error or a cancel leaves no file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import core
from core.bundle import keys
from core.bundle import limits as L
from core.bundle.header import KdfParams, encode_footer, encode_header
from core.bundle.manifest import ManifestHead, SectionInfo, encode_trailer
from core.bundle.payload import block_frame, compressor, frame
from core.bundle.records import as_record_errors, check_record, pack_record
from core.errors import AlreadyExistsError, InvalidInputError, InvalidRecordError
from core.progress import Reporter
from core.support.clock import now_iso
from core.support.thread import Background
from core.unit.records import SECTIONS


@dataclass(frozen=True, slots=True)
class WriteResult:
    path: Path
    size: int
    counts: dict[str, int] = field(default_factory=dict)
    unit_name: str = ""


def _now() -> str:
    return now_iso(timespec="seconds")


def check_out_path(out_path, overwrite: bool) -> Path:
    path = Path(out_path)
    if path.is_dir():
        raise InvalidInputError(f"{path} is a folder, not a file name.", kind="out_is_folder", data={"path": str(path)})
    if not path.parent.is_dir():
        raise InvalidInputError(f"The folder {path.parent} does not exist.")
    if not overwrite and (path.exists() or path.is_symlink()):
        raise AlreadyExistsError(f"The file {path} already exists.", kind="file_exists", data={"path": str(path)})
    if overwrite:
        from core.fsutil import check_replaceable

        check_replaceable(path)        # a device, pipe or link is never replaced, whatever the force
    return path


class PackedRecords:
    """One section's records already packed (canonical msgpack, as ``pack_record`` makes them), in
    blocks of about ``BLOCK_TARGET`` bytes. ``write_bundle`` accepts one in place of a section's
    iterable of wires and writes its blocks as they are (``validate`` does not apply to them: the
    caller packs records it trusts, e.g. a safety snapshot of the store's own records)."""

    __slots__ = ("blocks", "count", "applications", "size", "_parts", "_pending", "append")

    def __init__(self) -> None:
        self.blocks: list[bytes] = []
        self.count = 0
        self.applications = 0
        self.size = 0
        self._parts: list[bytes] = []
        self._pending = 0
        #: ``append(pack_record(record))``: the cheap way to add many records (``finish()`` cuts the
        #: blocks); count applications with ``add_applications``.
        self.append = self._parts.append

    def add(self, record: dict, applications: int = 0) -> None:
        self.append(pack_record(record))
        self.applications += applications

    def add_applications(self, n: int) -> None:
        self.applications += n

    def finish(self) -> PackedRecords:
        """Cut what was added into blocks (call it once all records are in)."""
        parts = self._parts
        if not parts:
            return self
        blocks, cur, pending = self.blocks, [], 0
        limit, target = L.MAX_BLOCK_RAW, L.BLOCK_TARGET
        for b in parts:
            n = len(b)
            if n > limit:
                raise InvalidRecordError(f"Record {self.count} is larger than a block allows.")
            if pending + n > limit:
                blocks.append(b"".join(cur))
                cur, pending = [], 0
            cur.append(b)
            pending += n
            self.size += n
            self.count += 1
            if pending >= target:
                blocks.append(b"".join(cur))
                cur, pending = [], 0
        if cur:
            blocks.append(b"".join(cur))
        parts.clear()
        return self


def _slot_kdf(password, raw_key, kdf) -> KdfParams | None:
    """The arguments of ``make_slots`` checked (before any work); the KDF a password slot uses."""
    if (password is None) == (raw_key is None):
        raise InvalidInputError("Give exactly one of a password or a raw key.")
    if password is None:
        return None
    if not isinstance(password, str) or len(password) < L.MIN_PASSWORD:
        raise InvalidInputError(f"The password must have at least {L.MIN_PASSWORD} characters.")
    kdf = kdf or keys.spec_default_kdf()
    keys.check_writer_kdf(kdf)
    return kdf


def make_slots(file_key: bytes, *, password, raw_key, recovery_public_key, kdf, reporter) -> list:
    kdf = _slot_kdf(password, raw_key, kdf)
    slots = []
    if password is not None:
        reporter.stage("deriving key")
        slots.append(keys.password_slot(password, file_key, kdf))
    else:
        slots.append(keys.raw_key_slot(raw_key, file_key))
    if recovery_public_key is not None:
        slots.append(keys.recovery_slot(recovery_public_key, file_key))
    return slots


# Frames a writer holds in memory while the password's key is still being derived (then it waits).
WAIT_LIMIT = 16 * 1024 * 1024


class _Frames:
    """The payload's frames, encrypted into the file. A password's key is derived on a thread
    (Argon2id runs without the GIL, its lanes on both cores) while the records are read, packed,
    checked and compressed; their frames wait in memory (at most ``WAIT_LIMIT`` bytes) until the
    header can be written, and go straight through once it is."""

    def __init__(self, fh, file_key: bytes, header, first: bytes):
        self.fh, self.file_key = fh, file_key
        self._header = header  # the header's bytes, or a Background giving them
        self._waiting = [first]
        self._held = len(first)
        self.enc = None

    def _key_pending(self) -> bool:
        return isinstance(self._header, Background) and not self._header.done()

    def __call__(self, data: bytes) -> None:
        if self.enc is None:
            if self._key_pending() and self._held + len(data) <= WAIT_LIMIT:
                self._waiting.append(data)
                self._held += len(data)
                return
            self.start()
        self.fh.write(self.enc.update(data))

    def ready(self) -> bool:
        """Whether the header can be written without waiting."""
        return self.enc is not None or not self._key_pending()

    def start(self):
        """Write the header and every frame held so far (waits for the key); returns the encryptor."""
        if self.enc is None:
            from cryptography.cobblestone import Cobblestone256Encryptor

            header = self._header.result() if isinstance(self._header, Background) else self._header
            self.fh.write(header)
            self.enc = Cobblestone256Encryptor(self.file_key, header[-L.HASH_SIZE:])
            for data in self._waiting:
                self.fh.write(self.enc.update(data))
            self._waiting, self._held = [], 0
        return self.enc


def write_bundle(out_path, *, unit_id: str, unit_name: str, sections: dict[str, Iterable[dict]],
                 password: str | None = None, raw_key: bytes | None = None,
                 recovery_public_key: bytes | None = None, kdf: KdfParams | None = None,
                 compress: bool = True, overwrite: bool = False, reporter: Reporter | None = None,
                 total_records: int | None = None, created: str | None = None,
                 validate: bool = True) -> WriteResult:
    """Write one bundle. ``sections`` maps section names to wire records in the section order
    (or to :class:`PackedRecords`).

    ``validate`` runs the reader's own record checks on every record, so a bundle this writes is
    one a reader accepts (a bad record raises InvalidRecordError and no file is left)."""
    from core.fsutil import atomic_writer

    reporter = reporter or Reporter()
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise InvalidInputError(f"Unknown section {sorted(unknown)[0]!r}.")
    head = ManifestHead(L.FORMAT_VERSION, core.__version__, str(unit_id), str(unit_name), created or _now())
    from core.bundle.manifest import _APP_VERSION, _UUIDISH
    from core.unit.records import UNIT_NAME_RE

    if not _UUIDISH.match(head.unit_id) or not UNIT_NAME_RE.match(head.unit_name):
        raise InvalidInputError("The unit id or name cannot go into a bundle.")
    path = check_out_path(out_path, overwrite)
    _slot_kdf(password, raw_key, kdf)  # a bad argument stops here, before any work
    # the record checks of a big export run in a helper process, started first (its start-up overlaps
    # the key derivation); imported here, as ``python -m core.bundle.checker`` runs it as its main
    from core.bundle.checker import start_checker

    checker = start_checker(total_records or 0, written=True) if validate else None
    try:
        file_key = keys.new_file_key()

        def header_bytes() -> bytes:
            return encode_header(make_slots(file_key, password=password, raw_key=raw_key,
                                            recovery_public_key=recovery_public_key, kdf=kdf, reporter=Reporter()))

        # A password's key is derived while the records stream (see _Frames); a raw key needs no time.
        header = Background(header_bytes, "unitvault-derive-key") if password is not None else header_bytes()
        assert _APP_VERSION.match(head.app_version)

        reporter.stage("exporting", total_records, "items")
        try:
            with atomic_writer(path, mode=0o600, overwrite=overwrite) as fh:
                out = _Frames(fh, file_key, header, frame(L.FRAME_MANIFEST_HEAD, head.encode()))
                counts, infos = _write_sections(out, sections, compress, validate, reporter, checker)
                if checker is not None:
                    with as_record_errors():  # before the file is put in place: a refused record leaves none
                        checker.verdict()
                if not out.ready():
                    reporter.stage("deriving key")  # all records are in; the key is not yet
                enc = out.start()
                fh.write(enc.update(frame(L.FRAME_TRAILER, encode_trailer(counts, infos))))
                fh.write(enc.finalize())
                fh.write(encode_footer(fh.tell() + L.FOOTER_SIZE))
                size = fh.tell()
        except FileExistsError:
            raise AlreadyExistsError(f"The file {path} already exists.", kind="file_exists",
                                     data={"path": str(path)}) from None
        except OSError as exc:
            raise InvalidInputError(f"The bundle could not be written to {path} "
                                    f"({exc.strerror or type(exc).__name__}).") from None
    finally:
        if checker is not None:
            checker.close()
    reporter.finish()
    return WriteResult(path, size, counts, head.unit_name)


def _write_sections(out, sections, compress: bool, validate: bool, reporter: Reporter, checker=None):
    zc = compressor() if compress else None
    check_here = validate and checker is None
    counts = {"plugins": 0, "workspaces": 0, "applications": 0, "profiles": 0, "config_keys": 0}
    infos: dict[str, SectionInfo] = {}
    for index, section in enumerate(SECTIONS):
        sha = hashlib.sha256()
        size = 0
        n = 0
        parts: list[bytes] = []
        pending = 0
        reported = 0

        records = sections.get(section, ())
        if isinstance(records, PackedRecords):
            if validate:
                raise InvalidInputError("Packed records are written only without validation (validate=False).")
            if records.count > L.MAX_RECORDS_PER_SECTION:
                raise InvalidRecordError(f"Section {section} has more records than a bundle allows.")
            for block in records.finish().blocks:
                reporter.check()
                _flush(out, zc, index, [block], sha)
            reporter.advance(records.count)
            counts[section] = records.count
            counts["applications"] += records.applications
            infos[section] = SectionInfo(records.count, records.size, sha.hexdigest())
            continue
        first = 0  # the index of the first record in ``parts``
        for record in records:
            try:
                b = pack_record(record)
            except InvalidRecordError:
                if validate:            # the checks say why (a nesting too deep, say) where they can
                    _check(section, n, record, None)
                raise
            if check_here:
                _check(section, n, record, b)
            if len(b) > L.MAX_BLOCK_RAW:
                raise InvalidRecordError(f"Record {n} of section {section} is larger than a block allows.")
            if pending + len(b) > L.MAX_BLOCK_RAW:
                _flush(out, zc, index, parts, sha, checker, first)
                parts, pending, first = [], 0, n
            parts.append(b)
            pending += len(b)
            size += len(b)
            n += 1
            if section == "workspaces":
                counts["applications"] += len(record["applications"])
            if pending >= L.BLOCK_TARGET:
                _flush(out, zc, index, parts, sha, checker, first)
                parts, pending, first = [], 0, n
            if n - reported >= 256:
                reporter.advance(n - reported)
                reported = n
        if parts:
            _flush(out, zc, index, parts, sha, checker, first)
        reporter.advance(n - reported)
        if n > L.MAX_RECORDS_PER_SECTION:
            raise InvalidRecordError(f"Section {section} has more records than a bundle allows.")
        counts[section] = n
        infos[section] = SectionInfo(n, size, sha.hexdigest())
    return counts, infos


def _check(section: str, n: int, record, packed: bytes | None) -> None:
    with as_record_errors():
        check_record(section, n, record, packed)


def _flush(out, zc, index: int, parts: list[bytes], sha, checker=None, first: int = 0) -> None:
    raw = b"".join(parts)
    if checker is not None:
        with as_record_errors():
            checker.block(index, first, raw)
    sha.update(raw)
    if zc is not None:
        data, codec = zc.compress(raw), L.CODEC_ZSTD
    else:
        data, codec = raw, L.CODEC_NONE
    out(block_frame(index, codec, len(raw), data))

