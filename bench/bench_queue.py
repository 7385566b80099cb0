"""The catalog at scale (issue 13's benchmark): 1,000 accounts, 50 jobs, a year of daily backups, and a
queue holding a month of finished items plus a day's work. Prints how long each answer takes; asserts
nothing.

Rows are inserted straight into the catalog (executemany) for speed. Each figure is the best of a few
runs of the use case in a warm process (what the desktop app pays), and a cold ``unitvault`` process for
the CLI commands (interpreter start and imports included).

    .venv/bin/python -m bench.bench_queue [--accounts 1000] [--jobs 50] [--days 365] [--keep DIR] [--postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    from core.support.clock import to_iso

    return to_iso(moment)


def fill(ctx, accounts: int, jobs: int, days: int, rnd: random.Random) -> dict:
    from core.catalog import tables as t
    from core.catalog.records import dumps

    catalog = ctx.catalog
    stamp = iso(NOW - dt.timedelta(days=days + 1))
    teams = max(1, jobs - 2)
    ids = [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(accounts)]
    counts = {}
    t0 = time.perf_counter()
    with catalog.write() as c:
        c.execute(t.accounts.insert(), [
            {"id": aid, "username": f"user{n:04d}", "email": "", "home_dir": f"/srv/user{n:04d}", "status": "active",
             "excludes": "[]", "encryption": "app", "created_at": stamp, "updated_at": stamp,
             "priority_group": "High" if n % 97 == 0 else None} for n, aid in enumerate(ids)])
        c.execute(t.tags.insert(), [{"name": f"team-{k:02d}", "color": "#3a7bd5", "created_at": stamp,
                                     "priority_group": "Low" if k % 5 == 0 else None} for k in range(teams)])
        c.execute(t.account_tags.insert(), [{"account_id": aid, "tag": f"team-{n % teams:02d}"}
                                            for n, aid in enumerate(ids)])
        c.execute(t.destinations.insert(), [{"name": f"dest{k}", "type": "local", "params": dumps({"path": f"/d{k}"}),
                                             "created_at": stamp} for k in range(4)])
        job_rows = []
        for k in range(teams):
            job_rows.append({"name": f"team-{k:02d}-nightly", "accounts": {"tag": f"team-{k:02d}"},
                             "schedule": f"daily@{k % 24:02d}:{(k * 7) % 60:02d}", "destination": f"dest{k % 4}"})
        job_rows.append({"name": "everyone-weekly", "accounts": {"all": True}, "schedule": "weekly@sun,03:00",
                         "destination": "dest0"})
        job_rows.append({"name": "chosen-hourly", "accounts": {"usernames": [f"user{n:04d}" for n in range(0, 1000, 10)]},
                         "schedule": "15 */2 * * 1-5", "destination": "dest1"})
        c.execute(t.jobs.insert(), [
            {"name": j["name"], "destination": j["destination"], "items": '["account","files","units"]',
             "accounts": dumps(j["accounts"]), "schedule": j["schedule"], "timezone": "Europe/Berlin",
             "keep_last": 7, "keep_daily": 366,                 # the year of daily backups is what they keep
             "enabled": True, "last_scheduled": iso(NOW - dt.timedelta(hours=1)), "created_at": stamp,
             "updated_at": stamp} for j in job_rows[:jobs]])
    counts["accounts, tags, jobs"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    batch = []
    with catalog.write() as c:
        for day in range(days):                 # night by night, every account, as a catalog grows
            for n, aid in enumerate(ids):
                team = n % teams
                when = NOW - dt.timedelta(days=days - day, hours=-(team % 24))
                batch.append({"id": f"{rnd.getrandbits(128):032x}", "account_id": aid, "destination": f"dest{team % 4}",
                              "created_at": iso(when), "kind": "scheduled", "items": '["account","files","units"]',
                              "size": 50 << 20, "new_data": 1 << 20, "encrypted": True, "encryption": "app",
                              "status": "complete", "file_count": 5000,
                              "info": dumps({"username": f"user{n:04d}", "units": []}),
                              "job": f"team-{team:02d}-nightly", "locked": day % 100 == 0})
            if len(batch) >= 20_000:
                c.execute(t.backups.insert(), batch)
                batch.clear()
        if batch:
            c.execute(t.backups.insert(), batch)
    counts["backups"] = time.perf_counter() - t0

    # the queue: 30 days of finished items, today's queued work, a few running
    t0 = time.perf_counter()
    rows = []
    for day in range(30, 0, -1):
        finished = iso(NOW - dt.timedelta(days=day - 1, hours=2))
        for n, aid in enumerate(ids):
            rows.append({"kind": "backup", "state": "done" if (n + day) % 50 else "failed", "priority": 50,
                         "priority_group": "Normal", "account_id": aid, "destination": f"dest{n % 4}",
                         "job": f"team-{n % teams:02d}-nightly", "scheduled_for": iso(NOW - dt.timedelta(days=day)),
                         "request": dumps({"account": aid, "destination": f"dest{n % 4}", "items": "all"}),
                         "created_at": finished, "started_at": finished, "finished_at": finished, "attempts": 1,
                         "max_attempts": 3, "result": dumps({"backup_id": f"{n:032x}"}),
                         "error": None if (n + day) % 50 else "The destination is full."})
    for n, aid in enumerate(ids):
        state = "running" if n < 8 else "queued"
        rows.append({"kind": "backup" if n % 10 else "restore", "state": state, "priority": 50 if n % 10 else 10,
                     "priority_group": "Normal" if n % 10 else "High", "account_id": aid, "destination": f"dest{n % 4}",
                     "job": None, "scheduled_for": None, "request": dumps({"account": aid}),
                     "created_at": iso(NOW - dt.timedelta(minutes=30)), "attempts": 1 if state == "running" else 0,
                     "max_attempts": 3, "worker": "bench/1" if state == "running" else None,
                     "started_at": iso(NOW - dt.timedelta(minutes=5)) if state == "running" else None,
                     "lease_until": iso(NOW + dt.timedelta(minutes=1)) if state == "running" else None,
                     "stage": "backing up files" if state == "running" else None})
    keys = sorted({k for r in rows for k in r})
    rows = [{k: r.get(k) for k in keys} for r in rows]      # executemany wants one set of keys
    with catalog.write() as c:
        for k in range(0, len(rows), 20_000):
            c.execute(t.queue_items.insert(), rows[k:k + 20_000])
    counts["queue items"] = time.perf_counter() - t0
    if catalog.engine.dialect.name == "postgresql":
        # A catalog that grew over a year has been vacuumed by autovacuum many times (index-only scans
        # need its visibility map); one that was filled a moment ago has not, yet.
        t0 = time.perf_counter()
        with catalog.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("VACUUM ANALYZE")
        counts["vacuum analyze (autovacuum's work)"] = time.perf_counter() - t0
    return {"filled": counts, "queue_rows": len(rows), "backups": accounts * days}


def row_per_backup(ctx):
    """The retention pass as it was before the catalog handed it series: one row of the eight columns
    per backup from the table, grouped and sorted in Python (``decide`` from rows)."""
    from sqlalchemy import select

    from core.app.backups import retention_policies
    from core.catalog import tables as t
    from core.jobs.retention import FIELDS, decide

    jobs, on_demand = retention_policies(ctx)
    b = t.backups
    with ctx.catalog.read() as c:
        rows = list(map(tuple, c.execute(select(*(b.c[f] for f in FIELDS))).cursor.fetchall()))
    return decide(rows, jobs, on_demand, ctx.clock.now())


def best(fn, runs: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def cli_seconds(home: Path, *argv: str, catalog: str | None = None) -> float:
    # Bytecode is cached as an installed app's is (pip compiles it at install), even where the environment
    # says not to write it: the best of several runs then measures start-up as users see it.
    env = {**os.environ, "UNITVAULT_SECRETS": "file"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if catalog is not None:
        env["UNITVAULT_CATALOG_DB"] = catalog
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "core", "--home", str(home), *argv], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=50)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--keep", metavar="DIR", help="build the catalog in DIR and keep it")
    ap.add_argument("--postgres", action="store_true",
                    help="the catalog in a throwaway PostgreSQL cluster on 127.0.0.1 (team mode), not SQLite")
    args = ap.parse_args()
    server = handle = None
    if args.postgres:
        from tests.servers import start_postgres

        server, handle = start_postgres(durable=True)
    try:
        return run(args, server)
    finally:
        if handle is not None:
            handle.stop()


def run(args, server) -> int:

    from core.app import backups, queue, schedule
    from core.app.context import AppContext
    from core.home import AppHome
    from core.support.clock import ManualClock

    tmp = None if args.keep else tempfile.TemporaryDirectory()
    base = Path(args.keep or tmp.name)
    catalog_url = server.url(server.create_database("bench")) if server is not None else None
    home = AppHome.resolve(base / "home", catalog=catalog_url)
    ctx = AppContext(home, clock=ManualClock(NOW))
    try:
        info = fill(ctx, args.accounts, args.jobs, args.days, random.Random(13))
        where = "PostgreSQL" if server is not None else \
            f"SQLite, {(base / 'home' / 'catalog.sqlite3').stat().st_size / 2**20:.0f} MiB on disk"
        print(f"Catalog: {args.accounts:,} accounts, {args.jobs} jobs, {info['backups']:,} backups "
              f"({args.days} days), {info['queue_rows']:,} queue items; {where}")
        print("  filled in " + ", ".join(f"{k} {v:.1f} s" for k, v in info["filled"].items()))
        print("Answers (best of 5, use case in a warm process):")
        figures = {}
        some = f"user{args.accounts // 2:04d}"
        secs, listing = best(lambda: backups.list_backups(ctx, backups.ListBackups(some)))
        figures["backup list"] = secs
        print(f"  backup list (one account)         {secs * 1000:7.1f} ms   {len(listing.backups):,} backups")
        secs, listing = best(lambda: queue.list_queue(ctx))
        figures["queue list"] = secs
        print(f"  queue list (default view)         {secs * 1000:7.1f} ms   {len(listing.items):,} items "
              f"(queued and running, finished in the last day)")
        secs, listing = best(lambda: queue.list_queue(ctx, queue.ListQueue("done")), runs=3)
        figures["queue list --state done"] = secs
        print(f"  queue list --state done           {secs * 1000:7.1f} ms   {len(listing.items):,} items "
              f"(the latest of {listing.counts['done']:,})")
        secs, upcoming = best(lambda: schedule.next_runs(ctx))
        figures["schedule next"] = secs
        print(f"  schedule next                     {secs * 1000:7.1f} ms   {len(upcoming)} jobs")
        secs, run = best(lambda: backups.run_retention(ctx, backups.RunRetention(dry_run=True)), runs=3)
        figures["retention pass (dry run)"] = secs
        removing = len(run.to_remove)
        print(f"  retention pass (dry run)          {secs * 1000:7.1f} ms   {len(run.decisions):,} decisions, "
              f"{removing:,} to remove")
        whole = run
        secs, rows = best(lambda: row_per_backup(ctx), runs=3)
        figures["retention, row per backup (reference)"] = secs
        same = sorted(rows.decisions) == sorted(whole.decisions)
        print(f"  retention, a row per backup       {secs * 1000:7.1f} ms   (the way before series, for reference: "
              f"{'the same' if same else 'DIFFERENT'} decisions)")
        secs, run = best(lambda: backups.run_retention(ctx, backups.RunRetention(dry_run=True, destination="dest0")),
                         runs=3)
        figures["retention pass, one destination"] = secs
        print(f"  retention pass, one destination   {secs * 1000:7.1f} ms   {len(run.decisions):,} decisions")

        claims = []
        ctx.catalog.queue.set_connection_limit(64)     # the running items fill the default lanes (2 per destination)
        for n in range(100):
            t0 = time.perf_counter()
            item = ctx.catalog.queue.claim(f"bench/{n}", lease_seconds=60)
            claims.append(time.perf_counter() - t0)
            if item is None:
                break
            ctx.catalog.queue.finish(item.id, f"bench/{n}", "done", result={})
        claims.sort()
        figures["claim"] = claims[len(claims) // 2]
        print(f"  claim (median of {len(claims)})             {claims[len(claims) // 2] * 1000:7.1f} ms   "
              f"(worst {claims[-1] * 1000:.1f} ms; claim and finish are one write transaction each)")
        ctx.clock.set(NOW + dt.timedelta(days=1))
        t0 = time.perf_counter()
        due = schedule.run_due(ctx)
        figures["schedule run-due"] = time.perf_counter() - t0
        print(f"  schedule run-due (a day later)    {figures['schedule run-due'] * 1000:7.1f} ms   "
              f"{due.items:,} items queued for {len(due.runs)} runs, {due.purged:,} finished items forgotten")
    finally:
        ctx.close()
    print("CLI, a cold process each (interpreter start and imports included; best of 3):")
    for argv in (("queue", "settings"), ("backup", "list", some, "--json"), ("queue", "list", "--json"),
                 ("schedule", "next", "--json")):
        secs = min(cli_seconds(home.root, *argv, catalog=catalog_url) for _ in range(3))
        figures["cli " + " ".join(argv[:2])] = secs
        print(f"  unitvault {' '.join(argv):<32}{secs * 1000:7.0f} ms"
              + ("   (start-up alone: reads two settings)" if argv[0:2] == ("queue", "settings") else ""))
    if tmp is not None:
        tmp.cleanup()
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
