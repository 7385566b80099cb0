"""Exporting units from the unit store into bundles (one read transaction per unit, streaming)."""

from __future__ import annotations

import datetime as _dt
import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from core.bundle.header import KdfParams
from core.bundle.writer import WriteResult, write_bundle
from core.errors import InvalidInputError, UnitvaultError
from core.progress import Reporter
from core.unit.records import SECTIONS

DEFAULT_TEMPLATE = "{unit}-{date}-{time}.uvault"
_FIELDS = {"unit", "date", "time"}


@dataclass(frozen=True, slots=True)
class BatchResult:
    written: list[WriteResult] = field(default_factory=list)
    failed: list[tuple[str, UnitvaultError]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def export_unit(store, unit_name: str, out_path, *, password: str | None = None,
                raw_key: bytes | None = None, recovery_public_key: bytes | None = None,
                kdf: KdfParams | None = None, overwrite: bool = False, compress: bool = True,
                reporter: Reporter | None = None) -> WriteResult:
    """Export one unit. The records stream from one read transaction, so the bundle is a consistent
    picture of the unit even while others write to it."""
    from core.support.bulk import gc_paused

    # The records stream through (none stays alive), but their many short-lived containers would set
    # the cyclic collector off again and again over the whole heap (~0.1 s of the large unit's export).
    with gc_paused(), store.read() as conn:
        unit = store.get_unit(unit_name, conn)
        c = store.counts(unit.id, conn)
        total = c.plugins + c.workspaces + c.profiles + c.config_keys
        sections = {s: store.iter_wire(unit.id, s, conn) for s in SECTIONS}
        return write_bundle(out_path, unit_id=unit.id, unit_name=unit.name, sections=sections,
                            password=password, raw_key=raw_key, recovery_public_key=recovery_public_key,
                            kdf=kdf, compress=compress, overwrite=overwrite, reporter=reporter,
                            total_records=total)


def check_template(template: str) -> None:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError:
        raise InvalidInputError(f"The name template {template!r} is malformed.") from None
    unknown = names - _FIELDS
    if unknown:
        raise InvalidInputError(f"The name template uses an unknown field {{{sorted(unknown)[0]}}}.",
                                hint="Fields are {unit}, {date} and {time}.")
    if "unit" not in names:
        raise InvalidInputError("The name template must contain {unit}, so each unit gets its own file.")
    if "/" in template or "\\" in template or template.startswith("."):
        raise InvalidInputError("The name template must be a plain file name.")


def bundle_name(template: str, unit: str, when: _dt.datetime | None = None) -> str:
    when = when or _dt.datetime.now(_dt.UTC)
    name = template.format(unit=unit, date=when.strftime("%Y-%m-%d"), time=when.strftime("%H%M%S"))
    if not re.fullmatch(r"[^/\\\0]{1,255}", name) or name in (".", ".."):
        raise InvalidInputError(f"The name template gives an unusable file name for {unit!r}.")
    return name


def export_units(store, names: list[str], out_dir, *, name_template: str = DEFAULT_TEMPLATE,
                 password: str | None = None, raw_key: bytes | None = None,
                 recovery_public_key: bytes | None = None, kdf: KdfParams | None = None,
                 overwrite: bool = False, compress: bool = True,
                 reporter: Reporter | None = None, when: _dt.datetime | None = None) -> BatchResult:
    """One bundle per unit, each with its own salt and file key. A failing unit does not stop the
    others; a cancel stops the batch (bundles already written stay)."""
    from core.errors import Cancelled

    check_template(name_template)
    out = Path(out_dir)
    if not out.is_dir():
        raise InvalidInputError(f"The folder {out} does not exist.")
    when = when or _dt.datetime.now(_dt.UTC)
    result = BatchResult()
    for name in names:
        try:
            path = out / bundle_name(name_template, name, when)
            result.written.append(export_unit(store, name, path, password=password, raw_key=raw_key,
                                              recovery_public_key=recovery_public_key, kdf=kdf,
                                              overwrite=overwrite, compress=compress, reporter=reporter))
        except Cancelled:
            raise
        except UnitvaultError as exc:
            result.failed.append((name, exc))
    return result
