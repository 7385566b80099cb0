"""The audit log: written by the one wrapper for every operation that changes something (and the
reads named), refusals and failures included, reasons recorded, never a secret; a hash chain that
names the entry edited, deleted or moved by hand; one chain under concurrent writers."""

from __future__ import annotations

import csv
import multiprocessing
import sqlite3
import threading

import pytest

from core.app import accounts, audit, bundles, imports, units, users
from core.app.policy import PermissionDenied
from core.catalog import Catalog
from core.errors import ConfirmationRequired
from tests.governed import build

PASSWORD = "tulip-anchor-42"


@pytest.fixture
def g(ctx, tmp_path):
    return build(ctx, tmp_path)


def _db(ctx) -> str:
    return ctx.home.catalog_url.split("///", 1)[1]


def _entries(g):
    return list(reversed(audit.list_audit(g.ctx, audit.ListAudit(limit=1000), actor=g.sign_in("boss"))))


def test_the_wrapper_records_who_did_what(g, tmp_path):
    entries = _entries(g)
    assert [(e.actor, e.action, e.outcome) for e in entries][:3] == [
        ("local-admin", "unit.seed", "done"), ("local-admin", "account.add", "done"),
        ("local-admin", "unit.seed", "done")]
    assert ("local-admin", "user.add", "boss (admin)") in [(e.actor, e.action, e.target) for e in entries]
    assert ("boss", "user.add", "alice (user)") in [(e.actor, e.action, e.target) for e in entries]
    helper = g.sign_in("helper")
    n = len(entries)
    units.list_units(g.ctx, actor=helper)                                   # a read: not audited
    with pytest.raises(PermissionDenied):
        units.delete_unit(g.ctx, units.DeleteUnit("alice", confirmed=True), actor=helper)
    with pytest.raises(ConfirmationRequired):
        units.delete_unit(g.ctx, units.DeleteUnit("alice"), actor=g.sign_in("boss"))
    new = _entries(g)[n:]
    assert [(e.actor, e.role, e.action, e.target, e.outcome) for e in new] == [
        ("helper", "helpdesk", "unit.delete", "alice", "refused"),
        ("boss", "admin", "unit.delete", "alice", "failed")]
    assert "needs an admin" in new[0].details["refused"] and "confirmation" in new[1].details["error"]


def test_replace_imports_and_key_resets_ask_for_a_reason_which_is_recorded(g, tmp_path):
    boss = g.sign_in("boss")
    g.ctx.backup_token = g.token("boss")
    bundle = tmp_path / "alice.uvault"
    bundles.export_units(g.ctx, bundles.ExportUnits(bundles.ExportTarget(("alice",), bundle), PASSWORD), actor=boss)
    plan = imports.preview_import(g.ctx, imports.PreviewImport(bundle, bundles.BundleKey(PASSWORD)), actor=boss)
    with pytest.raises(ConfirmationRequired) as err:
        imports.apply_import(g.ctx, imports.ApplyImport(plan), actor=boss)
    assert err.value.kind == "reason_required"
    imports.apply_import(g.ctx, imports.ApplyImport(plan, reason="ticket 4711: roll back a bad change"), actor=boss)
    with pytest.raises(ConfirmationRequired):
        accounts.reset_account_key(g.ctx, accounts.ResetAccountKey("bob", "bob"), actor=boss)
    accounts.reset_account_key(g.ctx, accounts.ResetAccountKey("bob", "bob", reason="laptop stolen"), actor=boss)
    done = {(e.action, e.outcome): e for e in _entries(g)}
    assert done[("import.apply", "done")].details["reason"] == "ticket 4711: roll back a bad change"
    assert done[("account.key_reset", "done")].details["reason"] == "laptop stolen"
    assert done[("bundle.export", "done")].details["written"] == 1
    text = "\n".join(f"{e.target} {e.detail}" for e in _entries(g))
    assert PASSWORD not in text and g.ctx.backup_token not in text


def test_audit_verify_names_the_entry_edited_deleted_or_moved(g):
    boss = g.sign_in("boss")
    assert audit.verify_audit(g.ctx, actor=boss).ok
    db = _db(g.ctx)

    def tamper(sql, *args):
        con = sqlite3.connect(db)
        con.execute(sql, args)
        con.commit()
        con.close()

    def check():
        return audit.verify_audit(g.ctx, actor=boss)

    # edited: the target of entry 3
    con = sqlite3.connect(db)
    (original,) = con.execute("SELECT target FROM audit_log WHERE seq = 3").fetchone()
    con.close()
    tamper("UPDATE audit_log SET target = 'nothing to see' WHERE seq = 3")
    bad = check()
    assert not bad.ok and bad.seq == 3 and "Entry 3 was changed" in bad.problem
    tamper("UPDATE audit_log SET target = ? WHERE seq = 3", original)      # back as it was
    assert check().ok
    # reordered: entries 4 and 5 swap places
    tamper("UPDATE audit_log SET seq = -5 WHERE seq = 5")
    tamper("UPDATE audit_log SET seq = 5 WHERE seq = 4")
    tamper("UPDATE audit_log SET seq = 4 WHERE seq = -5")
    bad = check()
    assert not bad.ok and bad.seq == 4
    tamper("UPDATE audit_log SET seq = -4 WHERE seq = 4")
    tamper("UPDATE audit_log SET seq = 4 WHERE seq = 5")
    tamper("UPDATE audit_log SET seq = 5 WHERE seq = -4")
    assert check().ok
    # deleted: entry 6
    con = sqlite3.connect(db)
    row = con.execute("SELECT * FROM audit_log WHERE seq = 6").fetchone()
    con.close()
    tamper("DELETE FROM audit_log WHERE seq = 6")
    bad = check()
    assert not bad.ok and bad.seq == 6 and "Entry 6 is missing" in bad.problem
    tamper(f"INSERT INTO audit_log VALUES ({','.join('?' * len(row))})", *row)
    assert check().ok
    # deleted from the end: the head kept beside the log sees it
    last = check().entries          # verify itself added an entry; the last one is now that
    tamper("DELETE FROM audit_log WHERE seq = ?", last + 1)
    bad = check()
    assert not bad.ok and bad.seq == last + 1 and "missing from the end" in bad.problem
    # and the next entry does not paper over the hole
    units.seed_unit(g.ctx, units.SeedUnit("later"), actor=boss)
    assert not check().ok


def test_csv_export(g, tmp_path):
    boss = g.sign_in("boss")
    with pytest.raises(PermissionDenied):
        audit.export_audit(g.ctx, audit.ExportAudit(tmp_path / "a.csv"), actor=g.sign_in("helper"))
    units.seed_unit(g.ctx, units.SeedUnit("z-unit"), actor=boss)
    done = audit.export_audit(g.ctx, audit.ExportAudit(tmp_path / "audit.csv"), actor=boss)
    rows = list(csv.reader((tmp_path / "audit.csv").open(encoding="utf-8")))
    assert rows[0] == list(audit.CSV_COLUMNS) and len(rows) == done.entries + 1
    assert rows[1][:7] == ["1", rows[1][1], "local-admin", "admin", "unit.seed", rows[1][5], "done"]
    assert (tmp_path / "audit.csv").stat().st_mode & 0o077 == 0
    assert audit.csv_row.__module__ and audit._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    last = _entries(g)[-1]
    assert (last.action, last.outcome, last.details["entries"]) == ("audit.export", "done", done.entries)


def test_concurrent_writers_keep_one_chain(g):
    """Threads of this process and other processes append at once: one chain, no entry lost."""
    url = g.ctx.home.catalog_url
    before = audit.verify_audit(g.ctx, actor=g.sign_in("boss")).entries

    def append_many(n: int, who: str):
        cat = Catalog.open(url)
        try:
            for i in range(n):
                cat.audit.append(who, "admin", "test.append", f"{who} {i}", "done")
        finally:
            cat.close()

    threads = [threading.Thread(target=append_many, args=(25, f"thread-{k}")) for k in range(3)]
    mp = multiprocessing.get_context("spawn")
    procs = [mp.Process(target=_append_in_process, args=(url, 25, f"process-{k}")) for k in range(2)]
    for p in procs:
        p.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    check = audit.verify_audit(g.ctx, actor=g.sign_in("boss"))
    assert check.ok, check.problem
    assert check.entries == before + 1 + 5 * 25          # the first verify's own entry, and every append
    seqs = [e.seq for e in _entries(g)]
    assert seqs == list(range(1, len(seqs) + 1))


def _append_in_process(url: str, n: int, who: str) -> None:
    cat = Catalog.open(url)
    try:
        for i in range(n):
            cat.audit.append(who, "admin", "test.append", f"{who} {i}", "done")
    finally:
        cat.close()


def test_only_admins_read_the_log(g):
    for name in ("helper", "alice"):
        with pytest.raises(PermissionDenied):
            audit.list_audit(g.ctx, actor=g.sign_in(name))
    assert users.whoami(g.ctx, actor=g.sign_in("alice")).name == "alice"
