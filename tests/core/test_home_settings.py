import os
import stat

from core.home import AppHome, to_url
from core.settings import Settings


def test_home_is_created_private_with_its_directories(tmp_path):
    home = AppHome.resolve(tmp_path / "h")
    assert stat.S_IMODE(os.stat(home.root).st_mode) == 0o700
    for sub in (home.logs_dir, home.snapshots_dir, home.secrets_dir, home.downloads_dir):
        assert sub.is_dir() and stat.S_IMODE(os.stat(sub).st_mode) == 0o700
    assert home.db_url == "sqlite:///" + str((tmp_path / "h" / "units.sqlite3").resolve())
    assert home.catalog_url.endswith("/catalog.sqlite3")


def test_environment_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("UNITVAULT_HOME", str(tmp_path / "envhome"))
    monkeypatch.setenv("UNITVAULT_DB", str(tmp_path / "other.db"))
    monkeypatch.setenv("UNITVAULT_CATALOG_DB", "postgresql://u@localhost/cat")
    home = AppHome.resolve()
    assert home.root == (tmp_path / "envhome").resolve()
    assert home.db_url == to_url(str(tmp_path / "other.db"))
    assert home.catalog_url == "postgresql://u@localhost/cat"
    # An explicit option beats the environment.
    assert AppHome.resolve(tmp_path / "opt").root == (tmp_path / "opt").resolve()


def test_settings_round_trip_in_qsettings_ini_layout(tmp_path):
    s = Settings(tmp_path / "settings.ini")
    assert s.get("kdf/m_kib") is None
    s.set("kdf/m_kib", 65536)
    s.set("theme", "dark")
    assert Settings(tmp_path / "settings.ini").get_int("kdf/m_kib", 0) == 65536
    text = (tmp_path / "settings.ini").read_text()
    assert "[kdf]" in text and "[General]" in text
    s.set("kdf/m_kib", None)
    assert s.get("kdf/m_kib") is None
    assert stat.S_IMODE(os.stat(tmp_path / "settings.ini").st_mode) == 0o600
