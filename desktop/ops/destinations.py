"""Destinations: list, add (with a connection check), test (latency and throughput), remove; an SFTP
server's host key fetched without trusting it, pinned by adding the destination with it."""

from __future__ import annotations

from core.app import destinations
from desktop.ops import Task

AddDestination = destinations.AddDestination


def listing(ctx) -> Task:
    def fn(reporter):
        return destinations.list_destinations(ctx, reporter=reporter)
    return fn


def names(ctx) -> list[str]:
    """Destination names (one small query)."""
    return [d.name for d in destinations.list_destinations(ctx)]


def add(ctx, request: destinations.AddDestination) -> Task:
    def fn(reporter):
        return destinations.add_destination(ctx, request, reporter=reporter)
    return fn


def probe(ctx, name: str, size_mib: float = 4.0) -> Task:
    def fn(reporter):
        return destinations.probe_destination(ctx, destinations.ProbeDestination(name, size_mib), reporter=reporter)
    return fn


def remove(ctx, name: str) -> Task:
    def fn(reporter):
        return destinations.remove_destination(ctx, destinations.RemoveDestination(name, confirmed=True),
                                               reporter=reporter)
    return fn


def host_key(ctx, host: str, port: int) -> Task:
    def fn(reporter):
        return destinations.fetch_host_key(ctx, destinations.FetchHostKey(host, port), reporter=reporter)
    return fn


def scan(ctx, name: str) -> Task:
    def fn(reporter):
        return destinations.scan_destination(ctx, destinations.ScanDestination(name), reporter=reporter)
    return fn
