"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1): the right recipients get the right
messages, over STARTTLS or TLS with a login whose password comes from the secrets store."""

from __future__ import annotations

import pytest

from core.app import accounts, backups, modes, notify, tokens, users
from core.errors import BackupError
from core.governance.mailer import MailError
from tests.governed import PASSWORDS, build

pytestmark = pytest.mark.server


@pytest.fixture
def g(ctx, tmp_path):
    g = build(ctx, tmp_path)
    boss = g.sign_in("boss")
    users.add_user(ctx, users.AddUser("ada", "admin", "ada-password-11", email="ada@example.org"), actor=boss)
    users.edit_user(ctx, users.EditUser("helper", email="helper@example.org"), actor=boss)
    return g


def _configure(g, server, password=None):
    boss = g.sign_in("boss")
    notify.set_smtp(g.ctx, notify.SetSmtp(
        host=server.host, port=server.port, security=server.security, username=server.username or "",
        sender="unitvault@example.org", ca_file=server.ca_file or "", password=password), actor=boss)


def test_every_admin_hears_of_every_token_made_or_reset(g, smtp_server):
    server = smtp_server("starttls", username="mailer", password="mail-secret-1")
    _configure(g, server, "mail-secret-1")
    assert "mail-secret-1" not in str(notify.show_smtp(g.ctx, actor=g.sign_in("boss")))
    helper = g.sign_in("helper")
    made = tokens.create_token(g.ctx, tokens.MakeToken(PASSWORDS["helper"]), actor=helper)
    assert made.notified.recipients == ("ada@example.org", "boss@example.org")
    msgs = server.wait_for(1)
    assert len(msgs) == 1 and sorted(msgs[0][1]) == ["ada@example.org", "boss@example.org"]
    message = msgs[0][2]
    assert message["Subject"] == "Unitvault: backup token created for helper"
    assert message["From"] == "unitvault@example.org"
    body = message.get_payload(decode=True).decode()
    assert "helper (helpdesk)" in body and "valid now" in body and made.token not in body
    assert server.logins == [("mailer", "mail-secret-1")]
    tokens.reset_token(g.ctx, tokens.MakeToken(PASSWORDS["helper"]), actor=helper)
    msgs = server.wait_for(2)
    assert msgs[1][2]["Subject"] == "Unitvault: backup token reset for helper"
    assert "The previous token no longer works" in msgs[1][2].get_payload(decode=True).decode()
    assert server.to("helper@example.org") == []                          # only admins


def test_backup_and_restore_outcomes_go_to_the_accounts_address(g, smtp_server, tmp_path):
    boss = g.sign_in("boss")
    g.ctx.backup_token = g.token("boss")          # (before the server: its mail to the admins is not this test's)
    server = smtp_server("tls", username="mailer", password="mail-secret-1")
    _configure(g, server, "mail-secret-1")
    made = backups.backup_now(g.ctx, backups.BackupNow("alice", "offsite", "files"), actor=boss)
    msgs = server.wait_for(1)
    assert [m[1] for m in msgs] == [["alice@example.org"]]
    assert msgs[0][2]["Subject"] == "Unitvault: backup of alice succeeded"
    # a failure: the home folder is gone
    home = g.homes["bob"]
    home.rename(tmp_path / "bob-moved")
    with pytest.raises(BackupError):
        backups.backup_now(g.ctx, backups.BackupNow("bob", "offsite", "files"), actor=boss)
    msgs = server.wait_for(2)
    assert msgs[1][1] == ["bob@example.org"] and msgs[1][2]["Subject"] == "Unitvault: backup of bob failed"
    assert "does not exist" in msgs[1][2].get_payload(decode=True).decode()
    # a restore (a dry run tells nobody)
    backups.restore_backup(g.ctx, backups.RestoreBackup(made.backup_id, "files", "merge", dry_run=True), actor=boss)
    backups.restore_backup(g.ctx, backups.RestoreBackup(made.backup_id, "files", "merge", to=str(tmp_path / "r")),
                           actor=boss)
    msgs = server.wait_for(3)
    assert len(msgs) == 3 and msgs[2][2]["Subject"] == "Unitvault: restore of alice succeeded"
    # each account chooses: failures only, or nothing
    modes.set_account_notify(g.ctx, modes.AccountNotify("alice", "failures"), actor=boss)
    backups.backup_now(g.ctx, backups.BackupNow("alice", "offsite", "files"), actor=boss)
    modes.set_account_notify(g.ctx, modes.AccountNotify("bob", "none"), actor=boss)
    with pytest.raises(BackupError):
        backups.backup_now(g.ctx, backups.BackupNow("bob", "offsite", "files"), actor=boss)
    accounts.edit_account(g.ctx, accounts.EditAccount("alice", email=""), actor=boss)
    assert len(server.wait_for(4, timeout=1)) == 3


def test_the_test_message_and_clear_failures(g, smtp_server):
    server = smtp_server("starttls", username="mailer", password="mail-secret-1")
    boss = g.sign_in("boss")
    _configure(g, server, "wrong-secret")
    with pytest.raises(MailError) as err:
        notify.test_mail(g.ctx, notify.TestMail(), actor=boss)
    assert err.value.kind == "smtp_login_refused" and "wrong-secret" not in err.value.message
    _configure(g, server, "mail-secret-1")
    sent = notify.test_mail(g.ctx, notify.TestMail(("ops@example.org",)), actor=boss)
    assert sent.recipients == ("ops@example.org",) and server.wait_for(1)[0][1] == ["ops@example.org"]
    # a server whose certificate is not trusted is refused, not used in the clear
    notify.set_smtp(g.ctx, notify.SetSmtp(ca_file=""), actor=boss)
    with pytest.raises(MailError) as err:
        notify.test_mail(g.ctx, notify.TestMail(("ops@example.org",)), actor=boss)
    assert err.value.kind == "smtp_tls_failed"


def test_without_a_mail_server_nothing_fails(g):
    made = tokens.create_token(g.ctx, tokens.MakeToken(PASSWORDS["helper"]), actor=g.sign_in("helper"))
    assert made.notified.recipients == () and "No mail server" in made.notified.problem
    assert made.status.state == "valid"


def test_a_plain_server_without_a_login(g, smtp_server):
    server = smtp_server("none")
    _configure(g, server)
    tokens.create_token(g.ctx, tokens.MakeToken(PASSWORDS["alice"]), actor=g.sign_in("alice"))
    assert server.wait_for(1)[0][2]["Subject"] == "Unitvault: backup token created for alice"
