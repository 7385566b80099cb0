"""The app home: one directory that holds every piece of state.

Default is the platform's user data dir; ``--home`` / ``UNITVAULT_HOME`` override it. The unit store
and the catalog default to SQLite files inside it; ``--db`` / ``UNITVAULT_DB`` and ``--catalog`` /
``UNITVAULT_CATALOG_DB`` override them with a path or a SQLAlchemy URL, and so do the home's settings
(``database/units``, ``database/catalog`` in settings.ini: what ``unitvault db move-to`` writes, so a
workstation in team mode needs no option). Order: option, environment, settings, default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "unitvault"
UNITS_URL_SETTING = "database/units"
CATALOG_URL_SETTING = "database/catalog"


def default_home() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def to_url(value: str) -> str:
    """A SQLAlchemy URL as given, or a filesystem path turned into a SQLite URL."""
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def is_server_url(url: str) -> bool:
    """Whether ``url`` names a database server (PostgreSQL), not a SQLite file on this computer."""
    return not url.startswith("sqlite")


@dataclass(frozen=True)
class AppHome:
    root: Path
    db_url: str
    catalog_url: str

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None, db: str | None = None,
                catalog: str | None = None, *, create: bool = True) -> AppHome:
        env = os.environ
        root = Path(home or env.get("UNITVAULT_HOME") or default_home()).expanduser().resolve()
        db = db or env.get("UNITVAULT_DB")
        catalog = catalog or env.get("UNITVAULT_CATALOG_DB")
        if not (db and catalog):
            from core.settings import Settings

            saved = Settings(root / "settings.ini")
            db = db or saved.get(UNITS_URL_SETTING)
            catalog = catalog or saved.get(CATALOG_URL_SETTING)
        made = cls(
            root=root,
            db_url=to_url(db) if db else to_url(str(root / "units.sqlite3")),
            catalog_url=to_url(catalog) if catalog else to_url(str(root / "catalog.sqlite3")),
        )
        if create:
            made.ensure()
        return made

    def ensure(self) -> None:
        """Create the home (mode 0700) and its private sub-directories."""
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)
        for sub in (self.logs_dir, self.snapshots_dir, self.secrets_dir, self.downloads_dir):
            sub.mkdir(exist_ok=True)
            os.chmod(sub, 0o700)

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def log_file(self) -> Path:
        return self.logs_dir / "unitvault.log"

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.ini"

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def secrets_dir(self) -> Path:
        return self.root / "secrets"

    @property
    def downloads_dir(self) -> Path:
        return self.root / "downloads"

    @property
    def team_mode(self) -> bool:
        """True when the catalog is on a database server (shared by several workstations)."""
        return is_server_url(self.catalog_url)

    @property
    def is_fresh(self) -> bool:
        """True when the default SQLite unit store does not exist yet (first start)."""
        if self.db_url.startswith("sqlite:///"):
            return not Path(self.db_url[len("sqlite:///"):]).exists()
        return False
