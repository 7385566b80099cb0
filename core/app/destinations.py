"""Use cases for destinations: add, list, test, remove, scan.

A destination's config (type and params) lives in the catalog; its one secret (the S3 secret access
key, or the passphrase of an SFTP key) lives in the secrets store, written first and removed again
if the catalog refuses the config, so neither is ever left without the other.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields

from core.app.usecase import use_case
from core.errors import ConfirmationRequired, InvalidInputError

_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)(?:i?B)?(?:/s)?\s*$")

OPTIONS = {
    "local": {"path"},
    "sftp": {"path", "host", "port", "user", "key_file", "known_hosts", "host_key"},
    "s3": {"endpoint", "bucket", "prefix", "region", "access_key_id"},
}


def parse_rate(text: str | int) -> int:
    """Bytes per second from ``500K``, ``10M``, ``1.5 MiB/s`` or a number."""
    if isinstance(text, int):
        value = float(text)
    else:
        m = _RATE.match(text or "")
        if not m:
            raise InvalidInputError(f"Invalid bandwidth limit {text!r}.", hint="Use bytes per second, e.g. 500K or 10M.")
        value = float(m.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[m.group(2).lower()]
    if value < 1:
        raise InvalidInputError("The bandwidth limit must be at least 1 byte per second.")
    return int(value)


@dataclass(frozen=True, kw_only=True)
class DestinationFields:
    """Where a destination is and how to reach it: the options of every type (``OPTIONS``), its one
    secret and whether to probe it before it is saved. The admin's destinations and a user's own
    one share them."""

    path: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    key_file: str | None = None
    known_hosts: str | None = None
    host_key: str | None = None
    endpoint: str | None = None
    bucket: str | None = None
    prefix: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret: bytes | None = field(default=None, repr=False)
    check: bool = True          # connect (host key checked), write, read back and delete a small probe first

    def given(self) -> set[str]:
        return {k for k in ("path", "host", "port", "user", "key_file", "known_hosts", "host_key", "endpoint",
                            "bucket", "prefix", "region", "access_key_id") if getattr(self, k) not in (None, "")}

    def destination_fields(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(DestinationFields)}


@dataclass(frozen=True)
class AddDestination(DestinationFields):
    name: str
    type: str
    bandwidth_limit: str | int | None = field(default=None, kw_only=True)


def _existing_file(path: str, what: str) -> str:
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.isfile(full):
        raise InvalidInputError(f"The {what} {full} does not exist.")
    return full


def build_params(req: AddDestination) -> dict:
    """The destination's params from the request (validated, paths made absolute), without I/O."""
    if req.type not in OPTIONS:
        raise InvalidInputError(f"Unknown destination type {req.type!r}.", hint="Use local, sftp or s3.")
    stray = sorted(req.given() - OPTIONS[req.type])
    if stray:
        raise InvalidInputError(f"A {req.type} destination has no {', '.join(s.replace('_', ' ') for s in stray)}.",
                                kind="destination_option_unused", data={"options": stray, "type": req.type})
    params: dict = {}

    def need(*names: str) -> None:
        for n in names:
            if not getattr(req, n):
                raise InvalidInputError(f"A {req.type} destination needs a {n.replace('_', ' ')}.",
                                        kind="destination_option_missing", data={"option": n, "type": req.type})

    if req.type == "local":
        need("path")
        params["path"] = os.path.abspath(os.path.expanduser(req.path))
    elif req.type == "sftp":
        need("host", "user", "key_file")
        if req.known_hosts and req.host_key:
            raise InvalidInputError("Give either a known_hosts file or a pinned host key, not both.")
        params.update(host=req.host, port=req.port or 22, user=req.user, key_file=_existing_file(req.key_file, "key file"))
        if req.host_key:
            params["host_key"] = " ".join(req.host_key.split()[:2])
        else:
            params["known_hosts"] = _existing_file(req.known_hosts or "~/.ssh/known_hosts", "known_hosts file")
        if req.path:
            params["path"] = req.path
    else:
        need("bucket", "access_key_id")
        params.update(bucket=req.bucket, access_key_id=req.access_key_id, prefix=(req.prefix or "").strip("/"),
                      region=req.region or "us-east-1")
        if req.endpoint:
            params["endpoint"] = req.endpoint
    if req.bandwidth_limit not in (None, ""):
        params["bandwidth_limit"] = parse_rate(req.bandwidth_limit)
    return params


@dataclass(frozen=True)
class DestinationInfo:
    config: object        # core.destinations.DestinationConfig
    location: str
    has_secret: bool

    @property
    def name(self) -> str:
        return self.config.name

    def to_json(self) -> dict:
        c = self.config
        return {"name": c.name, "type": c.type, "location": self.location, "params": dict(c.params),
                "has_secret": self.has_secret}


def _info(ctx, config) -> DestinationInfo:
    from core.destinations import describe, secret_name

    return DestinationInfo(config, describe(config), ctx.secrets.get(secret_name(config.name)) is not None)


@use_case("destination.add", writes=True, target=lambda r: f"{r.name} ({r.type})")
def add_destination(ctx, req: AddDestination, *, actor, reporter) -> DestinationInfo:
    from core.catalog import check_destination_name
    from core.catalog.user_backups import USER_DESTINATION_PREFIX, is_user_destination
    from core.destinations import DestinationConfig, check_config, secret_name
    from core.errors import AlreadyExistsError

    check_destination_name(req.name)
    if is_user_destination(req.name):
        raise InvalidInputError(f"Destination names starting with {USER_DESTINATION_PREFIX!r} are users' own "
                                "destinations; choose another name.", kind="reserved_destination_name")
    config = check_config(DestinationConfig(req.name, req.type, build_params(req)))
    if ctx.catalog.destinations.find(req.name) is not None:
        raise AlreadyExistsError(f"A destination named {req.name!r} already exists.", kind="destination_exists",
                                 data={"name": req.name})
    check_secret(req.type, req.secret)
    if req.type == "local":
        path = config.params["path"]
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except FileExistsError:
            raise InvalidInputError(f"{path} exists and is not a folder.") from None
        except OSError as exc:
            raise InvalidInputError(f"Cannot create the folder {path}: {exc.strerror}.") from None
    name = secret_name(req.name)
    if req.secret:
        ctx.secrets.set(name, req.secret)
    try:
        if req.check:
            _check_reachable(ctx, config, reporter)
        ctx.catalog.destinations.add(config)
    except BaseException:
        if req.secret:
            ctx.secrets.delete(name)
        raise
    return _info(ctx, config)


def check_secret(type_: str, secret: bytes | None) -> None:
    """The destination's one secret fits its type (s3 needs one, local has none); it is then kept out
    of the logs."""
    from core.logsetup import register_secret

    if type_ == "s3" and not secret:
        raise InvalidInputError("An s3 destination needs its secret access key.", kind="destination_secret_missing")
    if type_ == "local" and secret:
        raise InvalidInputError("A local destination has no secret.")
    register_secret(secret)


def _check_reachable(ctx, config, reporter) -> None:
    """Before a destination is saved: it answers, its host key is the expected one (SFTP), the
    credentials work and a small object can be written, read back and removed."""
    from core.destinations import open_destination
    from core.destinations import test_destination as probe

    reporter.stage("checking the destination")
    dest = open_destination(config, ctx.secrets, retries=1, retry_budget=20.0)
    try:
        probe(dest, size=4096)
    finally:
        dest.close()


@dataclass(frozen=True)
class FetchHostKey:
    host: str
    port: int = 22


@dataclass(frozen=True)
class HostKey:
    host: str
    port: int
    key: str              # "TYPE BASE64": what AddDestination.host_key pins
    fingerprint: str      # "SHA256:...", as ssh-keygen -l and the server's admin show it

    @property
    def algorithm(self) -> str:
        return self.key.split()[0]

    def to_json(self) -> dict:
        return {"host": self.host, "port": self.port, "key": self.key, "fingerprint": self.fingerprint,
                "algorithm": self.algorithm}


@use_case("destination.host-key", target=lambda r: f"{r.host}:{r.port}")
def fetch_host_key(ctx, req: FetchHostKey, *, actor, reporter) -> HostKey:
    """The host key an SFTP server presents and its fingerprint, fetched without trusting it (nothing
    is saved). A person compares the fingerprint with the server's, then the destination is added
    with that key pinned (``AddDestination.host_key``)."""
    from core.destinations.sftp import fetch_host_key as fetch

    host = (req.host or "").strip()
    if not host or any(c.isspace() for c in host):
        raise InvalidInputError("Give the SFTP server's host name.", kind="destination_option_missing",
                                data={"option": "host", "type": "sftp"})
    if not isinstance(req.port, int) or not 1 <= req.port <= 65535:
        raise InvalidInputError("A port is a number from 1 to 65535.")
    reporter.stage("asking the server for its host key")
    key, fingerprint = fetch(host, req.port)
    return HostKey(host, req.port, key, fingerprint)


@use_case("destination.list")
def list_destinations(ctx, request=None, *, actor, reporter) -> list[DestinationInfo]:
    return [_info(ctx, c) for c in ctx.catalog.destinations.list()]


@dataclass(frozen=True)
class ProbeDestination:
    name: str
    size_mib: float = 4.0


@dataclass(frozen=True)
class DestinationProbed:
    name: str
    latency_s: float
    write_mib_s: float
    read_mib_s: float
    probe_bytes: int

    def to_json(self) -> dict:
        return {"name": self.name, "ok": True, "latency_ms": round(self.latency_s * 1000, 3),
                "write_mib_s": round(self.write_mib_s, 2), "read_mib_s": round(self.read_mib_s, 2),
                "probe_bytes": self.probe_bytes}


@use_case("destination.test", target=lambda r: r.name)
def probe_destination(ctx, req: ProbeDestination, *, actor, reporter) -> DestinationProbed:
    """Write, read back and delete a probe; latency and throughput."""
    from core.app.mybackups import refuse_user_destination
    from core.destinations import open_destination
    from core.destinations import test_destination as probe

    if not 0 < req.size_mib <= 1024:
        raise InvalidInputError("The probe size must be between 0 and 1024 MiB.")
    refuse_user_destination(req.name, "testing it")
    config = ctx.catalog.destinations.get(req.name)
    dest = open_destination(config, ctx.secrets, retries=2)
    try:
        r = probe(dest, size=max(1, int(req.size_mib * 1024 * 1024)))
    finally:
        dest.close()
    return DestinationProbed(config.name, r.latency_s, r.write_mib_s, r.read_mib_s, r.size)


@dataclass(frozen=True)
class RemoveDestination:
    name: str
    confirmed: bool = False


@use_case("destination.remove", writes=True, target=lambda r: r.name)
def remove_destination(ctx, req: RemoveDestination, *, actor, reporter):
    """Forget a destination: its config, the index of its backups and its blob cache go in one
    transaction, then its secret. The backups stored there stay."""
    from core.destinations import secret_name

    cat = ctx.catalog
    config = cat.destinations.get(req.name)
    if not req.confirmed:
        raise ConfirmationRequired(f"Removing destination {config.name!r} needs confirmation.",
                                   hint="The backups stored there stay; only this installation forgets them.",
                                   kind="confirm_delete", data={"what": "destination", "name": config.name})
    with cat.write() as c:
        cat.destinations.remove(config.name, conn=c)
        cat.backups.forget_destination(config.name, conn=c)
        cat.blobs.forget_destination(config.name, conn=c)
    ctx.secrets.delete(secret_name(config.name))
    return config


@dataclass(frozen=True)
class ScanDestination:
    name: str
    recovery_key_file: str | None = None      # also authenticate app-held backups this installation has no key for


@use_case("destination.scan", writes=True, target=lambda r: r.name)
def scan_destination(ctx, req: ScanDestination, *, actor, reporter):
    """Rediscover every account and backup stored at the destination into the catalog's index;
    backups whose header no key here can check are filed "unverified" (core/accounts/scan.py)."""
    from core.accounts.scan import scan_destination as scan
    from core.app.backups import KeyFiles, credentials
    from core.app.mybackups import refuse_user_destination

    refuse_user_destination(req.name, "scanning it")
    return scan(ctx, req.name, reporter=reporter,
                credentials=credentials(None, KeyFiles(recovery_key_file=req.recovery_key_file)))
