"""Destinations for account backups: one small interface (put, get, list, stat, delete), adapters for
local folders, SFTP and S3, and wrappers (retries, bandwidth limit) that work around any of them.

Importing this package loads no backend library; ``open_destination`` imports the one it needs.
See docs/destinations.md.
"""

from core.destinations.base import (
                                    DESTINATION_TYPES,
                                    Destination,
                                    DestinationConfig,
                                    ObjectInfo,
                                    ProbeResult,
                                    check_key,
                                    check_prefix,
                                    describe,
                                    secret_name,
)
from core.destinations.factory import check_config, open_adapter, open_destination
from core.destinations.probe import test_destination
from core.destinations.wrappers import BandwidthLimitedDestination, RetryingDestination, TokenBucket

__all__ = [
    "DESTINATION_TYPES", "Destination", "DestinationConfig", "ObjectInfo", "ProbeResult", "check_key",
    "check_prefix", "describe", "secret_name", "check_config", "open_adapter", "open_destination",
    "test_destination", "BandwidthLimitedDestination", "RetryingDestination", "TokenBucket",
]
