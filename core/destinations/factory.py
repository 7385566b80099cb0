"""From a stored config (plus the secrets store) to a ready destination, and config checks."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from core.destinations.base import DESTINATION_TYPES, DestinationConfig, secret_name
from core.errors import InvalidInputError

PARAMS = {
    "local": {"required": ("path",), "optional": ("bandwidth_limit",)},
    "sftp": {"required": ("host", "user", "key_file"),
             "optional": ("port", "known_hosts", "host_key", "path", "bandwidth_limit", "timeout")},
    "s3": {"required": ("bucket", "access_key_id"),
           "optional": ("endpoint", "prefix", "region", "bandwidth_limit", "timeout")},
}
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_HOST = re.compile(r"^[A-Za-z0-9._:%\[\]-]{1,253}$")


def check_config(config: DestinationConfig) -> DestinationConfig:
    """Raise InvalidInputError if ``config`` cannot describe a usable destination (no I/O)."""
    if config.type not in DESTINATION_TYPES:
        raise InvalidInputError(f"Unknown destination type {config.type!r}.", hint="Use local, sftp or s3.")
    params = dict(config.params or {})
    spec = PARAMS[config.type]
    for name in spec["required"]:
        if params.get(name) in (None, ""):
            raise InvalidInputError(f"A {config.type} destination needs {name.replace('_', '-')}.")
    unknown = sorted(set(params) - set(spec["required"]) - set(spec["optional"]))
    if unknown:
        raise InvalidInputError(f"Unknown {config.type} destination setting(s): {', '.join(unknown)}.",
                                hint="Secrets never go into the settings; they live in the secrets store.")
    limit = params.get("bandwidth_limit")
    if limit is not None and (not isinstance(limit, int) or limit <= 0):
        raise InvalidInputError("The bandwidth limit must be a positive number of bytes per second.")
    if config.type == "sftp":
        if not _HOST.match(str(params["host"])):
            raise InvalidInputError(f"Invalid host name {params['host']!r}.")
        port = params.get("port", 22)
        if not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidInputError("The SSH port must be a number from 1 to 65535.")
        if params.get("known_hosts") and params.get("host_key"):
            raise InvalidInputError("Give either a known_hosts file or a pinned host key, not both.")
    if config.type == "s3":
        if not _BUCKET.match(str(params["bucket"])):
            raise InvalidInputError(f"Invalid bucket name {params['bucket']!r}.")
        endpoint = params.get("endpoint")
        if endpoint:
            parts = urlsplit(str(endpoint))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise InvalidInputError("The S3 endpoint must be an http:// or https:// URL.")
            if parts.username or parts.password:
                raise InvalidInputError("The S3 endpoint URL must not contain credentials.",
                                        hint="The secret access key is kept in the secrets store, never in the URL.")
        prefix = str(params.get("prefix") or "").strip("/")
        if prefix:
            from core.destinations.base import check_key

            try:
                check_key(prefix)
            except InvalidInputError:
                raise InvalidInputError(f"Invalid S3 prefix {prefix!r}.") from None
    return config


def open_adapter(config: DestinationConfig, secrets=None):
    """The bare backend for ``config``, without wrappers. Nothing connects until the first call."""
    check_config(config)
    p = dict(config.params or {})
    secret = secrets.get(secret_name(config.name)) if secrets is not None else None
    if secret:
        from core.logsetup import register_secret

        register_secret(secret)
    if config.type == "local":
        from core.destinations.local import LocalDestination

        return LocalDestination(config.name, os.path.expanduser(str(p["path"])))
    if config.type == "sftp":
        from core.destinations.sftp import SFTPDestination

        kwargs = {}
        if p.get("timeout"):
            kwargs["timeout"] = float(p["timeout"])
        return SFTPDestination(config.name, host=p["host"], port=int(p.get("port") or 22), user=p["user"],
                               key_file=p["key_file"], known_hosts=p.get("known_hosts") or None,
                               host_key=p.get("host_key") or None, path=p.get("path") or "",
                               passphrase=secret, **kwargs)
    from core.destinations.s3 import S3Destination

    kwargs = {}
    if p.get("timeout"):
        kwargs["read_timeout"] = float(p["timeout"])
    return S3Destination(config.name, bucket=p["bucket"], access_key_id=p["access_key_id"],
                         secret_access_key=secret, endpoint=p.get("endpoint") or None,
                         prefix=p.get("prefix") or "", region=p.get("region") or None, **kwargs)


def open_destination(config: DestinationConfig, secrets=None, *, retries: int = 5,
                     bandwidth_limit: int | None = None, retry_base_delay: float = 0.5,
                     retry_max_delay: float = 30.0, retry_budget: float = 300.0, on_retry=None):
    """The adapter for ``config``, limited to ``bandwidth_limit`` bytes/s (default: the config's
    ``bandwidth_limit``, if any; 0 means no limit) and wrapped by retries (``retries=0``: none).

    The retry budget (``retry_budget`` seconds in total, ``retry_base_delay`` for the first wait)
    is what tests shorten. Close the result when done.
    """
    dest = open_adapter(config, secrets)
    limit = bandwidth_limit if bandwidth_limit is not None else (config.params or {}).get("bandwidth_limit")
    if limit:
        from core.destinations.wrappers import BandwidthLimitedDestination

        dest = BandwidthLimitedDestination(dest, int(limit))
    if retries:
        from core.destinations.wrappers import RetryingDestination

        dest = RetryingDestination(dest, retries=retries, base_delay=retry_base_delay, max_delay=retry_max_delay,
                                   max_elapsed=retry_budget, on_retry=on_retry)
    return dest
