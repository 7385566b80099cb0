"""The encrypted bundle format v1 (docs/bundle-format.md): writing, reading, keys and export.

Small modules, one per part of the spec: ``limits`` (every constant and cap), ``header`` (clear-text
header and end marker), ``keys`` (file key, password/recovery/raw-key slots, KDF policy), ``payload``
(frames inside the Cobblestone-256 stream), ``records`` (strict msgpack), ``manifest``, ``writer``,
``reader``, ``export``, ``strength`` and ``kit`` (the printable recovery kit).
"""

from core.bundle.export import DEFAULT_TEMPLATE, BatchResult, export_unit, export_units
from core.bundle.header import HeaderInfo, KdfParams, read_header
from core.bundle.keys import (
                              calibrate_kdf,
                              configured_recovery_public_key,
                              default_kdf,
                              format_private_key,
                              format_public_key,
                              generate_recovery_key,
                              load_recovery_identity,
                              parse_private_key,
                              parse_public_key,
)
from core.bundle.limits import FORMAT_VERSION
from core.bundle.manifest import Manifest, ManifestHead, SectionInfo
from core.bundle.reader import OpenBundle, open_bundle
from core.bundle.strength import password_strength
from core.bundle.writer import WriteResult, write_bundle

__all__ = [
    "DEFAULT_TEMPLATE", "FORMAT_VERSION", "BatchResult", "HeaderInfo", "KdfParams", "Manifest", "ManifestHead", "OpenBundle",
    "SectionInfo", "WriteResult", "calibrate_kdf", "configured_recovery_public_key", "default_kdf",
    "export_unit", "export_units", "format_private_key", "format_public_key", "generate_recovery_key",
    "load_recovery_identity", "open_bundle", "parse_private_key", "parse_public_key", "password_strength",
    "read_header", "write_bundle",
]
