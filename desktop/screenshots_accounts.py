"""Screenshots of the account pages and their dialogs (called by desktop/screenshots.py, at 100% and 200%).

A few accounts with tags, real backups at a local destination, two jobs, queue items in every finished
state and a restore run through the wizard; the dialogs are driven as a user would."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from core.app import accounts, backups, destinations, jobs, queue, tags

ACCOUNTS = (("alice", ("vip", "web")), ("bob", ("web",)), ("carol", ()), ("dmitri", ("mail",)),
            ("eve", ("vip",)), ("farah_al_hashimi", ("web", "mail")), ("gustavo", ()), ("hana", ("staging",)),
            ("igor", ("web",)), ("jasmine", ("vip", "mail")), ("kenji", ()), ("lucia", ("staging",)))
TAG_COLORS = {"vip": "#c0392b", "web": "#2e86c1", "mail": "#7d3c98", "staging": "#d4ac0d"}


def _home(root: Path, name: str, rich: bool = False) -> Path:
    home = root / "homes" / name
    files = {"public_html/index.html": "<h1>Welcome</h1>\n" * 40, "public_html/css/site.css": "body{}\n" * 200,
             "mail/inbox.mbox": "From: someone@example.com\n" * 300, "docs/contract.pdf": "%PDF-1.4\n" * 500,
             ".cache/thumbs.db": "x" * 9000}
    if rich:
        files |= {"docs/2027/report-q1.odt": "q1" * 800, "docs/2027/report-q2.odt": "q2" * 900,
                  "public_html/images/logo.png": "png" * 3000, "logs/access.log": "GET /\n" * 4000}
    for rel, body in files.items():
        p = home / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)
    return home


def prepare(ctx, tmp: Path) -> None:
    destinations.add_destination(ctx, destinations.AddDestination("offsite-nas", "local", path=str(tmp / "nas")))
    destinations.add_destination(ctx, destinations.AddDestination("local-disk", "local", path=str(tmp / "disk")))
    tags.set_priority(ctx, tags.SetPriority("Urgent", 1))
    for name, color in TAG_COLORS.items():
        tags.add_tag(ctx, tags.AddTag(name, color, "Urgent" if name == "vip" else None))
    for name, tag_names in ACCOUNTS:
        accounts.add_account(ctx, accounts.AddAccount(name, str(_home(tmp, name, rich=name == "alice")),
                                                      email=f"{name}@example.com",
                                                      units=("demo",) if name == "alice" else (),
                                                      excludes=(".cache/",) if name != "carol" else ()))
        for t in tag_names:
            tags.assign_tag(ctx, tags.TagAccount(t, name))
    jobs.add_job(ctx, jobs.JobSpec("nightly", "offsite-nas", "all", "account,units,files", "daily@02:00", None,
                                   keep=7, keep_weekly=4))
    jobs.add_job(ctx, jobs.JobSpec("vip-hourly", "local-disk", "tag:vip", "files", "hourly@:15", None, keep=24))
    for name in ("alice", "alice", "bob", "eve", "jasmine"):
        backups.backup_now(ctx, backups.BackupNow(name, "offsite-nas"))
    backups.backup_now(ctx, backups.BackupNow("alice", "local-disk", "files", job="nightly"))
    backups.add_condition(ctx, backups.AddCondition("I told the account's owner that a restore is coming."))
    listing = backups.list_backups(ctx, backups.ListBackups("alice")).backups
    backups.lock_backup(ctx, backups.LockBackup(listing[0].id, until="60d", reason="legal hold, ticket 4711"))


def render_accounts(app, ctx, window, out: Path, tmp: Path, wait, settle, save) -> None:
    from desktop.ops.activity import SessionLog  # noqa: F401  (the window's own log records what it did)

    prepare(ctx, tmp)
    window.stop_background()
    done = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("carol", "offsite-nas", "files")))
    failed = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("kenji", "offsite-nas", "files")))
    queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("gustavo", "offsite-nas", "files")))
    import shutil

    shutil.rmtree(tmp / "homes" / "kenji")                  # this one fails: its home directory is gone
    queue.run_queue(ctx, queue.RunQueue(until_empty=True))
    _ = (done, failed)
    window.log_session("export", "Unit demo exported to demo-2027-05-03.uvault")

    page = window.accounts_page
    window.sidebar.setCurrentRow(1)
    wait(lambda: page.ever_loaded and page.model.row_of("lucia") is not None)
    settle()
    save(window, out, "main-accounts")
    page.expand("alice")
    wait(lambda: page.panel is not None)
    settle()
    save(window, out, "main-accounts-expanded")
    page.accounts_tab.tag.setCurrentIndex(page.accounts_tab.tag.findData("web"))
    page.search.setText("a")
    page.apply_filter()
    settle()
    save(window, out, "main-accounts-filtered")
    page.search.clear()
    page.accounts_tab.tag.setCurrentIndex(0)
    page.apply_filter()
    page.expand("alice")
    wait(lambda: page.panel is not None)

    panel = page.panel
    panel.manage.click()
    manage = _dialog(window, "manageAccountDialog")
    manage.excludes.setPlainText(".cache/\n*.log")
    wait(lambda: manage.preview is not None and manage.preview.patterns == (".cache/", "*.log"))
    settle()
    save(manage, out, "account-manage")
    manage.reset_button.click()
    reset = _dialog(window, "resetKeyDialog")
    reset.typed.setText("ali")
    settle()
    save(reset, out, "account-reset-key")
    reset.close()
    manage.close()
    panel.backup.click()
    on_demand = _dialog(window, "onDemandDialog")
    settle()
    save(on_demand, out, "account-backup-on-demand")
    on_demand.close()
    panel.tags.click()
    tag_dialog = _dialog(window, "accountTagsDialog")
    settle()
    save(tag_dialog, out, "account-tags")
    tag_dialog.close()

    panel.backups.click()
    listing = _dialog(window, "backupsDialog")
    wait(lambda: listing.model.rowCount() >= 3)
    listing.table.selectRow(1)
    settle()
    save(listing, out, "backups")
    listing.lock_button.click()
    lock = listing.lock_dialog
    lock.reason.setText("kept for the audit")
    lock.until.setChecked(True)
    settle()
    save(lock, out, "backups-lock")
    lock.close()
    listing.verify_button.click()
    wait(lambda: "Verified" in listing.message.text() or "problem" in listing.message.text())
    settle()
    save(listing, out, "backups-verified")

    # the restore wizard: items (the file browser), options, conditions, plan, result
    home = tmp / "homes" / "alice"
    (home / "docs" / "2027" / "report-q1.odt").unlink()
    listing.table.selectRow(next(i for i, b in enumerate(listing.model.rows)     # the newest with units
                                 if any(item.startswith("units") for item in b.items)))
    listing.restore_button.click()
    wizard = _dialog(window, "restoreWizard")
    settle()
    save(wizard, out, "restore-1-items")
    wizard.items_page.advanced.setChecked(True)
    browser = wizard.items_page.browser
    wait(lambda: bool(browser.models))
    model = browser.tree.model()
    _tick(model, ("Home directory", "docs", "2027", "report-q1.odt"))
    _tick(model, ("Home directory", "public_html", "index.html"))
    _tick(model, ("Units", "demo", "Plugins"))
    browser.tree.expand(_find(model, ("Home directory", "public_html")))
    settle()
    save(wizard, out, "restore-1-items-advanced")
    browser.search.setText("report")
    browser.apply_search()
    settle()
    save(wizard, out, "restore-1-items-search")
    browser.search.clear()
    wizard.next()
    settle()
    save(wizard, out, "restore-2-options")
    wizard.next()
    wizard.conditions_page.accept_box.setChecked(True)
    settle()
    save(wizard, out, "restore-3-conditions")
    wizard.next()
    wait(lambda: bool(wizard.plan_page.outcomes))
    settle()
    save(wizard, out, "restore-4-plan")
    window.start_background()
    wizard.button(QWizard.WizardButton.CommitButton).click()
    wait(wizard.restore_page.isComplete)
    settle(300)
    save(wizard, out, "restore-5-result")
    wizard.close()

    listing.table.selectRow(0)
    listing.download_button.click()
    download = _dialog(window, "downloadDialog")
    wait(lambda: bool(download.browser.models))
    _tick(download.browser.tree.model(), ("Home directory", "docs"))
    settle()
    save(download, out, "download")
    download.download()
    wait(lambda: not download.isVisible())
    listing.close()
    wait(lambda: not _pending(ctx))
    panel = page.panel
    if panel is None:
        page.expand("alice")
        wait(lambda: page.panel is not None)
        panel = page.panel
    panel.downloads.click()
    downloads = _dialog(window, "downloadsDialog")
    wait(lambda: downloads.model.rowCount() >= 1)
    settle()
    save(downloads, out, "downloads")
    downloads.close()
    window.stop_background()
    queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("dmitri", "offsite-nas")))
    queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("lucia", "local-disk")))
    cancelled = queue.queue_work(ctx, queue.QueueWork(backups.BackupNow("hana", "local-disk")))
    queue.cancel_item(ctx, queue.QueueRef(cancelled.id))

    page.tabs.setCurrentIndex(1)
    settle(300)
    save(window, out, "main-accounts-orphans")
    page.tabs.setCurrentIndex(0)

    window.sidebar.setCurrentRow(2)
    wait(lambda: window.queue_page.model.rowCount() >= 5)
    settle()
    save(window, out, "main-queue")
    window.sidebar.setCurrentRow(3)
    wait(lambda: len(window.activity_page.entries) >= 4)
    settle()
    save(window, out, "main-activity")

    settings_page = window.settings_page
    window.sidebar.setCurrentRow(4)
    for i, key in enumerate(("general", "destinations", "jobs", "tags", "priorities", "conditions")):
        settings_page.tabs.setCurrentIndex(i)
        settle(200)
        save(window, out, f"main-settings-{key}")
    settings_page.tabs.setCurrentIndex(1)
    tab = settings_page.destinations
    tab.add_button.click()
    dialog = tab.dialog
    dialog.name.setText("offsite-sftp")
    dialog.type.setCurrentIndex(dialog.type.findData("sftp"))
    dialog.host.setText("backup.example.com")
    dialog.user.setText("unitvault")
    dialog.key_file.setText("/home/admin/.ssh/unitvault_ed25519")
    dialog.remote.setText("/srv/backups")
    settle()
    save(dialog, out, "settings-destination-sftp")
    key = destinations.HostKey("backup.example.com", 22,
                               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHvVqv1bGcBZYNu2rD0w2sYw5p4l6b7m6q3oVSfQ1xkU",
                               "SHA256:9mX0p1k6uCFbcoh+Yr6z3b0cQv0l9V4mT9K8P7l0nHc")
    dialog._show_key(key)
    settle()
    save(dialog, out, "settings-destination-sftp-fingerprint")
    save(dialog.key_box, out, "settings-destination-host-key")
    dialog.key_box.done(0)
    dialog.close()
    settings_page.tabs.setCurrentIndex(2)
    jobs_tab = settings_page.jobs
    wait(lambda: jobs_tab.model.rowCount() == 2)
    jobs_tab.table.selectRow(0)
    jobs_tab.change()
    job = jobs_tab.dialog
    job.keep.setValue(1)
    wait(lambda: "<br>" in job.schedule_preview.text() and "If" not in job.retention_preview.text()
         and job.retention_preview.text() != "")
    settle(300)
    save(job, out, "settings-job")
    job.close()
    settings_page.tabs.setCurrentIndex(3)
    tags_tab = settings_page.tags
    tags_tab.add_button.click()
    tags_tab.dialog.name.setText("reseller")
    settle()
    save(tags_tab.dialog, out, "settings-tag")
    tags_tab.dialog.close()
    settings_page.tabs.setCurrentIndex(0)
    window.sidebar.setCurrentRow(0)


def _pending(ctx) -> bool:
    counts = queue.list_queue(ctx).counts
    return bool(counts.get("queued", 0) or counts.get("running", 0))


def _dialog(window, name: str):
    return next(d for d in reversed(window.open_dialogs) if d.objectName() == name)


def _find(model, labels):
    from PySide6.QtCore import QModelIndex

    parent = QModelIndex()
    for label in labels:
        parent = next(model.index(r, 0, parent) for r in range(model.rowCount(parent))
                      if model.data(model.index(r, 0, parent)) == label)
    return parent


def _tick(model, labels) -> None:
    model.setData(_find(model, labels), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
