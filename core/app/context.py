"""The wiring every use case gets: the home, lazily opened stores, the secrets, the clock and the
signed-in actor. The CLI makes one per command; the desktop app one per window."""

from __future__ import annotations

from functools import cached_property

from core.app.actor import LOCAL_ADMIN, Actor
from core.home import AppHome
from core.settings import Settings
from core.support.clock import SYSTEM_CLOCK, Clock


class AppContext:
    def __init__(self, home: AppHome, *, clock: Clock = SYSTEM_CLOCK, actor: Actor = LOCAL_ADMIN):
        self.home = home
        self.clock = clock
        self.actor = actor

    @classmethod
    def from_options(cls, home=None, db=None, catalog=None, **kw) -> AppContext:
        return cls(AppHome.resolve(home, db, catalog), **kw)

    @cached_property
    def settings(self) -> Settings:
        return Settings(self.home.settings_file)

    @cached_property
    def units(self):
        from core.unit.store import UnitStore

        store = UnitStore.open(self.home.db_url)
        self._cleanup_import_leftovers(store)
        return store

    def _cleanup_import_leftovers(self, store) -> None:
        """Leftovers of an interrupted import (see core/unit_import/safety.py) go at the first use."""
        try:
            from core.unit_import.safety import cleanup_leftovers

            cleanup_leftovers(self.home, store)
        except Exception:  # never let a cleanup problem stop the app
            from core.logsetup import get_logger

            get_logger("context").exception("cleanup of import leftovers failed")

    @cached_property
    def catalog(self):
        from core.catalog import Catalog

        return Catalog.open(self.home.catalog_url, clock=self.clock)

    @cached_property
    def secrets(self):
        from core.home import is_server_url
        from core.secrets import open_secret_store

        local = open_secret_store(self.home.root, self.home.secrets_dir)
        if is_server_url(self.home.db_url):  # team mode: the store's own keys are the store's
            from core.unit_import.shared import TeamSecrets

            return TeamSecrets(local, self.home.db_url)
        return local

    def close(self) -> None:
        if "units" in self.__dict__:
            self.units.close()
        if "catalog" in self.__dict__:
            self.catalog.close()
        if hasattr(self.__dict__.get("secrets"), "close"):
            self.secrets.close()
