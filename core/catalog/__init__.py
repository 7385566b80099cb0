"""The catalog: the app's own database (accounts, destinations, snapshot index, known blobs)."""

from core.catalog.catalog import Catalog, check_destination_name, check_username
from core.catalog.records import ACTIVE, DELETED, SUSPENDED, Account, BackupEntry

__all__ = ["Catalog", "Account", "BackupEntry", "ACTIVE", "SUSPENDED", "DELETED", "check_username",
           "check_destination_name"]
