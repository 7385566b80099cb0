"""The catalog's governance aggregates on every backend (SQLite, PostgreSQL): users and the accounts
they own, sessions, backup tokens (hashes only), plans, and the audit log, whose chain stays one
chain when several connections append at once."""

from __future__ import annotations

import threading

import pytest

from core.catalog import Catalog
from core.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from core.governance.audit import verify_chain


def test_users_and_what_they_own(catalog, tmp_path):
    account = catalog.accounts.add("alice", str(tmp_path))
    boss = catalog.users.add("boss", "admin", password_hash="$argon2id$fake", email="boss@example.org")
    alice = catalog.users.add("alice", "user", password_hash=None, accounts=(account.id,))
    assert (boss.role, boss.password_less, alice.password_less, alice.accounts) == ("admin", False, True,
                                                                                    (account.id,))
    assert "argon2" not in repr(boss) and catalog.users.password_hash(boss.id) == "$argon2id$fake"
    with pytest.raises(AlreadyExistsError):
        catalog.users.add("boss", "helpdesk", password_hash=None)
    with pytest.raises(InvalidInputError):
        catalog.users.add("Bad Name", "admin", password_hash=None)
    with pytest.raises(InvalidInputError):
        catalog.users.add("root", "superuser", password_hash=None)
    assert [u.username for u in catalog.users.owners_of(account.id)] == ["alice"]
    assert catalog.users.count() == 2 and catalog.users.count_role("admin") == 1
    catalog.users.edit("alice", vault='{"sealed": true}')
    assert catalog.users.get("alice").has_vault and catalog.users.vault(alice.id) == '{"sealed": true}'
    catalog.accounts.delete("alice")
    catalog.users.remove("boss")
    with pytest.raises(NotFoundError):
        catalog.users.get("boss")


def test_sessions_and_tokens(catalog):
    user = catalog.users.add("helper", "helpdesk", password_hash="h")
    catalog.users.add_session(user.id, "a" * 64, "2099-01-01T00:00:00Z")
    assert catalog.users.session_user("a" * 64, "2027-01-01T00:00:00Z").username == "helper"
    assert catalog.users.session_user("a" * 64, "2100-01-01T00:00:00Z") is None
    catalog.users.end_sessions(user.id)
    assert catalog.users.session_user("a" * 64, "2027-01-01T00:00:00Z") is None
    first = catalog.tokens.put(user.id, "1" * 64, "2027-01-01T00:00:00Z")
    second = catalog.tokens.put(user.id, "2" * 64, "2027-01-02T00:00:00Z")
    assert (first.resets, second.resets, second.token_hash) == (0, 1, "2" * 64)
    assert "2222" not in repr(second)
    assert catalog.tokens.allow_now(user.id).valid_from <= second.valid_from


def test_plans(catalog, tmp_path):
    account = catalog.accounts.add("alice", str(tmp_path))
    catalog.plans.add("self-service", True)
    catalog.plans.add("basic", False)
    catalog.plans.set_account(account.id, plan="basic", notify="failures")
    assert catalog.plans.accounts_with_backups() == set()
    catalog.plans.set_account(account.id, plan="self-service")
    assert catalog.plans.accounts_with_backups() == {account.id}
    assert catalog.plans.of_account(account.id).notify == "failures"
    catalog.plans.remove("self-service")
    assert catalog.plans.of_account(account.id).plan is None
    with pytest.raises(InvalidInputError):
        catalog.plans.set_account(account.id, notify="sometimes")


def test_the_audit_chain_under_concurrent_writers(catalog_url):
    """Four connections append at once: every entry lands, one after the other, in one chain."""
    first = Catalog.open(catalog_url)
    first.audit.append("boss", "admin", "user.add", "helper (helpdesk)", "done", {"reason": "new hire"})
    errors = []

    def writer(k: int):
        cat = Catalog.open(catalog_url)
        try:
            for i in range(20):
                cat.audit.append(f"writer-{k}", "admin", "test.append", str(i), "done")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            cat.close()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with first.read() as c:
        check = verify_chain(first.audit.iter_all(c), first.audit.head(c))
    assert check.ok and check.entries == 81, check.problem
    newest = first.audit.list(limit=1)[0]
    assert newest.seq == 81 and first.audit.list(action="user")[0].details == {"reason": "new hire"}
    first.close()
