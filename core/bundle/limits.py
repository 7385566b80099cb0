"""Every constant and limit of bundle format v1 (docs/bundle-format.md, "Limits").

A reader checks each value it reads from a file against these caps BEFORE using it, so a hostile
file can never make us allocate, derive or loop more than these numbers allow.
"""

from __future__ import annotations

MAGIC = b"\x89UVLT\r\n\x1a"          # PNG-style: high bit, CRLF and ^Z catch text-mode mangling
FORMAT_VERSION = 1                    # the version this code writes
READABLE_VERSIONS = (1,)              # every version this code reads (a newer reader reads all older ones)

SUITE_COBBLESTONE_256 = 1             # C2SP chunked encryption, SHA-512 + AES-256-GCM, 16 KiB chunks
KDF_ARGON2ID = 1                      # Argon2id, version 0x13

SLOT_PASSWORD = 1
SLOT_RECOVERY = 2
SLOT_RAW_KEY = 3
SLOT_NAMES = {SLOT_PASSWORD: "password", SLOT_RECOVERY: "recovery", SLOT_RAW_KEY: "raw-key"}

FIXED_HEADER_SIZE = 16                # magic .. slots_length
SLOT_HEAD_SIZE = 4                    # type u8, reserved u8, body length u16
HASH_SIZE = 32                        # header SHA-256
MAX_SLOTS = 4
MAX_SLOTS_LENGTH = 1024
PASSWORD_SLOT_BODY = 80               # kdf id, 3 reserved, m, t, p (u32 each), salt 16, wrapped key 48
RECOVERY_SLOT_BODY = 80               # ephemeral X25519 public key 32, wrapped key 48
RAW_KEY_SLOT_BODY = 64                # salt 16, wrapped key 48
SLOT_BODY_SIZES = {SLOT_PASSWORD: PASSWORD_SLOT_BODY, SLOT_RECOVERY: RECOVERY_SLOT_BODY,
                   SLOT_RAW_KEY: RAW_KEY_SLOT_BODY}
SALT_SIZE = 16
FILE_KEY_SIZE = 32
WRAPPED_KEY_SIZE = FILE_KEY_SIZE + 16

FOOTER_MAGIC = b"UVLTEND1"
FOOTER_SIZE = 16                      # magic 8, total file size u64
COBBLESTONE_PREFIX = 56               # bytes the cipher writes before the first chunk
COBBLESTONE_MIN = 72                  # prefix + an empty final chunk
COBBLESTONE_CHUNK = 16384             # plaintext bytes per chunk
COBBLESTONE_CHUNK_CT = COBBLESTONE_CHUNK + 16

MIN_PASSWORD = 4                      # characters; the floor our users know (matches core.cli.passwords)

# Argon2id parameters a reader accepts (checked before the KDF runs)...
KDF_M_MIN, KDF_M_MAX = 64 * 1024, 1024 * 1024     # KiB: 64 MiB .. 1 GiB
KDF_T_MIN, KDF_T_MAX = 1, 10
KDF_P_MIN, KDF_P_MAX = 1, 16
# ...and the floor a writer never goes below, and the default when nothing was calibrated.
KDF_FLOOR_M, KDF_FLOOR_T, KDF_FLOOR_P = 64 * 1024, 2, 1
KDF_DEFAULT_M, KDF_DEFAULT_T, KDF_DEFAULT_P = 256 * 1024, 3, 2

# Payload frames (inside the encryption).
FRAME_HEAD_SIZE = 5                   # kind u8, length u32
FRAME_MANIFEST_HEAD = 1
FRAME_BLOCK = 2
FRAME_TRAILER = 3
MAX_MANIFEST_FRAME = 64 * 1024
BLOCK_PREFIX_SIZE = 6                 # section index u8, codec u8, raw size u32
MAX_BLOCK_RAW = 16 * 1024 * 1024      # decompressed bytes of one block
MAX_BLOCK_FRAME = MAX_BLOCK_RAW + 1024 * 1024   # stored bytes of one block (zstd may expand a little)
BLOCK_TARGET = 1024 * 1024            # a writer closes a block once it holds this much
CODEC_NONE = 0
CODEC_ZSTD = 1
ZSTD_LEVEL = 3

# Decoding records (msgpack).
MAX_DEPTH = 32                        # nesting of maps/arrays inside one record, the record itself = 1
MAX_STR_BYTES = 4 * 1024 * 1024       # 1 Mi characters of UTF-8
MAX_ARRAY_LEN = 10_000
MAX_MAP_LEN = 1_000
MAX_RECORDS_PER_SECTION = 10_000_000
MAX_CONTAINERS = 100_000              # maps and arrays in one record (the record's own map included),
                                      # counted while decoding: an empty array is one byte on the wire
                                      # but ~64 bytes decoded, so a 16 MiB block could hold ~1 GiB of them
