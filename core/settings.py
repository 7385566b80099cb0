"""Settings in the home's ``settings.ini``, in the format QSettings(IniFormat) reads and writes.

Keys are ``group/name``; top-level keys live in QSettings' ``[General]`` group. Values are strings;
callers convert. Writes are atomic (temp file, fsync, rename) so a crash never leaves half a file.
"""

from __future__ import annotations

import configparser
from pathlib import Path

from core.fsutil import atomic_write_bytes


class Settings:
    def __init__(self, path: Path):
        self.path = path

    def _load(self) -> configparser.ConfigParser:
        parser = configparser.ConfigParser(interpolation=None)
        parser.optionxform = str  # keep case, as QSettings does
        if self.path.exists():
            parser.read(self.path, encoding="utf-8")
        return parser

    @staticmethod
    def _split(key: str) -> tuple[str, str]:
        group, _, name = key.rpartition("/")
        return (group or "General"), name

    def get(self, key: str, default: str | None = None) -> str | None:
        group, name = self._split(key)
        parser = self._load()
        if parser.has_option(group, name):
            return parser.get(group, name)
        return default

    def get_int(self, key: str, default: int) -> int:
        value = self.get(key)
        try:
            return int(value) if value is not None else default
        except ValueError:
            return default

    def set(self, key: str, value: str | int | None) -> None:
        group, name = self._split(key)
        parser = self._load()
        if value is None:
            if parser.has_option(group, name):
                parser.remove_option(group, name)
        else:
            if not parser.has_section(group):
                parser.add_section(group)
            parser.set(group, name, str(value))
        import io

        buf = io.StringIO()
        parser.write(buf)
        atomic_write_bytes(self.path, buf.getvalue().encode("utf-8"), mode=0o600)
