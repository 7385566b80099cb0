"""The one strict msgpack decoder for untrusted data (destinations, bundles, snapshots).

No ext types (timestamps included), string map keys only, and caps on every declared length, so a
hostile object cannot make the decoder allocate more than its caps allow. Callers with tighter needs
(the bundle reader) pass their own caps.
"""

from __future__ import annotations

import msgpack

DEFAULT_MAX = 1 << 30


def refuse_ext(code, data):
    raise ValueError("ext types are not allowed")


def unpacker(*, max_buffer_size: int = 64 << 20, **caps) -> msgpack.Unpacker:
    """A streaming decoder (feed it bytes, iterate objects)."""
    return msgpack.Unpacker(raw=False, strict_map_key=True, max_buffer_size=max_buffer_size,
                            ext_hook=refuse_ext, **caps)


def unpackb(data: bytes, *, max_len: int = DEFAULT_MAX, **caps):
    """Exactly one object; raises ValueError (or a msgpack error) on anything malformed."""
    caps.setdefault("max_bin_len", max_len)
    caps.setdefault("max_str_len", max_len)
    return msgpack.unpackb(data, raw=False, strict_map_key=True, ext_hook=refuse_ext, **caps)
