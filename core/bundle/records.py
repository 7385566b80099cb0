"""Encoding records into blocks and decoding untrusted blocks back, strictly (spec §7).

A block holds whole records, each one canonical msgpack (shortest integers, float64 floats, str not
bin, no ext, maps in the order written). The reader re-encodes every record and requires the same
bytes: that single rule rejects duplicate map keys, ext types (timestamps too), bin strings and
every non-canonical trick, on top of msgpack's own caps on declared lengths. Then nesting depth,
non-finite floats and integer fields are checked, and only then the JSON schemas run.
"""

from __future__ import annotations

import contextlib
import gc
import math

import msgpack

from core.bundle import limits as L
from core.errors import InvalidContentError, InvalidRecordError
from core.support.strict_msgpack import refuse_ext

_packb = msgpack.Packer(use_bin_type=True, autoreset=True).pack


def new_unpacker() -> msgpack.Unpacker:
    return msgpack.Unpacker(raw=False, strict_map_key=True, use_list=True, timestamp=0,
                            max_buffer_size=L.MAX_BLOCK_RAW, max_str_len=L.MAX_STR_BYTES, max_bin_len=0,
                            max_array_len=L.MAX_ARRAY_LEN, max_map_len=L.MAX_MAP_LEN, max_ext_len=0,
                            ext_hook=refuse_ext)


class _TooManyContainers(Exception):
    pass


def counting_unpacker():
    """An unpacker that counts the maps and arrays it builds and refuses a record holding more than
    ``MAX_CONTAINERS`` while it is being decoded, before the rest of it is allocated. Returns the
    unpacker and ``reset()``, to call before each record."""
    left = L.MAX_CONTAINERS

    def hook(obj):
        nonlocal left
        left -= 1
        if left < 0:
            raise _TooManyContainers
        return obj

    def reset() -> None:
        nonlocal left
        left = L.MAX_CONTAINERS

    up = msgpack.Unpacker(raw=False, strict_map_key=True, use_list=True, timestamp=0,
                          max_buffer_size=L.MAX_BLOCK_RAW, max_str_len=L.MAX_STR_BYTES, max_bin_len=0,
                          max_array_len=L.MAX_ARRAY_LEN, max_map_len=L.MAX_MAP_LEN, max_ext_len=0,
                          ext_hook=refuse_ext, object_hook=hook, list_hook=hook)
    return up, reset


def _too_many(section: str, index: int) -> InvalidContentError:
    return _invalid(section, index, f"the record holds more than {L.MAX_CONTAINERS:,} maps and arrays")


def strict_unpack_one(data: bytes, what: str):
    """Exactly one canonical msgpack object (the manifest frames)."""
    up = new_unpacker()
    try:
        up.feed(data)
        obj = up.unpack()
        end = up.tell()
    except Exception as exc:
        raise InvalidContentError(f"The bundle's manifest {what} cannot be decoded ({_why(exc)}).") from None
    if end != len(data) or _packb(obj) != data:
        raise InvalidContentError(f"The bundle's manifest {what} is not canonical msgpack.")
    _check_tree(obj, f"manifest {what}")
    return obj


def _why(exc: Exception) -> str:
    text = str(exc)
    if "ext" in text or isinstance(exc, msgpack.ExtraData):
        return "ext type or extra data"
    if isinstance(exc, ValueError) and "exceeds" in text:
        return "a declared length exceeds its cap"
    if "not allowed for map key" in text or "map key" in text:
        return "a map key is not a string"
    if isinstance(exc, msgpack.OutOfData):
        return "cut off"
    return type(exc).__name__


class _Bad(Exception):
    pass


_INF = math.inf


def _walk(v, depth: int) -> int:
    """Checks a container; returns how many containers it holds (itself included)."""
    if depth > L.MAX_DEPTH:
        raise _Bad(f"nesting deeper than {L.MAX_DEPTH} levels")
    n = 1
    for x in (v.values() if type(v) is dict else v):
        t = type(x)
        if t is dict or t is list:
            n += _walk(x, depth + 1)
        elif t is float and (x != x or x == _INF or x == -_INF):
            raise _Bad("a number is not finite (NaN or infinity)")
    return n


def _value(v, depth: int) -> int:
    t = type(v)
    if t is dict or t is list:
        return _walk(v, depth)
    if t is float and (v != v or v == _INF or v == -_INF):
        raise _Bad("a number is not finite (NaN or infinity)")
    return 0


def _check_values(section: str, record: dict) -> int:
    """Depth and finiteness where the schemas allow free JSON values (config values and configs).
    Everywhere else the closed schemas reject containers and floats without descending into them,
    and msgpack itself refuses nesting beyond 1024 levels. Returns the number of maps and arrays
    in the record, exact once the (closed) schema holds."""
    if section == "config_keys":
        return 1 + _value(record.get("value"), 2)
    if section == "plugins":
        perms, maps = record.get("permissions"), record.get("mappings")
        return (3 + _value(record.get("config"), 2) + (len(perms) if type(perms) is list else 0)
                + (len(maps) if type(maps) is list else 0))
    if section == "workspaces":
        n = 2
        apps = record.get("applications")
        if type(apps) is list:
            for app in apps:
                if type(app) is dict:
                    n += 1 + _value(app.get("config"), 4)
        return n
    return 2


# Every map and array in msgpack starts with one marker byte (fixmap 0x80-0x8f, fixarray 0x90-0x9f,
# array 16/32 0xdc/0xdd, map 16/32 0xde/0xdf); other bytes can look the same, never fewer of them.
_NOT_CONTAINER = bytes(b for b in range(256) if not (0x80 <= b <= 0x9F or 0xDC <= b <= 0xDF))


def container_bound(packed: bytes) -> int:
    """At least as many as the maps and arrays these msgpack bytes hold (counted in C, no decoding)."""
    return len(packed.translate(None, _NOT_CONTAINER))


def _plainly_bounded(section: str, record: dict, packed: bytes) -> int:
    """What ``_check_values`` checks, proven from a record's own bytes when the proof is cheap: the
    nesting is at most the container-like bytes less the containers that cannot be on the deepest
    path (a path goes through one element of a workspace's applications, so the other applications
    are off it), and without a float32 marker or a float64 marker followed by an all-ones exponent
    there is no NaN or infinity. Returns the bound on the record's maps and arrays, or -1 when the
    values must be walked."""
    bound = container_bound(packed)
    off_path = 0
    if section == "workspaces":
        apps = record.get("applications")
        if type(apps) is list:
            off_path = max(0, sum(type(a) is dict or type(a) is list for a in apps) - 1)
    if bound - off_path > L.MAX_DEPTH or bound > L.MAX_CONTAINERS or b"\xca" in packed:
        return -1
    i = packed.find(b"\xcb")
    while i != -1:        # a float64 is its marker and 8 bytes; a lone marker byte near the end is not one
        if i + 2 >= len(packed) or (packed[i + 1] & 0x7F == 0x7F and packed[i + 2] & 0xF0 == 0xF0):
            return -1
        i = packed.find(b"\xcb", i + 1)
    return bound


def _check_tree(obj, where: str) -> None:
    if type(obj) is dict or type(obj) is list:
        try:
            _walk(obj, 1)
        except _Bad as exc:
            raise InvalidContentError(f"Invalid content in {where}: {exc}.") from None
        except RecursionError:
            raise InvalidContentError(f"Invalid content in {where}: nesting too deep.") from None


# --- encoding ---------------------------------------------------------------------------------------
def pack_record(record: dict) -> bytes:
    try:
        return _packb(record)
    except (OverflowError, TypeError, ValueError) as exc:
        raise InvalidRecordError(f"A record cannot be encoded ({type(exc).__name__}).") from None


def _validator(section: str):
    v = _VALIDATORS.get(section)
    if v is None:
        from core.schemas import _validator as schema_validator

        v = _VALIDATORS[section] = schema_validator(_KIND[section])
    return v


_VALIDATORS: dict = {}


def check_record(section: str, index: int, record, packed: bytes | None = None) -> None:
    """Everything a reader checks on one decoded record (a writer runs it too, so every bundle it
    writes is readable). ``packed``: the record's msgpack bytes, when at hand; most records are then
    proven within the depth, count and finiteness limits from their bytes alone, without a walk.
    Raises InvalidContentError naming the location, never a value."""
    if type(record) is not dict:
        raise _invalid(section, index, "the record is not a map")
    containers = -1 if packed is None else _plainly_bounded(section, record, packed)
    if containers < 0:
        try:
            containers = _check_values(section, record)
        except _Bad as exc:
            raise _invalid(section, index, str(exc)) from None
        except RecursionError:
            raise _invalid(section, index, "nesting too deep") from None
    try:
        ok = _validator(section).is_valid(record)
    except (ValueError, TypeError):
        ok = False
    if not ok:
        from core.schemas import section_errors

        try:
            details = section_errors(section, record)
        except (ValueError, TypeError):
            details = ["(record): fails 'type'"]
        first = details[0] if details else "(record): fails 'schema'"
        raise _invalid(section, index, f"the record does not match its schema ({first})")
    if section == "workspaces":
        for i, app in enumerate(record["applications"]):
            if type(app["position"]) is not int:
                raise _invalid(section, index, f"applications/{i}/position is not an integer")
    if containers > L.MAX_CONTAINERS:  # a reader counts them while decoding; a writer checks here
        raise _too_many(section, index)


@contextlib.contextmanager
def as_record_errors():
    """A reader's refusal, said of a record being written ("Invalid record ..."), inside."""
    try:
        yield
    except InvalidContentError as exc:
        raise InvalidRecordError(exc.message.replace("Invalid content", "Invalid record"),
                                 details=exc.details) from None


def _invalid(section: str, index: int, why: str) -> InvalidContentError:
    return InvalidContentError(f"Invalid content in section {section}, record {index}: {why}.")


_KIND = {"plugins": "plugin", "workspaces": "workspace", "profiles": "profile", "config_keys": "config_key"}


# --- decoding ---------------------------------------------------------------------------------------
def decode_block(section: str, raw: bytes, first_index: int, *, written: bool = False) -> list[dict]:
    """Every record of one decompressed block, strictly decoded and validated.

    Records are checked as they are decoded, so a hostile block (say, millions of tiny maps that
    would each cost a Python object) is refused at its first bad record instead of after the whole
    block became objects. Canonical encoding is then checked once for the block (the common case);
    on any doubt the slow path finds the first bad record and says which.

    ``written``: a block a writer packed itself (``pack_record`` of each record): the canonical proof
    is skipped, since packing what those bytes decode to gives those bytes back (maps keep their
    order, each value its one encoding); every record is still checked."""
    gc_was = gc.isenabled()
    gc.disable()       # bulk decode allocates many containers; the collector would rescan them (5x)
    try:
        out = _decode_checked(section, raw, first_index)
        if out is None or (not written and b"".join(map(_packb, out)) != raw):
            out = _decode_slowly(section, raw, first_index)
            for i, rec in enumerate(out):
                check_record(section, first_index + i, rec)
    finally:
        if gc_was:
            gc.enable()
    return out


def _unpacker_for(raw: bytes):
    """A block with fewer container-like bytes than one record may hold cannot hold a record over the
    cap: it is decoded without the per-container count (a Python call per map and array)."""
    if container_bound(raw) <= L.MAX_CONTAINERS:
        return new_unpacker(), _no_reset
    return counting_unpacker()


def _no_reset() -> None:
    pass


def _decode_checked(section: str, raw: bytes, first_index: int) -> list | None:
    """Decode and check record by record; None when the bytes do not decode (slow path reports)."""
    up, reset = _unpacker_for(raw)
    out: list = []
    start = 0
    try:
        up.feed(raw)
        for obj in up:
            end = up.tell()
            check_record(section, first_index + len(out), obj, raw[start:end])
            start = end
            out.append(obj)
            reset()
    except InvalidContentError:
        raise
    except _TooManyContainers:
        raise _too_many(section, first_index + len(out)) from None
    except Exception:
        return None
    return out


def _decode_slowly(section: str, raw: bytes, first_index: int) -> list[dict]:
    up, reset = counting_unpacker()
    out: list[dict] = []
    view = memoryview(raw)
    start = 0
    up.feed(raw)
    try:
        for obj in up:
            reset()
            end = up.tell()
            if _packb(obj) != view[start:end]:
                raise InvalidContentError(
                    f"Invalid content in section {section}, record {first_index + len(out)}: "
                    "not canonical msgpack (duplicate keys or a non-canonical encoding).")
            out.append(obj)
            start = end
    except InvalidContentError:
        raise
    except _TooManyContainers:
        raise _too_many(section, first_index + len(out)) from None
    except Exception as exc:
        raise InvalidContentError(
            f"Invalid content in section {section}, record {first_index + len(out)}: "
            f"it cannot be decoded ({_why(exc)}).") from None
    if start != len(raw):
        raise InvalidContentError(
            f"Invalid content in section {section}, record {first_index + len(out)}: "
            "the record is cut off at the end of its block.")
    return out


def decode_block_unchecked(section: str, raw: bytes, first_index: int) -> list:
    """The records of a block whose bytes were already checked once (an import's second pass, which
    compares the sections' SHA-256 with the first pass's at its end): decoded with the reader's caps,
    the container cap included, but without the canonical, schema and value checks."""
    up, reset = _unpacker_for(raw)
    out: list = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        up.feed(raw)
        if reset is _no_reset:  # the common case in one call; any doubt: again, record by record
            with contextlib.suppress(Exception):
                out = list(up)
                if up.tell() == len(raw) and all(type(obj) is dict for obj in out):
                    return out
            up, out = new_unpacker(), []
            up.feed(raw)
        for obj in up:
            if type(obj) is not dict:
                raise _invalid(section, first_index + len(out), "the record is not a map")
            out.append(obj)
            reset()
        if up.tell() != len(raw):
            raise _invalid(section, first_index + len(out), "the record is cut off at the end of its block")
    except InvalidContentError:
        raise
    except _TooManyContainers:
        raise _too_many(section, first_index + len(out)) from None
    except Exception as exc:
        raise InvalidContentError(
            f"Invalid content in section {section}, record {first_index + len(out)}: "
            f"it cannot be decoded ({_why(exc)}).") from None
    finally:
        if gc_was:
            gc.enable()
    return out
