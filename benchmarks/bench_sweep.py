"""Sweep cost at 10k, 100k and 1M open directives with the same 1,000 due; delivery rate to a null stream;
the cost of one delivery claim (100 rows, 15 per chat) from a backlog of 1k, 10k and 100k due outbox rows.

Usage: python benchmarks/bench_sweep.py [--sizes 10000,100000,1000000] [--backlogs 1000,10000,100000] [--pg URL]
(PostgreSQL also runs when DONDOC_TEST_DATABASE_URL is set.)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlmodel import Session

from engine.db import make_engine, migrate
from engine.delivery import claim, deliver
from engine.models import Outbox
from engine.policy import Policy
from engine.sweep import sweep
from engine.timeutil import end_of_local_day, parse_instant
from notifiers.console import ConsoleNotifier
from tests.support.bulk import populate_open

DUE = 1_000
NOW = parse_instant("2024-07-26T09:00")
CHECK = parse_instant("2024-07-26T08:00")
LATER = parse_instant("2024-12-20T08:00")
DUE_DEADLINE = end_of_local_day(dt.date(2024, 7, 31))
LATER_DEADLINE = end_of_local_day(dt.date(2025, 1, 10))


def populate(url: str, size: int) -> None:
    """`size` open directives in 100 agencies, DUE of them due now."""
    def due(i: int) -> bool:
        return i % (size // DUE) == 0

    populate_open(url, size, agencies=100,
                  deadline=lambda i: DUE_DEADLINE if due(i) else LATER_DEADLINE,
                  next_check=lambda i: CHECK if due(i) else LATER)


def measure(url: str, size: int) -> tuple[float, float]:
    """Seconds for one sweep of the due directives, and messages per second delivered."""
    populate(url, size)
    engine = make_engine(url)
    policy = Policy()
    calendar = policy.calendar()
    with Session(engine, expire_on_commit=False) as session:
        start = time.perf_counter()
        report = sweep(session, NOW, policy=policy, calendar=calendar)
        swept = time.perf_counter() - start
        assert report.examined == DUE, report
        notifier = ConsoleNotifier(stream=io.StringIO())
        start = time.perf_counter()
        sent = asyncio.run(deliver(session, notifier, NOW, limit=DUE, policy=policy, calendar=calendar))
        rate = sent.sent / (time.perf_counter() - start)
    engine.dispose()
    return swept, rate


def measure_claim(url: str, backlog: int, people: int = 200) -> float:
    """Median seconds of one claim (a batch of 100, 15 per chat) from `backlog` due rows."""
    from sqlalchemy import insert

    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        for start in range(0, backlog, 20_000):
            conn.execute(insert(Outbox), [
                {"key": f"b{i}", "kind": "digest", "payload": {}, "status": "pending", "attempts": 0,
                 "not_before": NOW - dt.timedelta(seconds=i % 600), "created_at": NOW, "person_id": None}
                for i in range(start, min(start + 20_000, backlog))])
    times = []
    with Session(engine, expire_on_commit=False) as session:
        for _ in range(5):
            start = time.perf_counter()
            got = claim(session, NOW, limit=100, lease=dt.timedelta(seconds=30), per_person=15)
            times.append(time.perf_counter() - start)
            assert len(got.ids) <= 100
    engine.dispose()
    return sorted(times)[len(times) // 2]


def pg_schema(base: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backlogs", default="1000,10000,100000")
    parser.add_argument("--pg", default=os.environ.get("DONDOC_TEST_DATABASE_URL"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = ["sqlite"] + (["postgresql"] if args.pg else [])
    for backend in backends:
        for backlog in [int(b) for b in args.backlogs.split(",") if b]:
            url, schema = (f"sqlite:///{tempfile.mkdtemp(prefix='dondoc-bench-')}/bench.db", None) \
                if backend == "sqlite" else pg_schema(args.pg)
            try:
                took = measure_claim(url, backlog)
            finally:
                if schema:
                    with create_engine(args.pg, isolation_level="AUTOCOMMIT").connect() as conn:
                        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            print(f"{backend:10} claim of 100 from {backlog:>7,} due rows: {took * 1000:.1f} ms", flush=True)
    for backend in backends:
        results = {}
        for size in sizes:
            if backend == "sqlite":
                url = f"sqlite:///{tempfile.mkdtemp(prefix='dondoc-bench-')}/bench.db"
                results[size] = measure(url, size)
            else:
                url, schema = pg_schema(args.pg)
                try:
                    results[size] = measure(url, size)
                finally:
                    with create_engine(args.pg, isolation_level="AUTOCOMMIT").connect() as conn:
                        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            swept, rate = results[size]
            print(f"{backend:10} {size:>9,} open, {DUE} due: sweep {swept:.3f} s; delivery {rate:,.0f} msg/s",
                  flush=True)
        first, last = results[sizes[0]][0], results[sizes[-1]][0]
        print(f"{backend:10} sweep({sizes[-1]:,}) / sweep({sizes[0]:,}) = {last / first:.2f}", flush=True)


if __name__ == "__main__":
    main()
