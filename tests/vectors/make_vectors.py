"""Generate the bundle test vectors (good and bad) and tests/vectors/manifest.json.

Run: ``.venv/bin/python tests/vectors/make_vectors.py``. Deterministic apart from the 56-byte
Cobblestone prefix (the cipher draws its own nonce; the library has no hook for it): salts, file
keys and ephemeral keys come from a seeded generator that replaces ``core.bundle.keys.random_bytes``
here only. Every bad vector has exactly one defect; ``manifest.json`` names the error class.

``good/v1-compat-small.uvault`` is the compatibility bundle: it stays in the repository forever and
every future reader must open it to the recorded digest. Do not regenerate it.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import msgpack  # noqa: E402

from core.bundle import keys  # noqa: E402
from core.bundle import limits as L  # noqa: E402
from core.bundle.header import KdfParams, Slot, encode_footer, encode_header  # noqa: E402
from core.bundle.manifest import ManifestHead, SectionInfo, encode_trailer  # noqa: E402
from core.bundle.payload import FRAME_HEAD, block_frame, compressor, frame  # noqa: E402
from core.bundle.writer import write_bundle  # noqa: E402
from core.unit.digest import digest_sections  # noqa: E402
from core.unit.records import SECTIONS  # noqa: E402

PASSWORD = "correct horse battery staple"
KDF = KdfParams(L.KDF_FLOOR_M, L.KDF_FLOOR_T, L.KDF_FLOOR_P)
RECOVERY_PRIVATE = hashlib.sha256(b"unitvault test vectors recovery key").digest()
RAW_KEY = hashlib.sha256(b"unitvault test vectors raw key").digest()
CREATED = "2025-01-01T00:00:00Z"
UNIT_ID = "7f0c1e52-3b1a-4c8e-9d2f-5a6b7c8d9e0f"


class Drbg:
    def __init__(self, seed: str):
        self.seed = seed.encode()
        self.n = 0

    def __call__(self, n: int) -> bytes:
        self.n += 1
        return hashlib.shake_256(self.seed + self.n.to_bytes(8, "big")).digest(n)


def seeded(name: str) -> None:
    keys.random_bytes = Drbg(name)


# --- content -----------------------------------------------------------------------------------------
def small_unit() -> dict[str, list[dict]]:
    ws = ["ws-alpha", "ws-beta"]
    return {
        "plugins": [
            {"id": "plugin-1", "name": "Mail relay", "version": "1.2.3", "enabled": True,
             "config": {"host": "smtp.example.org", "port": 587, "tls": True, "ratio": 0.25, "tags": ["a", "b"],
                        "nested": {"deep": {"deeper": [1, 2, {"x": None}]}}},
             "permissions": [{"subject_type": "role", "subject": "admin", "action": "configure", "allow": True}],
             "mappings": [{"source": "mail.from", "target": "smtp/1"}]},
            {"id": "plugin-2", "name": "Zürich Café", "version": "0.9", "enabled": False, "config": {},
             "permissions": [], "mappings": []},
        ],
        "workspaces": [
            {"id": ws[0], "name": "Alpha", "description": "Team space", "owner": "ann@example.org",
             "applications": [{"id": "app-1", "name": "Chart 1", "kind": "chart", "position": 0,
                               "config": {"series": [1.5, -2, 3e10]}},
                              {"id": "app-2", "name": "東京 map", "kind": "map", "position": 1, "config": {}}]},
            {"id": ws[1], "name": "Beta", "description": "", "owner": "bob@example.org", "applications": []},
        ],
        "profiles": [{"id": "profile-1", "name": "Staff", "description": "Read-only staff", "workspaces": ws}],
        "config_keys": [
            {"key": "auth.timeout", "value": 30, "secret": False, "description": "Session timeout"},
            {"key": "auth.secret", "value": "s3cr3t-value-never-printed", "secret": True, "description": ""},
            {"key": "ui.theme", "value": {"dark": True, "accent": "#ff8800"}, "secret": False, "description": ""},
            {"key": "ui.big", "value": 2**63 - 1, "secret": False, "description": "largest int"},
            {"key": "ui.empty", "value": None, "secret": False, "description": "😀"},
        ],
    }


def chunky_unit() -> dict[str, list[dict]]:
    """Uncompressed, about three and a half 16 KiB chunks: first, middle and last chunks exist."""
    return {"plugins": [], "workspaces": [], "profiles": [],
            "config_keys": [{"key": f"bulk.k{i}", "value": i, "secret": False, "description": "x" * 9000}
                            for i in range(6)]}


def write(path: Path, sections, *, name="vectors", compress=True, recovery=True, raw=False) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    seeded(path.name)
    rec_pub = keys.public_from_private(RECOVERY_PRIVATE) if recovery else None
    write_bundle(path, unit_id=UNIT_ID, unit_name=name, sections=sections,
                 password=None if raw else PASSWORD, raw_key=RAW_KEY if raw else None,
                 recovery_public_key=rec_pub, kdf=KDF, compress=compress, created=CREATED)
    return path.read_bytes()


# --- low-level building ------------------------------------------------------------------------------
def password_header(name: str, file_key: bytes, *, extra_slots=()) -> bytes:
    seeded(name)
    return encode_header([keys.password_slot(PASSWORD, file_key, KDF), *extra_slots])


def seal(header: bytes, file_key: bytes, plaintext: bytes) -> bytes:
    from cryptography.cobblestone import Cobblestone256Encryptor

    enc = Cobblestone256Encryptor(file_key, header[-L.HASH_SIZE:])
    body = header + enc.update(plaintext) + enc.finalize()
    return body + encode_footer(len(body) + L.FOOTER_SIZE)


def head_frame() -> bytes:
    return frame(L.FRAME_MANIFEST_HEAD, ManifestHead(1, "0.1.0", UNIT_ID, "vectors", CREATED).encode())


def blocks_and_trailer(raw_by_section: dict[str, list[bytes]], *, compress=True, counts_fix=None,
                       info_fix=None, apps: int = 0) -> bytes:
    """Frames for sections given as lists of raw record encodings (each list becomes one block)."""
    out = []
    counts = {"plugins": 0, "workspaces": 0, "applications": apps, "profiles": 0, "config_keys": 0}
    infos = {}
    for i, s in enumerate(SECTIONS):
        recs = raw_by_section.get(s, [])
        raw = b"".join(recs)
        if recs:
            data = compressor().compress(raw) if compress else raw
            out.append(block_frame(i, L.CODEC_ZSTD if compress else L.CODEC_NONE, len(raw), data))
        counts[s] = len(recs)
        infos[s] = SectionInfo(len(recs), len(raw), hashlib.sha256(raw).hexdigest())
    if counts_fix:
        counts.update(counts_fix)
    if info_fix:
        infos.update(info_fix)
    return b"".join(out) + frame(L.FRAME_TRAILER, encode_trailer(counts, infos))


def pk(obj) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def empty_lists(n: int) -> bytes:
    """Raw msgpack of an array of arrays holding ``n`` empty arrays in all (each inner array at most
    10,000 items, as the reader allows)."""
    per = L.MAX_ARRAY_LEN
    inner = [per] * (n // per) + ([n % per] if n % per else [])
    out = [b"\xdc" + len(inner).to_bytes(2, "big")]
    for k in inner:
        out.append(b"\xdc" + k.to_bytes(2, "big") + b"\x90" * k)
    return b"".join(out)


def raw_map(pairs: list[tuple[bytes, bytes]]) -> bytes:
    assert len(pairs) < 16
    return bytes([0x80 | len(pairs)]) + b"".join(k + v for k, v in pairs)


def config_key_raw(value_raw: bytes, key: str = "a.b") -> bytes:
    return raw_map([(pk("key"), pk(key)), (pk("value"), value_raw), (pk("secret"), pk(False)),
                    (pk("description"), pk(""))])


def content_vector(name: str, body_frames: bytes, *, with_head=True) -> bytes:
    file_key = hashlib.sha256(b"file key " + name.encode()).digest()
    header = password_header(name, file_key)
    return seal(header, file_key, (head_frame() if with_head else b"") + body_frames)


# --- header surgery ---------------------------------------------------------------------------------
def split_header(data: bytes):
    slots_len = struct.unpack_from(">H", data, 14)[0]
    end = 16 + slots_len
    return bytearray(data[:end]), data[end:end + 32], data[end + 32:]


def rehash(head: bytes) -> bytes:
    return bytes(head) + hashlib.sha256(bytes(head)).digest()


def header_edit(data: bytes, edit, *, recompute=True) -> bytes:
    head, digest, rest = split_header(data)
    edit(head)
    return (rehash(head) if recompute else bytes(head) + digest) + rest


def set_slots(data: bytes, slots: list[Slot], *, count: int | None = None) -> bytes:
    _, _, rest = split_header(data)
    area = b"".join(struct.pack(">BBH", s.kind, 0, len(s.body)) + s.body for s in slots)
    fixed = bytearray(data[:16])
    fixed[13] = len(slots) if count is None else count
    fixed[14:16] = struct.pack(">H", len(area))
    return rehash(bytes(fixed) + area) + rest


def parse_slots(data: bytes) -> list[Slot]:
    head, _, _ = split_header(data)
    out, pos = [], 16
    for _ in range(head[13]):
        kind, _, n = struct.unpack_from(">BBH", head, pos)
        out.append(Slot(kind, bytes(head[pos + 4:pos + 4 + n])))
        pos += 4 + n
    return out


def payload_bounds(data: bytes) -> tuple[int, int]:
    head, _, _ = split_header(data)
    return len(head) + 32, len(data) - L.FOOTER_SIZE


def refooter(body: bytes) -> bytes:
    return body + encode_footer(len(body) + L.FOOTER_SIZE)


def flip(data: bytes, pos: int) -> bytes:
    b = bytearray(data)
    b[pos] ^= 0x01
    return bytes(b)


def main() -> None:
    good_dir, bad_dir = HERE / "good", HERE / "bad"
    for d in (good_dir, bad_dir):
        d.mkdir(exist_ok=True)
        for old in d.glob("*.uvault"):
            if old.name != "v1-compat-small.uvault":
                old.unlink()
    manifest: dict[str, dict] = {}

    def good(name: str, sections, **kw) -> bytes:
        path = good_dir / name
        if name == "v1-compat-small.uvault" and path.exists():
            data = path.read_bytes()          # never regenerated
        else:
            data = write(path, sections, **kw)
        cred = {"raw_key": RAW_KEY.hex()} if kw.get("raw") else {"password": PASSWORD}
        manifest[f"good/{name}"] = {"expect": "ok", "digest": digest_sections(sections), **cred,
                                    "counts": {s: len(v) for s, v in sections.items()}}
        return data

    def bad(name: str, data: bytes, expect: str, what: str, **cred) -> None:
        (bad_dir / name).write_bytes(data)
        manifest[f"bad/{name}"] = {"expect": expect, "what": what, **(cred or {"password": PASSWORD})}

    small = good("v1-compat-small.uvault", small_unit())
    empty = {s: [] for s in SECTIONS}
    good("v1-empty-unit.uvault", empty, recovery=False)
    good("v1-uncompressed.uvault", small_unit(), compress=False, recovery=False)
    good("v1-raw-key.uvault", small_unit(), raw=True, recovery=False)
    chunky = good("v1-chunky-uncompressed.uvault", chunky_unit(), compress=False, recovery=False)
    other = write(HERE / "other.tmp", small_unit())
    (HERE / "other.tmp").unlink()
    manifest["good/v1-compat-small.uvault"]["recovery_key"] = keys.format_private_key(RECOVERY_PRIVATE)

    # -- files that are not bundles, or cut inside the header
    bad("empty.uvault", b"", "NotABundleError", "an empty file")
    bad("tiny-magic-prefix.uvault", L.MAGIC[:3], "TruncatedBundleError", "three bytes of the magic")
    bad("tiny-text.uvault", b"hello\n", "NotABundleError", "a short text file")
    bad("bad-magic.uvault", b"X" + small[1:], "NotABundleError", "first magic byte changed")
    bad("cut-in-header.uvault", small[:60], "TruncatedBundleError", "cut inside the key slots")
    # -- header values (hash recomputed unless stated)
    bad("newer-version.uvault", header_edit(small, lambda h: h.__setitem__(slice(8, 10), b"\0\x02")),
        "NewerVersionError", "format version 2")
    bad("version-zero.uvault", header_edit(small, lambda h: h.__setitem__(slice(8, 10), b"\0\0")),
        "UnsupportedBundleError", "format version 0")
    bad("reserved-flags.uvault", header_edit(small, lambda h: h.__setitem__(11, 0x04)),
        "UnsupportedBundleError", "a reserved flag bit set")
    bad("unknown-suite.uvault", header_edit(small, lambda h: h.__setitem__(12, 9)),
        "UnsupportedBundleError", "cipher suite id 9")
    pw_slot, rec_slot = parse_slots(small)

    def pw_with(kdf_id=1, m=KDF.m_kib, t=KDF.t, p=KDF.p, extra=b"") -> Slot:
        body = bytearray(pw_slot.body)
        body[0] = kdf_id
        body[4:16] = struct.pack(">III", m, t, p)
        return Slot(1, bytes(body) + extra)

    bad("unknown-kdf.uvault", set_slots(small, [pw_with(kdf_id=7), rec_slot]), "UnsupportedBundleError",
        "KDF id 7")
    bad("kdf-huge-memory.uvault", set_slots(small, [pw_with(m=0xFFFFFFFF), rec_slot]), "UnsupportedBundleError",
        "Argon2 memory 4 TiB")
    bad("kdf-tiny-memory.uvault", set_slots(small, [pw_with(m=8), rec_slot]), "UnsupportedBundleError",
        "Argon2 memory 8 KiB")
    bad("kdf-zero-time.uvault", set_slots(small, [pw_with(t=0), rec_slot]), "UnsupportedBundleError",
        "Argon2 time cost 0")
    bad("kdf-huge-time.uvault", set_slots(small, [pw_with(t=1000), rec_slot]), "UnsupportedBundleError",
        "Argon2 time cost 1000")
    bad("kdf-many-lanes.uvault", set_slots(small, [pw_with(p=255), rec_slot]), "UnsupportedBundleError",
        "Argon2 parallelism 255")
    bad("too-many-slots.uvault", set_slots(small, [pw_slot, rec_slot, rec_slot, rec_slot, rec_slot]),
        "UnsupportedBundleError", "five key slots")
    bad("duplicate-password-slot.uvault", set_slots(small, [pw_slot, pw_slot]), "UnsupportedBundleError",
        "two password slots")
    bad("unknown-slot-type.uvault", set_slots(small, [pw_slot, Slot(9, rec_slot.body)]), "UnsupportedBundleError",
        "slot type 9")
    bad("recovery-slot-short-key.uvault", set_slots(small, [pw_slot, Slot(2, rec_slot.body[1:])]),
        "UnsupportedBundleError", "a recovery slot whose ephemeral key has 31 bytes")
    bad("wrapped-key-resized.uvault", set_slots(small, [pw_with(extra=b"\0"), rec_slot]), "UnsupportedBundleError",
        "password slot wrapped key 49 bytes")
    bad("slot-area-oversized.uvault", header_edit(small, lambda h: h.__setitem__(slice(14, 16), b"\xff\xff"),
                                                   recompute=False),
        "UnsupportedBundleError", "slot area length 65535")
    bad("header-changed-no-rehash.uvault",
        header_edit(small, lambda h: h.__setitem__(40, h[40] ^ 1), recompute=False),
        "DamagedBundleError", "a salt byte changed, header hash not recomputed")
    bad("header-hash-flipped.uvault", flip(small, payload_bounds(small)[0] - 1), "DamagedBundleError",
        "last byte of the header hash changed")
    bad("header-changed-rehashed.uvault",
        set_slots(small, [pw_slot, Slot(2, flip(rec_slot.body, 5))]),
        "DamagedBundleError", "the recovery slot changed and the header hash recomputed (password still opens)")
    bad("salt-changed-rehashed.uvault",
        set_slots(small, [Slot(1, flip(pw_slot.body, 20)), rec_slot]),
        "WrongPasswordError", "the password salt changed and the hash recomputed: indistinguishable from a wrong password")
    bad("wrong-password.uvault", small, "WrongPasswordError", "the good bundle opened with another password",
        password="Tr0ub4dor&3")
    bad("wrong-recovery-key.uvault", small, "WrongPasswordError", "the good bundle opened with another recovery key",
        recovery_key=keys.format_private_key(hashlib.sha256(b"another").digest()))
    start, end = payload_bounds(small)
    bad("header-of-another-bundle.uvault", other[:payload_bounds(other)[0]] + small[start:],
        "DamagedBundleError", "the header of one bundle on the payload of another (same password)")
    # -- payload chunks (uncompressed bundle with 4 chunks)
    c0, c1 = payload_bounds(chunky)
    chunk = L.COBBLESTONE_CHUNK_CT
    first = c0 + L.COBBLESTONE_PREFIX
    n_full = (c1 - first) // chunk
    assert n_full >= 3, n_full
    bad("flip-first-chunk.uvault", flip(chunky, first + 100), "DamagedBundleError", "a bit flipped in chunk 0")
    bad("flip-middle-chunk.uvault", flip(chunky, first + chunk + 100), "DamagedBundleError", "a bit flipped in chunk 1")
    bad("flip-last-chunk.uvault", flip(chunky, c1 - 5), "DamagedBundleError", "a bit flipped in the final chunk")
    bad("flip-cipher-prefix.uvault", flip(chunky, c0 + 3), "DamagedBundleError", "a bit flipped in the cipher prefix")
    last_start = first + n_full * chunk
    bad("last-chunk-removed.uvault", chunky[:last_start] + chunky[c1:], "TruncatedBundleError",
        "the final chunk removed, end marker kept")
    bad("last-chunk-and-end-removed.uvault", chunky[:last_start], "TruncatedBundleError",
        "the file cut after the last full chunk")
    bad("cut-mid-chunk.uvault", chunky[:first + chunk + 5000], "TruncatedBundleError", "cut in the middle of chunk 1")
    bad("end-marker-only-missing.uvault", chunky[:c1], "TruncatedBundleError", "the 16-byte end marker missing")
    bad("trailing-garbage.uvault", chunky + b"garbage after the end", "DamagedBundleError", "bytes appended")
    swapped = (chunky[:first] + chunky[first + chunk:first + 2 * chunk] + chunky[first:first + chunk]
               + chunky[first + 2 * chunk:])
    bad("chunks-swapped.uvault", swapped, "DamagedBundleError", "chunks 0 and 1 swapped")
    dup = refooter(chunky[:first + chunk] + chunky[first:c1])
    bad("chunk-duplicated.uvault", dup, "DamagedBundleError", "chunk 0 duplicated, end marker updated")
    bad("chunk-duplicated-stale-end.uvault", chunky[:first + chunk] + chunky[first:], "DamagedBundleError",
        "chunk 0 duplicated, end marker not updated")
    bad("end-marker-size-smaller.uvault", chunky[:-8] + (len(chunky) - 1).to_bytes(8, "big"), "DamagedBundleError",
        "the end marker declares one byte less than the file holds")
    bad("end-marker-size-larger.uvault", chunky[:-8] + (len(chunky) + 1).to_bytes(8, "big"), "TruncatedBundleError",
        "the end marker declares one byte more than the file holds (data missing)")
    # -- authenticated content that breaks the rules
    plug = [pk(small_unit()["plugins"][0])]
    ck = [pk(r) for r in small_unit()["config_keys"]]
    bad("manifest-length-beyond-file.uvault",
        content_vector("mlen", FRAME_HEAD.pack(L.FRAME_MANIFEST_HEAD, 60000) + b"\0" * 10, with_head=False),
        "InvalidContentError", "the manifest head frame claims 60,000 bytes; the payload ends first")
    bad("manifest-length-over-cap.uvault",
        content_vector("mcap", FRAME_HEAD.pack(L.FRAME_MANIFEST_HEAD, 0xFFFFFFFF), with_head=False),
        "InvalidContentError", "the manifest head frame claims 4 GiB")
    bad("no-manifest-head.uvault", content_vector("nohead", blocks_and_trailer({"config_keys": ck}), with_head=False),
        "InvalidContentError", "the payload starts with a block")
    bad("manifest-head-extra-field.uvault",
        content_vector("hx", frame(L.FRAME_MANIFEST_HEAD, pk({"format_version": 1, "app_version": "0.1.0",
                                                               "unit": {"id": UNIT_ID, "name": "x"},
                                                               "created": CREATED, "sections": list(SECTIONS),
                                                               "extra": 1}))
                       + blocks_and_trailer({}), with_head=False),
        "InvalidContentError", "an unknown field in the manifest head")
    bad("count-mismatch.uvault", content_vector("cnt", blocks_and_trailer({"config_keys": ck},
                                                                          counts_fix={"config_keys": 6})),
        "InvalidContentError", "the trailer counts 6 config keys, the data holds 5")
    bad("applications-count-mismatch.uvault",
        content_vector("apps", blocks_and_trailer({"config_keys": ck}, apps=3)),
        "InvalidContentError", "the trailer counts 3 applications, the data holds none")
    bad("hash-mismatch.uvault", content_vector("hash", blocks_and_trailer(
        {"config_keys": ck}, info_fix={"config_keys": SectionInfo(5, len(b"".join(ck)), "0" * 64)})),
        "InvalidContentError", "the trailer's SHA-256 of config_keys is wrong")
    bad("size-mismatch.uvault", content_vector("size", blocks_and_trailer(
        {"config_keys": ck}, info_fix={"config_keys": SectionInfo(5, 1, hashlib.sha256(b"".join(ck)).hexdigest())})),
        "InvalidContentError", "the trailer's size of config_keys is wrong")
    bad("missing-trailer.uvault", content_vector("notrail", blocks_and_trailer({"config_keys": ck})[:-60]
                                                 [:0] + block_frame(3, 0, len(b"".join(ck)), b"".join(ck))),
        "InvalidContentError", "the payload ends without its trailer")
    bad("data-after-trailer.uvault", content_vector("after", blocks_and_trailer({"config_keys": ck}) + head_frame()),
        "InvalidContentError", "a frame after the trailer")
    bad("sections-out-of-order.uvault",
        content_vector("order", block_frame(3, 0, len(ck[0]), ck[0]) + block_frame(0, 0, len(plug[0]), plug[0])
                       + blocks_and_trailer({})),
        "InvalidContentError", "a plugins block after a config_keys block")
    bad("unknown-frame-kind.uvault", content_vector("kind", frame(9, b"") + blocks_and_trailer({})),
        "InvalidContentError", "frame kind 9")
    bad("unknown-codec.uvault", content_vector("codec", block_frame(3, 7, len(ck[0]), ck[0]) + blocks_and_trailer({})),
        "InvalidContentError", "compression id 7")
    bad("msgpack-int-keys.uvault", content_vector("intk", blocks_and_trailer({"config_keys": [
        config_key_raw(raw_map([(pk(1), pk("x"))]))]})), "InvalidContentError", "a map with an integer key")
    bad("msgpack-duplicate-keys.uvault", content_vector("dupk", blocks_and_trailer({"config_keys": [
        raw_map([(pk("key"), pk("a.b")), (pk("key"), pk("a.c")), (pk("value"), pk(1)), (pk("secret"), pk(False)),
                 (pk("description"), pk(""))])]})), "InvalidContentError", "a record with the key 'key' twice")
    bad("msgpack-ext-type.uvault", content_vector("ext", blocks_and_trailer({"config_keys": [
        config_key_raw(msgpack.packb(msgpack.ExtType(5, b"abcd")))]})), "InvalidContentError", "an ext type value")
    bad("msgpack-timestamp.uvault", content_vector("ts", blocks_and_trailer({"config_keys": [
        config_key_raw(msgpack.packb(msgpack.Timestamp(1700000000, 0)))]})), "InvalidContentError",
        "a msgpack timestamp (ext -1) value")
    bad("msgpack-bin-string.uvault", content_vector("bin", blocks_and_trailer({"config_keys": [
        config_key_raw(msgpack.packb(b"bytes", use_bin_type=True))]})), "InvalidContentError", "a bin value")
    bad("msgpack-huge-array.uvault", content_vector("harr", blocks_and_trailer({"config_keys": [
        config_key_raw(b"\xdd\xff\xff\xff\xff")]})), "InvalidContentError", "an array declaring 4 billion items")
    bad("msgpack-huge-string.uvault", content_vector("hstr", blocks_and_trailer({"config_keys": [
        config_key_raw(b"\xdb\x7f\xff\xff\xff")]})), "InvalidContentError", "a string declaring 2 GiB")
    deep: object = 1
    for _ in range(40):
        deep = [deep]
    bad("deep-nesting.uvault", content_vector("deep", blocks_and_trailer({"config_keys": [
        config_key_raw(pk(deep))]})), "InvalidContentError", "a config value nested 40 levels")
    bad("containers-over-cap.uvault", content_vector("containers", blocks_and_trailer({"config_keys": [
        config_key_raw(empty_lists(L.MAX_CONTAINERS))]})), "InvalidContentError",
        "one config value holding 100,000 empty arrays (the record: 100,012 maps and arrays)")
    bad("fifteen-million-empty-lists.uvault", content_vector("lists", blocks_and_trailer({"config_keys": [
        config_key_raw(empty_lists(15_000_000))]})), "InvalidContentError",
        "about 2 KB holding one record of fifteen million empty arrays (~1 GB if decoded)")
    bad("nan-value.uvault", content_vector("nan", blocks_and_trailer({"config_keys": [
        config_key_raw(pk(math.nan))]})), "InvalidContentError", "NaN as a config value")
    bad("infinity-in-config.uvault", content_vector("inf", blocks_and_trailer({"plugins": [
        pk({**small_unit()["plugins"][1], "config": {"x": [math.inf]}})]})), "InvalidContentError",
        "infinity inside a plugin config")
    ws = small_unit()["workspaces"][0]
    ws_float = {**ws, "applications": [{**ws["applications"][0], "position": 3.0}]}
    bad("float-for-integer.uvault", content_vector("flt", blocks_and_trailer({"workspaces": [pk(ws_float)]}, apps=1)),
        "InvalidContentError", "an application position 3.0 where an integer is expected")
    bad("non-canonical-int.uvault", content_vector("ncint", blocks_and_trailer({"config_keys": [
        config_key_raw(b"\xce\x00\x00\x00\x05")]})), "InvalidContentError", "5 encoded as uint32")
    bad("schema-missing-field.uvault", content_vector("schema", blocks_and_trailer({"plugins": [
        pk({k: v for k, v in small_unit()["plugins"][1].items() if k != "name"})]})), "InvalidContentError",
        "a plugin without a name")
    bad("schema-secret-value-not-echoed.uvault", content_vector("secret", blocks_and_trailer({"config_keys": [
        pk({"key": "bad key!", "value": "hunter2-secret", "secret": True, "description": ""})]})),
        "InvalidContentError", "a bad key pattern next to a secret value (the message must not contain it)")
    bad("record-cut-in-block.uvault", content_vector("cutrec", blocks_and_trailer({"config_keys": [ck[0][:-3]]})),
        "InvalidContentError", "a record cut off at the end of its block")
    big_raw = b"".join(pk({"key": f"z.k{i}", "value": i, "secret": False, "description": "y" * 100})
                       for i in range(20))
    frame_big = compressor().compress(big_raw)
    bad("zstd-expands-past-declared.uvault", content_vector("zexp", block_frame(3, 1, 300, frame_big)
                                                            + blocks_and_trailer({})),
        "InvalidContentError", "a block declaring 300 bytes whose zstd frame holds more")
    bad("zstd-lying-frame-header.uvault",
        content_vector("zlie", block_frame(3, 1, 300, _patch_content_size(frame_big, 300)) + blocks_and_trailer({})),
        "InvalidContentError", "a zstd frame whose header declares 300 bytes but decodes to more")
    two = compressor().compress(ck[0]) + compressor().compress(ck[1])
    bad("zstd-two-frames.uvault", content_vector("z2", block_frame(3, 1, len(ck[0]), two) + blocks_and_trailer({})),
        "InvalidContentError", "two zstd frames in one block")
    bad("zstd-not-a-frame.uvault", content_vector("z0", block_frame(3, 1, len(ck[0]), b"not zstd at all")
                                                  + blocks_and_trailer({})),
        "InvalidContentError", "a block that is not zstd")
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"{sum(1 for v in manifest.values() if v['expect'] == 'ok')} good, "
          f"{sum(1 for v in manifest.values() if v['expect'] != 'ok')} bad vectors")


def _patch_content_size(frame_bytes: bytes, new_size: int) -> bytes:
    """Rewrite a zstd frame header's content-size field (keeps its width)."""
    b = bytearray(frame_bytes)
    fhd = b[4]
    fcs_flag, single = fhd >> 6, (fhd >> 5) & 1
    did_flag = fhd & 3
    pos = 5 + (0 if single else 1) + (0, 1, 2, 4)[did_flag]
    width = (1 if single else 0, 2, 4, 8)[fcs_flag]
    if width == 2:
        b[pos:pos + 2] = (new_size - 256).to_bytes(2, "little")
    elif width:
        b[pos:pos + width] = new_size.to_bytes(width, "little")
    return bytes(b)



if __name__ == "__main__":
    main()
