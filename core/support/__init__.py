"""Small shared pieces used across core: the clock, strict msgpack decoding, size formatting."""
