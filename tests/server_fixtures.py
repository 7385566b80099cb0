"""Server fixtures shared by every test package (imported by tests/conftest.py).

- ``sftp_server`` (session): a private OpenSSH sshd on 127.0.0.1; a :class:`tests.servers.SFTPServer`
  (host, port, user, key_file, known_hosts, host_key, root, other_host_key; ``params(path)``).
- ``s3_server`` (session): moto_server on 127.0.0.1 with bucket "unitvault-test"; a
  :class:`tests.servers.S3Server` (endpoint, bucket, access_key_id="testing",
  secret_access_key="testing", region; ``params(prefix)``, ``client()``).
- ``s3_auth_server`` (session, started on first use): a second moto that checks signatures.
- ``pg_server`` (session): a throwaway PostgreSQL cluster on 127.0.0.1 (trust authentication, no
  password anywhere); a :class:`tests.servers.PostgresServer` (``url(db)``, ``create_database()``).
- ``pg_url``: a fresh, empty database on ``pg_server`` for one test (dropped after it), as a
  ``postgresql+psycopg://`` URL.
- ``database_url``: a factory ``database_url(backend, tmp_path, name)`` -> a URL for "sqlite" or
  "postgresql" (what the contract suites are parametrized over).
- ``fault_proxy``: a factory ``fault_proxy(host, port) -> FaultProxy`` (started; stopped after the test).
- ``any_destination``: parametrized over "local", "sftp", "s3"; yields a :class:`DestinationCase`,
  which unpacks as ``(config, secrets)`` -- a ``DestinationConfig`` whose root is fresh and private to
  the test, and a file secrets store holding its secret -- with ``.kind`` and
  ``.open(**kwargs)`` (= ``open_destination(config, secrets, **kwargs)``, closed after the test).
- ``destination``: ``any_destination`` opened without retries (what the shared suite uses).
- ``smtp_server``: a factory ``smtp_server(security="none"|"starttls"|"tls", username=, password=)``
  -> a :class:`tests.servers.SMTPServer` (aiosmtpd on 127.0.0.1; stopped after the test).

A server that cannot start fails the test when CI=true and skips it otherwise.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.servers import (
    FaultProxy,
    part_missing,
    start_moto,
    start_postgres,
    start_smtp,
    start_sshd,
    stop_process,
)

__all__ = ["sftp_server", "s3_server", "s3_auth_server", "pg_server", "pg_migrated_template", "pg_url", "database_url",
           "fault_proxy", "any_destination", "destination", "DestinationCase", "make_case", "DATABASE_BACKENDS",
           "smtp_server"]

DATABASE_BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def sftp_server(tmp_path_factory):
    try:
        server, proc = start_sshd(tmp_path_factory.mktemp("sshd"))
    except (RuntimeError, OSError) as exc:
        part_missing(f"Cannot start sshd: {exc}")
    yield server
    stop_process(proc)


@pytest.fixture(scope="session")
def s3_server():
    try:
        server, proc = start_moto()
    except (RuntimeError, OSError) as exc:
        part_missing(f"Cannot start moto_server: {exc}")
    yield server
    stop_process(proc)


@pytest.fixture(scope="session")
def s3_auth_server():
    try:
        server, proc = start_moto(auth=True)
    except (RuntimeError, OSError) as exc:
        part_missing(f"Cannot start moto_server with authentication: {exc}")
    yield server
    stop_process(proc)


@pytest.fixture(scope="session")
def pg_server():
    try:
        import psycopg  # noqa: F401

        server, handle = start_postgres()
    except (ImportError, RuntimeError, OSError) as exc:
        part_missing(f"Cannot start PostgreSQL: {exc}")
    yield server
    handle.stop()


@pytest.fixture(scope="session")
def pg_migrated_template(pg_server):
    """A database holding both stores at their head revision, copied by ``database_url(...,
    migrated=True)`` (CREATE DATABASE ... TEMPLATE: much faster than migrating each test's own)."""
    from core.catalog import Catalog
    from core.unit.store import UnitStore

    name = pg_server.create_database("template")
    for opened in (UnitStore.open(pg_server.url(name)), Catalog.open(pg_server.url(name))):
        opened.close()
    return name


@pytest.fixture
def database_url(request):
    """``database_url(backend, tmp_path, name, migrated=False)``: a SQLite file under ``tmp_path`` or a
    fresh PostgreSQL database (dropped after the test); ``migrated``: PostgreSQL's starts as a copy of
    a database already at both stores' head revision (what opening it would make)."""
    made: list[str] = []

    def make(backend: str, tmp_path: Path, name: str = "db", migrated: bool = False) -> str:
        if backend == "sqlite":
            return "sqlite:///" + str(tmp_path / f"{name}.sqlite3")
        if backend == "postgresql":
            server = request.getfixturevalue("pg_server")
            template = request.getfixturevalue("pg_migrated_template") if migrated else None
            db = server.create_database(template=template)
            made.append(db)
            return server.url(db)
        raise ValueError(backend)

    yield make
    if made:
        server = request.getfixturevalue("pg_server")
        for db in made:
            server.drop_database(db)


@pytest.fixture
def pg_url(database_url, tmp_path):
    return database_url("postgresql", tmp_path)


@pytest.fixture
def fault_proxy():
    proxies: list[FaultProxy] = []

    def make(host: str, port: int) -> FaultProxy:
        proxy = FaultProxy(host, port).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def smtp_server(tmp_path):
    servers = []

    def start(security: str = "none", username: str | None = None, password: str | None = None):
        try:
            server = start_smtp(tmp_path, security=security, username=username, password=password)
        except (ImportError, RuntimeError, OSError, TimeoutError) as exc:
            part_missing(f"Cannot start an SMTP server: {exc}")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.controller.stop()


class DestinationCase:
    """``config, secrets = case`` unpacks like a tuple; ``case.open(**kw)`` opens (and later closes) it."""

    def __init__(self, config, secrets):
        self.config = config      # core.destinations.DestinationConfig
        self.secrets = secrets    # core.secrets.FileSecretStore holding the config's secret (if any)
        self.opened: list = []

    @property
    def kind(self) -> str:
        return self.config.type

    def open(self, **kwargs):
        from core.destinations import open_destination

        dest = open_destination(self.config, self.secrets, **kwargs)
        self.opened.append(dest)
        return dest

    def close_all(self) -> None:
        while self.opened:
            self.opened.pop().close()

    def __iter__(self):
        return iter((self.config, self.secrets))

    def __repr__(self) -> str:
        return f"DestinationCase({self.kind})"


def make_case(kind: str, tmp_path: Path, request, name: str = "dest") -> DestinationCase:
    """A fresh destination of ``kind`` for one test (local folder, SFTP folder, or S3 prefix)."""
    from core.destinations import DestinationConfig, secret_name
    from core.secrets import FileSecretStore

    secrets = FileSecretStore(tmp_path / "case-secrets")
    unique = uuid.uuid4().hex[:12]
    if kind == "local":
        root = tmp_path / "dest"
        root.mkdir(exist_ok=True)
        config = DestinationConfig(name, "local", {"path": str(root)})
    elif kind == "sftp":
        server = request.getfixturevalue("sftp_server")
        config = DestinationConfig(name, "sftp", server.params(f"{server.root}/{unique}"))
    elif kind == "s3":
        server = request.getfixturevalue("s3_server")
        config = DestinationConfig(name, "s3", server.params(f"t-{unique}"))
        secrets.set(secret_name(name), server.secret_access_key.encode())
    else:
        raise ValueError(kind)
    return DestinationCase(config, secrets)


@pytest.fixture(params=["local", "sftp", "s3"])
def any_destination(request, tmp_path):
    case = make_case(request.param, tmp_path, request)
    yield case
    case.close_all()


@pytest.fixture
def destination(any_destination):
    return any_destination.open(retries=0)
