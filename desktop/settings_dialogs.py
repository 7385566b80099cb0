"""Dialogs of the Settings tabs: a destination (type-specific form, secrets in password fields, an SFTP
server's host key shown by its fingerprint and pinned only when confirmed), a backup job (a readable
schedule with its next five runs, and what its retention would remove today), a tag (colour picker
and random colour), a priority group, a restore condition."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import fmt
from desktop.destination_fields import S3Fields, host_and_port
from desktop.dialogs import TaskDialog, say
from desktop.errors import describe
from desktop.icons import icon
from desktop.ops import destinations as destination_ops
from desktop.ops import jobs as job_ops
from desktop.ops import tags as tag_ops
from desktop.widgets import PasswordField, line_edit, path_row, scroll_body

SCHEDULES = ("daily@02:00", "hourly", "weekly@sun,03:00", "monthly@1,04:00", "monthly@last,04:00")
PREVIEW_MS = 300


def _row(*widgets) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    return row


# --- destinations ----------------------------------------------------------------------------------------
class DestinationDialog(TaskDialog):
    added = Signal(object)

    def __init__(self, ctx, runner, parent=None):
        super().__init__(ctx, runner, parent, title="Add a destination")
        self.setObjectName("destinationDialog")
        self.host_key = None              # core/app/destinations.py HostKey, once confirmed
        self.key_box = None
        outer = QVBoxLayout(self)
        form = QFormLayout()
        self.name = line_edit("Destination name", "e.g. offsite")
        form.addRow("&Name:", self.name)
        self.type = QComboBox()
        self.type.setAccessibleName("Destination type")
        for text, value in (("A folder on this computer or a mounted disk", "local"), ("An SFTP server", "sftp"),
                            ("An S3 bucket", "s3")):
            self.type.addItem(text, value)
        form.addRow("&Type:", self.type)
        outer.addLayout(form)
        self.stack = QStackedWidget()
        # local
        local = QWidget()
        lf = QFormLayout(local)
        self.path = line_edit("Folder")
        folder_row = path_row(self.path, self, "The destination folder", folder=True, text="Bro&wse…")
        lf.addRow("&Folder:", folder_row)
        lf.labelForField(folder_row).setBuddy(self.path)
        self.stack.addWidget(local)
        # sftp
        sftp = QWidget()
        sf = QFormLayout(sftp)
        self.host, self.port, host_row = host_and_port()
        sf.addRow("&Host:", host_row)
        sf.labelForField(host_row).setBuddy(self.host)
        self.user = line_edit("User name on the server")
        sf.addRow("&User:", self.user)
        self.key_file = line_edit("Private key file")
        key_row = path_row(self.key_file, self, "The private key file", folder=False, text="Choo&se…")
        sf.addRow("&Key file:", key_row)
        sf.labelForField(key_row).setBuddy(self.key_file)
        self.key_passphrase = PasswordField("The key file's passphrase")
        sf.addRow("Key &passphrase:", self.key_passphrase)
        self.remote = line_edit("Folder on the server", "optional; default: the user's home")
        sf.addRow("&Remote folder:", self.remote)
        self.pin = QRadioButton("Show the server's host key and pin it once I confirm its fingerprint")
        self.known = QRadioButton("Check it against a known_hosts file:")
        self.pin.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.pin)
        group.addButton(self.known)
        self.known_hosts = line_edit("known_hosts file", "~/.ssh/known_hosts")
        self.known_hosts.setEnabled(False)
        self.known.toggled.connect(self.known_hosts.setEnabled)
        hk = QVBoxLayout()
        hk.addWidget(self.pin)
        hk.addLayout(_row(self.known, self.known_hosts))
        self.fingerprint = QLabel("")
        self.fingerprint.setObjectName("hostKeyFingerprint")
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hk.addWidget(self.fingerprint)
        sf.addRow("Host key:", hk)
        self.stack.addWidget(sftp)
        # s3
        self.s3 = S3Fields(("&Endpoint:", "&Bucket:", "Pre&fix:", "Re&gion:", "&Access key id:", "Secret access ke&y:"))
        self.endpoint, self.bucket, self.prefix, self.region, self.access_key, self.secret_key = self.s3.fields()
        self.stack.addWidget(self.s3)
        outer.addWidget(self.stack)
        common = QFormLayout()
        self.bandwidth = line_edit("Bandwidth limit", "optional; e.g. 10M (bytes a second)")
        common.addRow("Bandwidth &limit:", self.bandwidth)
        outer.addLayout(common)
        self.state = QLabel("")
        self.state.setWordWrap(True)
        outer.addWidget(self.state)
        outer.addWidget(self.message)
        self.add_button = QPushButton(icon("plus"), "A&dd destination")
        self.add_button.clicked.connect(self.add)
        outer.addLayout(self.bottom_row(self.add_button))
        self.type.currentIndexChanged.connect(self._type_changed)
        for w in (self.host, self.known_hosts):
            w.textChanged.connect(self._forget_key)
        self.port.valueChanged.connect(self._forget_key)
        self.known.toggled.connect(self._forget_key)
        self._type_changed(0)
        self.first_focus = self.name
        self.finish_layout()
        self.add_button.setDefault(True)

    def kind(self) -> str:
        return self.type.currentData()

    def _type_changed(self, i: int) -> None:
        self.stack.setCurrentIndex(i)
        for page in range(self.stack.count()):
            w = self.stack.widget(page)
            w.setVisible(page == i)
        self.stack.setFixedHeight(self.stack.currentWidget().sizeHint().height())

    def _forget_key(self, *_a) -> None:
        self.host_key = None
        self.fingerprint.setText("")

    def request(self, host_key: str | None = None):
        kind = self.kind()
        common = dict(name=self.name.text().strip(), type=kind, bandwidth_limit=self.bandwidth.text().strip() or None)
        if kind == "local":
            return destination_ops.AddDestination(path=self.path.text().strip() or None, **common)
        if kind == "sftp":
            secret = self.key_passphrase.text().encode() or None
            return destination_ops.AddDestination(
                host=self.host.text().strip() or None, port=self.port.value(), user=self.user.text().strip() or None,
                key_file=self.key_file.text().strip() or None, path=self.remote.text().strip() or None,
                known_hosts=(self.known_hosts.text().strip() or None) if self.known.isChecked() else None,
                host_key=host_key, secret=secret, **common)
        return destination_ops.AddDestination(**self.s3.values(), **common)

    def add(self) -> None:
        if not self.add_button.isEnabled():
            return
        say(self.message, "")
        if self.kind() == "sftp" and self.pin.isChecked() and self.host_key is None:
            self.fetch_key()
            return
        self.add_button.setEnabled(False)
        self.state.setText("Connecting: the destination is saved once a small test object was written, read back "
                           "and removed…")
        key = self.host_key.key if self.host_key is not None and self.kind() == "sftp" else None
        self.run(destination_ops.add(self.ctx, self.request(key)), self._added, what="add destination",
                 activity="Adding a destination", on_failure=lambda _e: (self.add_button.setEnabled(True),
                                                                       self.state.setText("")))

    def fetch_key(self) -> None:
        host = self.host.text().strip()
        self.add_button.setEnabled(False)
        self.state.setText(f"Asking {host or 'the server'} for its host key (nothing is trusted yet)…")
        self.run(destination_ops.host_key(self.ctx, host, self.port.value()), self._show_key, what="host key",
                 on_failure=lambda _e: (self.add_button.setEnabled(True), self.state.setText("")))

    def _show_key(self, key) -> None:
        self.add_button.setEnabled(True)
        self.state.setText("")
        self.fingerprint.setText(f"{key.algorithm} {key.fingerprint}")
        self.key_box = self.ask(
            "Trust this server?",
            f"The server {key.host}:{key.port} presents this host key:\n\n{key.algorithm}  {key.fingerprint}",
            "&Trust it and add", lambda: self._trusted(key),
            detail="Compare the fingerprint with the one the server's administrator gives you (on the server: "
                   "ssh-keygen -l -f on its host key). Only trust it if they match: the app will then refuse any "
                   "other key.", keep_text="&Do not trust it")

    def _trusted(self, key) -> None:
        self.host_key = key
        self.add()

    def _added(self, info) -> None:
        self.state.setText("")
        self.key_passphrase.setText("")
        self.secret_key.setText("")
        self.finish(self.added, info)


# --- jobs --------------------------------------------------------------------------------------------------
class JobDialog(TaskDialog):
    saved = Signal(object)

    def __init__(self, ctx, runner, job=None, parent=None):
        super().__init__(ctx, runner, parent, title=f"Job {fmt.short(job.name, 40)}" if job else "Add a backup job")
        self.setObjectName("jobDialog")
        self.job = job
        self._serial = 0
        outer = QVBoxLayout(self)
        layout = scroll_body(outer)
        form = QFormLayout()
        self.name = line_edit("Job name", "e.g. nightly")
        if job is not None:
            self.name.setText(job.name)
            self.name.setReadOnly(True)
        form.addRow("&Name:", self.name)
        self.destination = QComboBox()
        self.destination.setAccessibleName("Destination")
        for name in destination_ops.names(ctx):
            self.destination.addItem(name)
        form.addRow("&Destination:", self.destination)
        layout.addLayout(form)

        who = QGroupBox("Accounts")
        wv = QVBoxLayout(who)
        self.all_accounts = QRadioButton("A&ll accounts")
        self.by_tag = QRadioButton("Accounts with the ta&g:")
        self.by_name = QRadioButton("These acco&unts:")
        group = QButtonGroup(self)
        for b in (self.all_accounts, self.by_tag, self.by_name):
            group.addButton(b)
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag")
        for t in tag_ops.listing(ctx):
            self.tag.addItem(t.name)
        self.usernames = line_edit("Usernames, separated by commas", "alice, bob")
        wv.addWidget(self.all_accounts)
        wv.addLayout(_row(self.by_tag, self.tag))
        wv.addLayout(_row(self.by_name, self.usernames))
        layout.addWidget(who)
        items = QHBoxLayout()
        self.item_boxes = {}
        for key, text in (("account", "Account &settings"), ("units", "Uni&ts"), ("files", "Home directory &files")):
            box = QCheckBox(text)
            box.setChecked(True)
            self.item_boxes[key] = box
            items.addWidget(box)
        items.addStretch(1)
        what = QGroupBox("What")
        what.setLayout(items)
        layout.addWidget(what)

        when = QGroupBox("When")
        wf = QFormLayout(when)
        self.schedule = QComboBox()
        self.schedule.setEditable(True)
        self.schedule.setAccessibleName("Schedule")
        self.schedule.addItems(SCHEDULES)
        self.schedule.setToolTip("hourly, daily@HH:MM, weekly@sun,HH:MM, monthly@1,HH:MM, monthly@last,HH:MM or a "
                                 "cron expression such as 15 3 * * 1-5")
        wf.addRow("Sc&hedule:", self.schedule)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.setAccessibleName("Time zone")
        local = job_ops.local_timezone()
        zones = sorted(zoneinfo.available_timezones())
        self.timezone.addItems(zones)
        self.timezone.setCurrentText(local)
        wf.addRow("Time &zone:", self.timezone)
        self.schedule_preview = QLabel("")
        self.schedule_preview.setObjectName("schedulePreview")
        self.schedule_preview.setWordWrap(True)
        self.schedule_preview.setTextFormat(Qt.TextFormat.RichText)
        wf.addRow("Next runs:", self.schedule_preview)
        self.enabled = QCheckBox("&Enabled: run on this schedule")
        self.enabled.setChecked(True)
        wf.addRow("", self.enabled)
        layout.addWidget(when)

        keep = QGroupBox("Retention")
        kf = QFormLayout(keep)
        self.keep = self._spin("Backups kept", 1, 10_000, 7)
        kf.addRow("&Keep the newest:", self.keep)
        self.keep_daily = self._spin("Daily backups kept (0: none)", 0, 10_000, 0)
        self.keep_weekly = self._spin("Weekly backups kept (0: none)", 0, 10_000, 0)
        self.keep_monthly = self._spin("Monthly backups kept (0: none)", 0, 10_000, 0)
        kf.addRow("And the newest of each of the last: da&ys", self.keep_daily)
        kf.addRow("&weeks", self.keep_weekly)
        kf.addRow("m&onths", self.keep_monthly)
        self.retention_preview = QLabel("")
        self.retention_preview.setObjectName("retentionPreview")
        self.retention_preview.setWordWrap(True)
        kf.addRow("If retention ran today:", self.retention_preview)
        self.removed = QListWidget()
        self.removed.setAccessibleName("Backups the retention would remove today")
        self.removed.setMaximumHeight(90)
        kf.addRow("", self.removed)
        layout.addWidget(keep)
        outer.addWidget(self.message)
        self.save_button = QPushButton(icon("check"), "Sa&ve job" if job else "&Add job")
        self.save_button.clicked.connect(self.save)
        outer.addLayout(self.bottom_row(self.save_button))
        self._load(job)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_MS)
        self.timer.timeout.connect(self.refresh_previews)
        for signal in (self.schedule.currentTextChanged, self.timezone.currentTextChanged):
            signal.connect(lambda *_: self.timer.start())
        for spin in (self.keep, self.keep_daily, self.keep_weekly, self.keep_monthly):
            spin.valueChanged.connect(lambda *_: self.timer.start())
        self.all_accounts.toggled.connect(self._accounts_changed)
        self.by_tag.toggled.connect(self._accounts_changed)
        self._accounts_changed()
        self.resize(720, 760)
        self.first_focus = self.destination if self.job else self.name
        self.finish_layout()
        self.save_button.setDefault(True)
        self.refresh_previews()

    def _spin(self, accessible: str, low: int, high: int, value: int) -> QSpinBox:
        s = QSpinBox()
        s.setRange(low, high)
        s.setValue(value)
        s.setAccessibleName(accessible)
        return s

    def _load(self, job) -> None:
        if job is None:
            self.all_accounts.setChecked(True)
            return
        self.destination.setCurrentText(job.destination)
        spec = job.accounts
        if spec.get("all"):
            self.all_accounts.setChecked(True)
        elif "tag" in spec:
            self.by_tag.setChecked(True)
            self.tag.setCurrentText(spec["tag"])
        else:
            self.by_name.setChecked(True)
            self.usernames.setText(", ".join(spec.get("usernames", [])))
        for key, box in self.item_boxes.items():
            box.setChecked(key in job.items)
        self.schedule.setCurrentText(job.schedule)
        self.timezone.setCurrentText(job.timezone)
        self.enabled.setChecked(job.enabled)
        self.keep.setValue(job.keep_last)
        self.keep_daily.setValue(job.keep_daily or 0)
        self.keep_weekly.setValue(job.keep_weekly or 0)
        self.keep_monthly.setValue(job.keep_monthly or 0)

    def _accounts_changed(self, *_a) -> None:
        self.tag.setEnabled(self.by_tag.isChecked())
        self.usernames.setEnabled(self.by_name.isChecked())

    def accounts_text(self) -> str:
        if self.all_accounts.isChecked():
            return "all"
        if self.by_tag.isChecked():
            return f"tag:{self.tag.currentText()}"
        return ",".join(n.strip() for n in self.usernames.text().split(",") if n.strip())

    def spec(self) -> job_ops.JobSpec:
        items = ",".join(k for k, b in self.item_boxes.items() if b.isChecked())
        return job_ops.JobSpec(self.name.text().strip(), self.destination.currentText() or None, self.accounts_text(),
                               items, self.schedule.currentText().strip(), self.timezone.currentText().strip() or None,
                               self.keep.value(), self.keep_daily.value() or None, self.keep_weekly.value() or None,
                               self.keep_monthly.value() or None, self.enabled.isChecked())

    def refresh_previews(self) -> None:
        self.timer.stop()
        self._serial += 1
        serial = self._serial

        def shown(preview, serial=serial):
            if serial != self._serial:
                return
            runs = "<br>".join(fmt.html_name(fmt.date_time(t.isoformat().replace("+00:00", "Z")), 80)
                               for t in preview.runs)
            self.schedule_preview.setText(f"<b>{fmt.html_name(preview.text, 120)}</b> ({preview.timezone})<br>{runs}")

        def failed(exc, serial=serial):
            if serial == self._serial:
                info = describe(exc)
                self.schedule_preview.setText(f"<b>{info.message if info else ''}</b>")
        self.runner.run(job_ops.preview_schedule(self.ctx, self.schedule.currentText(), self.timezone.currentText()),
                        name="schedule preview", lane="pool", on_success=shown, on_failure=failed, background=True)
        if self.job is None:
            self.retention_preview.setText("A new job has no backups yet: nothing would be removed.")
            return

        def retained(preview, serial=serial):
            if serial != self._serial:
                return
            self.removed.clear()
            kept = len(preview.decisions) - len(preview.remove)
            if not preview.remove:
                self.retention_preview.setText(f"Nothing would be removed; {fmt.count(kept, 'backup')} of this job "
                                               "kept.")
                return
            self.retention_preview.setText(f"{fmt.count(len(preview.remove), 'backup')} of this job would be "
                                           f"removed, {fmt.number(kept)} kept:")
            reasons = {d.backup_id: "; ".join(d.reasons) for d in preview.decisions}
            for backup_id in preview.remove:
                self.removed.addItem(f"{backup_id}: {reasons.get(backup_id, '')}")

        def not_retained(exc, serial=serial):
            if serial == self._serial:
                info = describe(exc)
                self.retention_preview.setText(info.message if info else "")
        self.runner.run(job_ops.preview_retention(self.ctx, self.spec()), name="retention preview", lane="pool",
                        on_success=retained, on_failure=not_retained, background=True)

    def save(self) -> None:
        say(self.message, "")
        task = job_ops.edit(self.ctx, self.spec()) if self.job else job_ops.add(self.ctx, self.spec())
        self.run(task, lambda r: self.finish(self.saved, r), what="save job")


# --- tags and priority groups ---------------------------------------------------------------------------------
class TagDialog(TaskDialog):
    saved = Signal(object)

    def __init__(self, ctx, runner, tag=None, parent=None):
        super().__init__(ctx, runner, parent, title=f"Tag {fmt.short(tag.name, 40)}" if tag else "Add a tag")
        self.setObjectName("tagDialog")
        self.tag = tag
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = line_edit("Tag name")
        if tag is not None:
            self.name.setText(tag.name)
        form.addRow("&Name:", self.name)
        self.color = tag.color if tag else tag_ops.random_color()
        self.swatch = QPushButton("&Colour…")
        self.swatch.setAccessibleName("Choose the tag's colour")
        self.random = QPushButton(icon("dice"), "&Random colour")
        self.random.setAccessibleName("A random readable colour")
        self.swatch.clicked.connect(self.pick)
        self.random.clicked.connect(lambda: self.set_color(tag_ops.random_color()))
        form.addRow("Colour:", _row(self.swatch, self.random))
        self.group = QComboBox()
        self.group.setAccessibleName("Priority group of accounts with this tag")
        self.group.addItem("None", None)
        for g in tag_ops.priorities(ctx)["groups"]:
            self.group.addItem(f"{g.name} ({fmt.number(g.value)})", g.name)
        if tag is not None and tag.priority_group:
            self.group.setCurrentIndex(max(0, self.group.findData(tag.priority_group)))
        form.addRow("&Priority group:", self.group)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.save_button = QPushButton(icon("check"), "&Save")
        self.save_button.clicked.connect(self.save)
        layout.addLayout(self.bottom_row(self.save_button))
        self.set_color(self.color)
        self.first_focus = self.name
        self.finish_layout()
        self.save_button.setDefault(True)

    def set_color(self, color: str) -> None:
        from desktop.chips import text_color

        self.color = color
        self.swatch.setStyleSheet(f"QPushButton {{ background: {color}; color: {text_color(color).name()}; }}")
        self.swatch.setToolTip(color)

    def pick(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color), self, "The tag's colour")
        if chosen.isValid():
            self.set_color(chosen.name())

    def save(self) -> None:
        group = self.group.currentData()
        if self.tag is None:
            task = tag_ops.add(self.ctx, self.name.text().strip(), self.color, group)
        else:
            rename = self.name.text().strip()
            task = tag_ops.edit(self.ctx, self.tag.name, rename=rename if rename != self.tag.name else None,
                                color=self.color, group=group)
        self.run(task, lambda r: self.finish(self.saved, r), what="save tag")

    def showEvent(self, event):  # noqa: N802
        super().showEvent(event)
        self.name.selectAll()


class PriorityDialog(TaskDialog):
    saved = Signal(object)

    def __init__(self, ctx, runner, group=None, parent=None):
        super().__init__(ctx, runner, parent, title=f"Priority group {group.name}" if group else "Add a priority group")
        self.setObjectName("priorityDialog")
        self.group = group
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Work runs by its group's value, lowest first (0 runs first, 1000 last)."))
        form = QFormLayout()
        self.name = line_edit("Group name")
        if group is not None:
            self.name.setText(group.name)
            self.name.setReadOnly(True)
        form.addRow("&Name:", self.name)
        self.value = QSpinBox()
        self.value.setRange(0, 1000)
        self.value.setValue(group.value if group else 30)
        self.value.setAccessibleName("Value: lower runs first")
        form.addRow("&Value:", self.value)
        layout.addLayout(form)
        layout.addWidget(self.message)
        self.save_button = QPushButton(icon("check"), "&Save")
        self.save_button.clicked.connect(self.save)
        layout.addLayout(self.bottom_row(self.save_button))
        self.first_focus = self.value if self.group else self.name
        self.finish_layout()
        self.save_button.setDefault(True)

    def save(self) -> None:
        self.run(tag_ops.set_priority(self.ctx, self.name.text().strip(), self.value.value()),
                 lambda r: self.finish(self.saved, r), what="priority group")


class ConditionDialog(TaskDialog):
    saved = Signal(object)

    def __init__(self, ctx, runner, parent=None):
        from desktop.ops import backups as backup_ops

        super().__init__(ctx, runner, parent, title="Add a restore condition")
        self.setObjectName("conditionDialog")
        self._add = backup_ops.add_condition
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Whoever restores must accept every condition first."))
        self.text = line_edit("Condition text", "e.g. I have told the account's owner about this restore.")
        label = QLabel("&Condition:")
        label.setBuddy(self.text)
        layout.addWidget(label)
        layout.addWidget(self.text)
        layout.addWidget(self.message)
        self.save_button = QPushButton(icon("plus"), "&Add condition")
        self.save_button.clicked.connect(self.save)
        layout.addLayout(self.bottom_row(self.save_button))
        self.resize(560, 160)
        self.first_focus = self.text
        self.finish_layout()
        self.save_button.setDefault(True)

    def save(self) -> None:
        self.run(self._add(self.ctx, self.text.text().strip()), lambda r: self.finish(self.saved, r), what="condition")


