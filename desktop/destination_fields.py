"""The fields of an S3 bucket destination, the same wherever a destination is configured: the admin's
destination dialog (Settings) and the My backups page. Each labels them with its own mnemonics."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from desktop.widgets import PasswordField, line_edit


def host_and_port() -> tuple:
    """An SFTP server's host name and port (22 by default) on one row, the port with its own label
    (Alt+O): (host field, port box, the row to put on a form)."""
    host = line_edit("Server host name")
    port = QSpinBox()
    port.setRange(1, 65535)
    port.setValue(22)
    port.setAccessibleName("Server port")
    label = QLabel("P&ort:")
    label.setBuddy(port)
    row = QHBoxLayout()
    row.addWidget(host, 1)
    row.addWidget(label)
    row.addWidget(port)
    return host, port, row


class S3Fields(QWidget):
    """Endpoint, bucket, prefix, region, access key id and secret on a form of their own; ``labels`` name
    them in that order."""

    def __init__(self, labels: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        form = QFormLayout(self)
        self.endpoint = line_edit("Endpoint URL", "optional; e.g. https://s3.example.com")
        self.bucket = line_edit("Bucket")
        self.prefix = line_edit("Prefix", "optional; a folder inside the bucket")
        self.region = line_edit("Region", "us-east-1")
        self.access_key = line_edit("Access key id")
        self.secret_key = PasswordField("Secret access key")
        for text, field in zip(labels, self.fields(), strict=True):
            form.addRow(text, field)

    def fields(self) -> tuple:
        return self.endpoint, self.bucket, self.prefix, self.region, self.access_key, self.secret_key

    def values(self) -> dict:
        """The bucket's settings as the destination requests of desktop/ops take them (empty: None)."""
        def text(edit) -> str | None:
            return edit.text().strip() or None
        return dict(endpoint=text(self.endpoint), bucket=text(self.bucket), prefix=text(self.prefix),
                    region=text(self.region), access_key_id=text(self.access_key),
                    secret=self.secret_key.text().encode() or None)
