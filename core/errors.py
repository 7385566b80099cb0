"""The project's own errors: one root, a flat set of subclasses.

Every error carries one clear sentence (``message``), a ``kind`` and ``data`` (what a shell needs to
word its own hint), and, where it does not depend on the shell, a ``hint``. Core never names a CLI
flag or a GUI control: ``kind`` says what went wrong ("file_exists", "owner_passphrase_missing"), and
each shell has one table from kinds to its own advice (core/cli/hints.py, desktop/errors.py).
Messages never contain secret values (passwords, keys, secret config values). The CLI maps every
``UnitvaultError`` to exit code 1; the GUI maps the class to a dialog.
"""

from __future__ import annotations


class UnitvaultError(Exception):
    """Root of every error the engine raises on purpose."""

    hint: str = ""
    kind: str = ""

    def __init__(self, message: str, *, hint: str | None = None, details: list[str] | None = None,
                 kind: str | None = None, data: dict | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint
        if kind is not None:
            self.kind = kind
        self.data = dict(data or {})
        self.details = list(details or [])

    def __str__(self) -> str:  # the one line the CLI prints
        return self.message


class Cancelled(UnitvaultError):
    """The user cancelled the operation. Shown as nothing at all."""

    def __init__(self, message: str = "Cancelled."):
        super().__init__(message)


# --- general -----------------------------------------------------------------------------------
class NotFoundError(UnitvaultError):
    """A named thing (unit, snapshot, account, destination) does not exist."""


class AlreadyExistsError(UnitvaultError):
    """Creating something whose name is taken, or writing over a file without being allowed to
    (kind "file_exists", data["path"])."""


class InvalidInputError(UnitvaultError):
    """A value given by the user is not acceptable (bad name, too-short password, bad option)."""


class InvalidRecordError(UnitvaultError):
    """A record does not satisfy its schema or the unit's rules; ``details`` name each location."""


class StoreError(UnitvaultError):
    """The unit store or catalog could not be opened, migrated or written."""


class SecretsError(UnitvaultError):
    """A secret could not be read or written."""


class ConfirmationRequired(UnitvaultError):
    """A destructive step needs the user's explicit confirmation and none was given."""


# --- bundles (docs/bundle-format.md lists when each is raised) --------------------------------
class NotABundleError(UnitvaultError):
    hint = "Choose a .uvault file exported by Unitvault."


class NewerVersionError(UnitvaultError):
    hint = "Update Unitvault to read this file."


class UnsupportedBundleError(UnitvaultError):
    """Header values out of the accepted range (hostile or unknown parameters)."""

    hint = "The file was not made by a Unitvault version this one understands."


class DamagedBundleError(UnitvaultError):
    hint = "The file was changed or damaged after export; fetch a fresh copy."


class WrongPasswordError(UnitvaultError):
    hint = "Check the password (it is case-sensitive) or use the recovery key."


class PassphraseRequired(UnitvaultError):
    """A key held by its owner is needed and none was given (not a wrong one)."""

    kind = "owner_passphrase_missing"


class TruncatedBundleError(UnitvaultError):
    hint = "The file is incomplete; download or copy it again."


class InvalidContentError(UnitvaultError):
    """Authenticated, but the content breaks the manifest or the schemas. ``details`` locate each."""

    hint = "The exporting program wrote records this version cannot accept."


# --- restores ---------------------------------------------------------------------------------
class PlanRefusedError(UnitvaultError):
    """The chosen mode/sections would leave the unit inconsistent."""


class OtherUnitError(UnitvaultError):
    """The bundle comes from another unit and that was not allowed explicitly."""


# --- destinations -----------------------------------------------------------------------------
class DestinationError(UnitvaultError):
    """A destination failed in a way that is neither 'not found' nor transient."""


class ObjectNotFoundError(DestinationError):
    """The object does not exist at the destination."""


class TransientDestinationError(DestinationError):
    """A retry may succeed (network cut, timeout, throttling)."""


class PermanentDestinationError(DestinationError):
    """A retry will not help (auth failure, host key mismatch, no such bucket)."""


# --- account backups ----------------------------------------------------------------------------
class BackupError(UnitvaultError):
    """A backup, verify or restore of an account failed."""


class IntegrityError(UnitvaultError):
    """A stored object failed authentication or is missing; ``details`` name each object."""
