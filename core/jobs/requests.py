"""Use-case requests as queue items store them: plain JSON, never a secret.

A request's secret fields are the ones its dataclass marks ``repr=False`` (the convention every
request follows, so the log never shows them either). ``encode`` keeps the other fields and lists the
names of the secret fields that had a value under ``_secrets``; the values themselves stay with the
caller (core/jobs/held.py keeps them in this process's memory). ``decode`` rebuilds the request from
the stored fields and the secrets given at run time.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePath

from core.errors import InvalidInputError


def _request_types() -> dict[str, type]:
    from core.app.backups import BackupNow, DownloadBackup, RestoreBackup

    return {"backup": BackupNow, "restore": RestoreBackup, "download": DownloadBackup}


def kind_of(request) -> str:
    for kind, cls in _request_types().items():
        if type(request) is cls:
            return kind
    raise InvalidInputError(f"A {type(request).__name__} cannot be queued.")


def secret_fields(cls) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if not f.repr)


def _plain(value):
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, PurePath):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):     # e.g. KeyFiles: paths, never contents
        if secret_fields(type(value)):
            raise InvalidInputError(f"A request holding a {type(value).__name__} cannot be queued.")
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _rebuilt(f, value):
    factory = f.default_factory if f.default_factory is not dataclasses.MISSING else None
    if isinstance(value, dict) and isinstance(factory, type) and dataclasses.is_dataclass(factory):
        return factory(**{k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})
    return tuple(value) if isinstance(value, list) else value


def encode(request) -> tuple[str, dict, dict[str, str]]:
    """(kind, the stored request, the secrets to hold) for a request of a kind the queue runs."""
    kind = kind_of(request)
    stored: dict = {}
    secrets: dict[str, str] = {}
    for f in dataclasses.fields(request):
        value = getattr(request, f.name)
        if not f.repr:
            if value is not None:
                secrets[f.name] = value
            continue
        stored[f.name] = _plain(value)
    if secrets:
        stored["_secrets"] = sorted(secrets)
    return kind, stored, secrets


def decode(kind: str, stored: dict, secrets: dict[str, str] | None = None):
    """The request again, with ``secrets`` in its secret fields."""
    cls = _request_types().get(kind)
    if cls is None:
        raise InvalidInputError(f"Unknown kind of work {kind!r}.")
    secrets = secrets or {}
    values = {}
    for f in dataclasses.fields(cls):
        if not f.repr:
            if secrets.get(f.name) is not None:
                values[f.name] = secrets[f.name]
        elif f.name in stored:
            values[f.name] = _rebuilt(f, stored[f.name])
    try:
        return cls(**values)
    except TypeError:
        raise InvalidInputError(f"A queued {kind} request is incomplete; queue it again.") from None
