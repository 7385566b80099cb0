"""The audit log's hash chain, as pure functions.

Each entry's hash is SHA-256 over a fixed prefix, the previous entry's hash and the entry's own
fields (its sequence number included), so editing a field, deleting an entry or moving one changes
a hash or breaks a link. The catalog also keeps the head (the last sequence number and its hash)
beside the log, written in the same transaction as every entry, so cutting entries off the end is
seen too. Anyone who can rewrite the whole table and the head together can forge a consistent log:
the chain shows tampering by hand, not by someone who recomputes every hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor", "role", "action", "target", "outcome", "detail")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    role: str
    action: str
    target: str
    outcome: str           # done | failed | refused | cancelled
    detail: str            # JSON text (reason, error); never a secret
    prev_hash: str = GENESIS
    hash: str = ""

    @property
    def details(self) -> dict:
        try:
            value = json.loads(self.detail or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def as_dict(self) -> dict:
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "role": self.role, "action": self.action,
                "target": self.target, "outcome": self.outcome, **{k: v for k, v in self.details.items()},
                "hash": self.hash}


def detail_text(detail: dict | None) -> str:
    return json.dumps(detail or {}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def entry_hash(prev_hash: str, seq: int, at: str, actor: str, role: str, action: str, target: str,
               outcome: str, detail: str) -> str:
    body = json.dumps([seq, at, actor, role, action, target, outcome, detail], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(b"unitvault audit v1\x00" + prev_hash.encode("ascii", "replace") + b"\x00"
                          + body.encode("utf-8")).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    return entry_hash(entry.prev_hash, entry.seq, entry.at, entry.actor, entry.role, entry.action, entry.target,
                      entry.outcome, entry.detail)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    entries: int                 # entries read
    seq: int | None = None       # the first entry found wrong (or missing)
    problem: str = ""

    def as_dict(self) -> dict:
        return {"ok": self.ok, "entries": self.entries, "seq": self.seq, "problem": self.problem}


def parse_head(text: str | None) -> tuple[int, str]:
    """(last sequence number, its hash) from the stored head; (0, GENESIS) for an empty log."""
    if not text:
        return 0, GENESIS
    seq, _, digest = text.partition(":")
    try:
        return int(seq), digest
    except ValueError:
        return -1, ""


def verify_chain(entries: Iterable[AuditEntry], head: str | None) -> ChainCheck:
    """Walk the entries in sequence order; the first entry that breaks the chain is named."""
    expected, prev, count = 1, GENESIS, 0
    for e in entries:
        count += 1
        if e.seq != expected:
            if e.seq > expected:
                missing = expected if e.seq == expected + 1 else f"{expected}-{e.seq - 1}"
                return ChainCheck(False, count, expected,
                                  f"Entry {missing} is missing: entry {e.seq} follows entry {expected - 1}.")
            return ChainCheck(False, count, e.seq, f"Entry {e.seq} is out of place (entry {expected} was expected).")
        if hash_of(e) != e.hash:
            return ChainCheck(False, count, e.seq, f"Entry {e.seq} was changed after it was written.")
        if e.prev_hash != prev:
            return ChainCheck(False, count, e.seq,
                              f"Entry {e.seq} does not follow entry {e.seq - 1}: entries were changed, removed or "
                              "reordered.")
        prev, expected = e.hash, expected + 1
    head_seq, head_hash = parse_head(head)
    last = expected - 1
    if head_seq < 0:
        return ChainCheck(False, count, None, "The log's head record is damaged.")
    if head_seq > last:
        missing = head_seq if head_seq == last + 1 else f"{last + 1}-{head_seq}"
        return ChainCheck(False, count, last + 1, f"Entry {missing} is missing from the end of the log.")
    if head_seq < last:
        return ChainCheck(False, count, head_seq + 1,
                          f"Entry {head_seq + 1} was added without going through the app (the head is entry "
                          f"{head_seq}).")
    if last and head_hash != prev:
        return ChainCheck(False, count, last, f"Entry {last} was changed after it was written.")
    return ChainCheck(True, count)
