"""The manifest: a head frame at the start of the payload and a trailer frame at its end (spec §6).

The head names the unit and is readable as soon as the first chunk authenticates, but is NOT trusted
until the whole payload has been read; the trailer carries what needs the data (per-section count,
byte size and SHA-256) and is checked against what the reader actually decoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import msgpack

from core.bundle import limits as L
from core.errors import InvalidContentError
from core.unit.records import COUNT_KEYS, SECTIONS, UNIT_NAME_RE

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_UUIDISH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
_APP_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class SectionInfo:
    count: int
    size: int
    sha256: str

    def as_json(self) -> dict:
        return {"count": self.count, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class ManifestHead:
    format_version: int
    app_version: str
    unit_id: str
    unit_name: str
    created: str

    def encode(self) -> bytes:
        return msgpack.packb({"format_version": self.format_version, "app_version": self.app_version,
                              "unit": {"id": self.unit_id, "name": self.unit_name}, "created": self.created,
                              "sections": list(SECTIONS)})


@dataclass(frozen=True, slots=True)
class Manifest:
    format_version: int
    app_version: str
    unit_id: str
    unit_name: str
    created: str
    counts: dict[str, int]
    sections: dict[str, SectionInfo] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"unit": {"id": self.unit_id, "name": self.unit_name}, "created": self.created,
                "app_version": self.app_version, "counts": {k: self.counts[k] for k in COUNT_KEYS}}

    @property
    def head(self) -> ManifestHead:
        return ManifestHead(self.format_version, self.app_version, self.unit_id, self.unit_name, self.created)


def encode_trailer(counts: dict[str, int], sections: dict[str, SectionInfo]) -> bytes:
    return msgpack.packb({"counts": {k: counts[k] for k in COUNT_KEYS},
                          "sections": {s: sections[s].as_json() for s in SECTIONS}})


def _bad(what: str) -> InvalidContentError:
    return InvalidContentError(f"The bundle's manifest is invalid ({what}).")


def _decode_map(data: bytes, what: str) -> dict:
    from core.bundle.records import strict_unpack_one

    obj = strict_unpack_one(data, what)
    if type(obj) is not dict:
        raise _bad(f"{what} is not a map")
    return obj


def _exact_keys(obj: dict, keys: tuple[str, ...], what: str) -> None:
    if tuple(obj) != keys:
        raise _bad(f"{what} must have exactly the fields {', '.join(keys)}")


def _int(v, what: str, hi: int = 2**53) -> int:
    if type(v) is not int or not 0 <= v <= hi:
        raise _bad(f"{what} is not a count")
    return v


def _str(v, pattern: re.Pattern, what: str) -> str:
    if type(v) is not str or not pattern.match(v):
        raise _bad(f"{what} is malformed")
    return v


def decode_head(data: bytes) -> ManifestHead:
    obj = _decode_map(data, "head")
    _exact_keys(obj, ("format_version", "app_version", "unit", "created", "sections"), "the head")
    unit = obj["unit"]
    if type(unit) is not dict:
        raise _bad("unit is not a map")
    _exact_keys(unit, ("id", "name"), "unit")
    if obj["sections"] != list(SECTIONS):
        raise _bad("the section list is not plugins, workspaces, profiles, config_keys")
    version = _int(obj["format_version"], "format_version", 65535)
    if version != L.FORMAT_VERSION:
        raise _bad("the manifest's format version differs from the header's")
    return ManifestHead(version, _str(obj["app_version"], _APP_VERSION, "app_version"),
                        _str(unit["id"], _UUIDISH, "unit id"), _str(unit["name"], UNIT_NAME_RE, "unit name"),
                        _str(obj["created"], _ISO, "created"))


def decode_trailer(data: bytes) -> tuple[dict[str, int], dict[str, SectionInfo]]:
    obj = _decode_map(data, "trailer")
    _exact_keys(obj, ("counts", "sections"), "the trailer")
    counts, sections = obj["counts"], obj["sections"]
    if type(counts) is not dict or type(sections) is not dict:
        raise _bad("counts or sections is not a map")
    _exact_keys(counts, COUNT_KEYS, "counts")
    _exact_keys(sections, SECTIONS, "sections")
    out_counts = {k: _int(counts[k], f"count of {k}") for k in COUNT_KEYS}
    out_sections = {}
    for s in SECTIONS:
        info = sections[s]
        if type(info) is not dict:
            raise _bad(f"section {s} is not a map")
        _exact_keys(info, ("count", "size", "sha256"), f"section {s}")
        out_sections[s] = SectionInfo(_int(info["count"], f"{s} count"), _int(info["size"], f"{s} size"),
                                      _str(info["sha256"], _HEX64, f"{s} sha256"))
    return out_counts, out_sections
