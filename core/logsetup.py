"""Logging to a rotating file under the home. Secret values never reach it: a filter redacts every
value registered with ``register_secret`` and credentials embedded in URLs."""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_URL_CRED = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<cred>[^/@\s]+)@")


def register_secret(value: str | bytes | None) -> None:
    """Make sure ``value`` is never written to the log (passwords, tokens, keys)."""
    if not value:
        return
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    if len(text) >= 3:
        with _LOCK:
            _SECRETS.add(text)


def redact(text: str) -> str:
    text = _URL_CRED.sub(lambda m: m.group("scheme") + "***@", text)
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for s in secrets:
        if s in text:
            text = text.replace(s, "***")
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        record.msg = redact(msg)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup_logging(log_file: Path, level: int = logging.INFO) -> logging.Handler:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("unitvault")
    for old in list(root.handlers):
        if isinstance(old, logging.handlers.RotatingFileHandler):
            root.removeHandler(old)
            old.close()
    root.addHandler(handler)
    root.setLevel(level)
    try:
        log_file.chmod(0o600)
    except OSError:
        pass
    return handler


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger("unitvault." + name)
