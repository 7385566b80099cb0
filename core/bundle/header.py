"""The clear-text header: layout, parsing with caps, and the end marker (docs/bundle-format.md §2, §3).

Layout (all integers big-endian)::

    magic 8 | version u16 | flags u16 | suite u8 | slot count u8 | slots length u16
    slot*   (type u8 | reserved u8 | body length u16 | body)
    SHA-256 of everything above (32)

The file ends with a 16-byte end marker: ``UVLTEND1`` and the total file size (u64).
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from core.bundle import limits as L
from core.errors import (
    DamagedBundleError,
    NewerVersionError,
    NotABundleError,
    TruncatedBundleError,
    UnsupportedBundleError,
)

_FIXED = struct.Struct(">8sHHBBH")
_SLOT_HEAD = struct.Struct(">BBH")
_PASSWORD_PARAMS = struct.Struct(">B3sIII")
_FOOTER = struct.Struct(">8sQ")


@dataclass(frozen=True, slots=True)
class KdfParams:
    m_kib: int
    t: int
    p: int

    def as_json(self) -> dict:
        return {"m_kib": self.m_kib, "t": self.t, "p": self.p}


@dataclass(frozen=True, slots=True)
class Slot:
    kind: int
    body: bytes

    @property
    def name(self) -> str:
        return L.SLOT_NAMES.get(self.kind, f"unknown-{self.kind}")


@dataclass(frozen=True, slots=True)
class PasswordSlot:
    kdf: KdfParams
    salt: bytes
    wrapped: bytes


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    format_version: int
    kdf: KdfParams | None          # the password slot's parameters; None for a raw-key bundle
    file_size: int
    slots: tuple[str, ...]
    suite: str = "cobblestone-256"
    header_size: int = 0           # bytes before the ciphertext
    header_hash: bytes = field(default=b"", repr=False)     # also the cipher's context
    raw_slots: tuple[Slot, ...] = field(default=(), repr=False)

    @property
    def ciphertext_size(self) -> int:
        return self.file_size - self.header_size - L.FOOTER_SIZE

    def as_json(self) -> dict:
        return {"format_version": self.format_version,
                "kdf": self.kdf.as_json() if self.kdf else None,
                "file_size": self.file_size}

    def slot(self, kind: int) -> Slot | None:
        for s in self.raw_slots:
            if s.kind == kind:
                return s
        return None


# --- encoding ---------------------------------------------------------------------------------
def encode_password_slot(kdf: KdfParams, salt: bytes, wrapped: bytes) -> Slot:
    return Slot(L.SLOT_PASSWORD, _PASSWORD_PARAMS.pack(L.KDF_ARGON2ID, b"\0\0\0", kdf.m_kib, kdf.t, kdf.p)
                + salt + wrapped)


def encode_header(slots: list[Slot], *, version: int = L.FORMAT_VERSION, flags: int = 0,
                  suite: int = L.SUITE_COBBLESTONE_256) -> bytes:
    """Header bytes including the trailing SHA-256 (the generator of test vectors passes odd values)."""
    area = b"".join(_SLOT_HEAD.pack(s.kind, 0, len(s.body)) + s.body for s in slots)
    head = _FIXED.pack(L.MAGIC, version, flags, suite, len(slots), len(area)) + area
    return head + hashlib.sha256(head).digest()


def encode_footer(total_size: int) -> bytes:
    return _FOOTER.pack(L.FOOTER_MAGIC, total_size)


# --- decoding ---------------------------------------------------------------------------------
def _read_exact(fh, n: int) -> bytes:
    data = fh.read(n)
    return data


def parse_header(fh, file_size: int) -> HeaderInfo:
    """Parse and check the header of an open file positioned at 0. Order of checks (spec §3.4):
    magic, version, fixed fields, caps, header hash, slot contents, end marker."""
    fixed = _read_exact(fh, L.FIXED_HEADER_SIZE)
    if len(fixed) < len(L.MAGIC):
        if not fixed or not L.MAGIC.startswith(fixed):
            raise NotABundleError("The file is not a Unitvault bundle." if fixed else "The file is empty.")
        raise TruncatedBundleError("The bundle is cut off inside its header.")
    if fixed[:8] != L.MAGIC:
        raise NotABundleError("The file is not a Unitvault bundle.")
    if len(fixed) < L.FIXED_HEADER_SIZE:
        raise TruncatedBundleError("The bundle is cut off inside its header.")
    _, version, flags, suite, slot_count, slots_len = _FIXED.unpack(fixed)
    if version > L.FORMAT_VERSION:
        raise NewerVersionError(f"The bundle was made by a newer Unitvault (format version {version}).")
    if version not in L.READABLE_VERSIONS:
        raise UnsupportedBundleError(f"The bundle has an unknown format version ({version}).")
    if flags != 0:
        raise UnsupportedBundleError("The bundle sets header flags this version does not know.")
    if suite != L.SUITE_COBBLESTONE_256:
        raise UnsupportedBundleError(f"The bundle uses an unknown cipher suite ({suite}).")
    if not 1 <= slot_count <= L.MAX_SLOTS:
        raise UnsupportedBundleError(f"The bundle has {slot_count} key slots (1 to {L.MAX_SLOTS} are allowed).")
    if slots_len > L.MAX_SLOTS_LENGTH:
        raise UnsupportedBundleError("The bundle's key slot area is too large.")
    rest = _read_exact(fh, slots_len + L.HASH_SIZE)
    if len(rest) < slots_len + L.HASH_SIZE:
        raise TruncatedBundleError("The bundle is cut off inside its header.")
    area, stored_hash = rest[:slots_len], rest[slots_len:]
    slots: list[Slot] = []
    pos = 0
    for _ in range(slot_count):
        if pos + L.SLOT_HEAD_SIZE > slots_len:
            raise DamagedBundleError("The bundle's header is damaged (key slots do not fit).")
        kind, reserved, body_len = _SLOT_HEAD.unpack_from(area, pos)
        pos += L.SLOT_HEAD_SIZE
        if pos + body_len > slots_len:
            raise DamagedBundleError("The bundle's header is damaged (key slots do not fit).")
        slots.append(Slot(kind, bytes(area[pos:pos + body_len])))
        if reserved != 0:
            slots[-1] = Slot(-1, b"")  # reported after the hash check
        pos += body_len
    if pos != slots_len:
        raise DamagedBundleError("The bundle's header is damaged (key slots do not fill their area).")
    header_hash = hashlib.sha256(fixed + area).digest()
    if header_hash != stored_hash:
        raise DamagedBundleError("The bundle's header is damaged (its checksum does not match).")
    _check_slots(slots)
    header_size = L.FIXED_HEADER_SIZE + slots_len + L.HASH_SIZE
    _check_footer(fh, file_size, header_size)
    pw = next((s for s in slots if s.kind == L.SLOT_PASSWORD), None)
    return HeaderInfo(format_version=version, kdf=decode_password_slot(pw).kdf if pw else None,
                      file_size=file_size, slots=tuple(s.name for s in slots), header_size=header_size,
                      header_hash=header_hash, raw_slots=tuple(slots))


def _check_slots(slots: list[Slot]) -> None:
    seen: set[int] = set()
    for s in slots:
        if s.kind == -1:
            raise UnsupportedBundleError("A key slot sets reserved bits this version does not know.")
        if s.kind not in L.SLOT_BODY_SIZES:
            raise UnsupportedBundleError(f"The bundle has a key slot of unknown type ({s.kind}).")
        if s.kind in seen:
            raise UnsupportedBundleError(f"The bundle has two {s.name} key slots.")
        seen.add(s.kind)
        if len(s.body) != L.SLOT_BODY_SIZES[s.kind]:
            raise UnsupportedBundleError(f"The bundle's {s.name} key slot has the wrong size.")
        if s.kind == L.SLOT_PASSWORD:
            decode_password_slot(s)
    if L.SLOT_PASSWORD in seen and L.SLOT_RAW_KEY in seen:
        raise UnsupportedBundleError("The bundle has both a password slot and a raw-key slot.")
    if not seen & {L.SLOT_PASSWORD, L.SLOT_RAW_KEY}:
        raise UnsupportedBundleError("The bundle has neither a password slot nor a raw-key slot.")


def check_kdf(kdf: KdfParams) -> None:
    if not L.KDF_M_MIN <= kdf.m_kib <= L.KDF_M_MAX:
        raise UnsupportedBundleError(
            f"The bundle asks for {kdf.m_kib} KiB of key-derivation memory "
            f"(allowed: {L.KDF_M_MIN} to {L.KDF_M_MAX}).")
    if not L.KDF_T_MIN <= kdf.t <= L.KDF_T_MAX:
        raise UnsupportedBundleError(
            f"The bundle asks for {kdf.t} key-derivation passes (allowed: {L.KDF_T_MIN} to {L.KDF_T_MAX}).")
    if not L.KDF_P_MIN <= kdf.p <= L.KDF_P_MAX:
        raise UnsupportedBundleError(
            f"The bundle asks for {kdf.p} key-derivation lanes (allowed: {L.KDF_P_MIN} to {L.KDF_P_MAX}).")


def decode_password_slot(slot: Slot) -> PasswordSlot:
    kdf_id, reserved, m, t, p = _PASSWORD_PARAMS.unpack_from(slot.body, 0)
    if kdf_id != L.KDF_ARGON2ID:
        raise UnsupportedBundleError(f"The bundle uses an unknown key-derivation function ({kdf_id}).")
    if reserved != b"\0\0\0":
        raise UnsupportedBundleError("The password slot sets reserved bytes this version does not know.")
    kdf = KdfParams(m, t, p)
    check_kdf(kdf)
    off = _PASSWORD_PARAMS.size
    return PasswordSlot(kdf, slot.body[off:off + L.SALT_SIZE], slot.body[off + L.SALT_SIZE:])


def _check_footer(fh, file_size: int, header_size: int) -> None:
    """The end marker tells a cut file (truncated) from one with bytes added (damaged)."""
    if file_size < header_size + L.COBBLESTONE_MIN + L.FOOTER_SIZE:
        raise TruncatedBundleError("The bundle is cut off: it ends before its data does.")
    fh.seek(file_size - L.FOOTER_SIZE)
    magic, declared = _FOOTER.unpack(fh.read(L.FOOTER_SIZE))
    if magic == L.FOOTER_MAGIC:
        if declared == file_size:
            fh.seek(header_size)
            return
        if declared > file_size:
            raise TruncatedBundleError("The bundle is incomplete: part of its data is missing.")
        raise DamagedBundleError("The bundle is damaged: it holds more data than was written.")
    # No end marker at the end: either cut off, or extra bytes after a genuine end marker.
    window = min(file_size - header_size, 1024 * 1024)
    fh.seek(file_size - window)
    tail = fh.read(window)
    base = file_size - window
    idx = tail.rfind(L.FOOTER_MAGIC)
    while idx >= 0:
        if idx + L.FOOTER_SIZE <= len(tail):
            _, declared = _FOOTER.unpack_from(tail, idx)
            if declared == base + idx + L.FOOTER_SIZE:
                raise DamagedBundleError("The bundle is damaged: extra bytes follow its end.")
        idx = tail.rfind(L.FOOTER_MAGIC, 0, idx)
    raise TruncatedBundleError("The bundle is cut off: its end marker is missing.")


def read_header(path: str | os.PathLike) -> HeaderInfo:
    """Read and check the clear-text header and the end marker. No key derivation, never prompts."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            return parse_header(fh, size)
    except FileNotFoundError:
        from core.errors import NotFoundError

        raise NotFoundError(f"The file {path} does not exist.") from None
    except IsADirectoryError:
        raise NotABundleError(f"{path} is a directory, not a bundle.") from None
    except PermissionError:
        from core.errors import InvalidInputError

        raise InvalidInputError(f"The file {path} cannot be read (permission denied).") from None
