"""The catalog: the app's own database (accounts, destinations, the backup index, the blob cache),
one module per aggregate (see core/catalog/database.py)."""

from core.catalog.accounts import check_username
from core.catalog.database import Catalog
from core.catalog.destinations import check_destination_name
from core.catalog.records import ACTIVE, DELETED, SUSPENDED, Account, BackupEntry

__all__ = ["Catalog", "Account", "BackupEntry", "ACTIVE", "SUSPENDED", "DELETED", "check_username",
           "check_destination_name"]
