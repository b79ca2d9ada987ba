"""Engine figures: fill N directives, then measure transitions per second and `stats` time.

    .venv/bin/python benchmarks/bench_engine.py [--n 100000] [--pg postgresql+psycopg://postgres@127.0.0.1/dondoc_bench]

Goal (issue 2): ≥ 500 transitions/s and stats over 100k directives in < 200 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import insert, text
from sqlmodel import Session

from engine import commands
from engine.calendar import WorkCalendar
from engine.db import make_engine, migrate
from engine.models import Agency, Directive, DirectiveEvent, Person, Role, State
from engine.stats import compute_stats

T0 = dt.datetime(2024, 4, 22, 2, 0, tzinfo=dt.UTC)


def fill(url: str, n: int) -> tuple[object, list[int], int, dict[int, int]]:
    """Bulk-create agencies, people and n assigned directives with their events."""
    engine = make_engine(url)
    migrate(engine)
    rng = random.Random(7)
    with Session(engine) as s:
        agencies = [Agency(code=f"A{i}", name=f"Sở {i}") for i in range(40)]
        s.add_all(agencies)
        s.flush()
        office = Person(name="Văn phòng", role=Role.office)
        leaders = {a.id: Person(name=f"Giám đốc {a.name}", role=Role.leader, agency_id=a.id) for a in agencies}
        s.add(office)
        s.add_all(leaders.values())
        s.commit()
        rows, events = [], []
        states = [State.assigned] * 6 + [State.in_progress] * 2 + [State.done, State.overdue]
        for i in range(1, n + 1):
            agency = agencies[i % len(agencies)]
            deadline = T0 + dt.timedelta(days=rng.randint(-60, 120)) if i % 9 else None
            state = states[i % len(states)]
            rows.append(dict(id=i, task=f"Nhiệm vụ {i}", ref=str(i), lead=agency.name, lead_agency_id=agency.id,
                             coordinators=[], review_flags=[], deadline=deadline, deadline_kind="date",
                             state=state.name, version=2, created_at=T0, updated_at=T0, assigned_at=T0,
                             done_at=T0 if state == State.done else None, confidence=1.0,
                             next_check_at=deadline if state in (State.assigned, State.in_progress) else None))
            events.append(dict(directive_id=i, seq=1, type="Drafted", actor="bench", at=T0, payload={}))
            events.append(dict(directive_id=i, seq=2, type="Assigned", actor="bench", at=T0, payload={}))
            if len(rows) >= 10_000:
                s.execute(insert(Directive), rows)
                s.execute(insert(DirectiveEvent), events)
                rows, events = [], []
        if rows:
            s.execute(insert(Directive), rows)
            s.execute(insert(DirectiveEvent), events)
        s.commit()
        leader_of = {a.id: leaders[a.id].id for a in agencies}
        return engine, [a.id for a in agencies], office.id, leader_of  # type: ignore[return-value]


def bench(url: str, n: int, transitions: int) -> None:
    t = time.perf_counter()
    engine, _, _, leader_of = fill(url, n)
    print(f"  filled {n:,} directives in {time.perf_counter() - t:.1f} s")
    with Session(engine, expire_on_commit=False) as s:
        # Directives still 'assigned' (see fill): half for one client, half for four concurrent clients.
        assigned = [i for i in range(1, n + 1) if i % 10 in (0, 1, 2, 3, 4, 5)]
        ids, rest = assigned[:transitions], assigned[transitions:2 * transitions]
        t = time.perf_counter()
        for d in ids:
            commands.acknowledge(s, d, actor_id=leader_of[(d % 40) + 1], now=T0)
        elapsed = time.perf_counter() - t
        print(f"  transitions, 1 client: {len(ids)} acknowledgements in {elapsed:.2f} s = {len(ids) / elapsed:,.0f}/s "
              f"(each its own transaction: event + projection + version check)")
        s.close()
        engine.dispose()  # type: ignore[attr-defined]  # no pooled connection may cross the fork
        elapsed = _concurrent(url, rest, leader_of, clients=2)
        print(f"  transitions, 2 processes: {len(rest)} in {elapsed:.2f} s = {len(rest) / elapsed:,.0f}/s")
        cal = WorkCalendar()
        for by in ("all", "agency"):
            times = []
            for _ in range(7):
                t = time.perf_counter()
                rows = compute_stats(s, T0 + dt.timedelta(days=30), by=by, calendar=cal)
                times.append((time.perf_counter() - t) * 1000)
                s.rollback()
            print(f"  stats --by {by:<6} over {n:,}: median {statistics.median(times):.0f} ms "
                  f"(min {min(times):.0f} ms, {len(rows)} rows)")
    engine.dispose()  # type: ignore[attr-defined]


def _work(url: str, part: list[int], leader_of: dict[int, int]) -> None:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        for d in part:
            commands.acknowledge(session, d, actor_id=leader_of[(d % 40) + 1], now=T0)
    engine.dispose()


def _concurrent(url: str, ids: list[int], leader_of: dict[int, int], clients: int) -> float:
    """Acknowledge `ids` from several processes (as the bot, flows and CLI are), seconds taken."""
    t = time.perf_counter()
    with ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_work, [url] * clients, [ids[i::clients] for i in range(clients)], [leader_of] * clients))
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--transitions", type=int, default=2000)
    parser.add_argument("--pg", help="PostgreSQL URL of an empty database to use (its public schema is reset)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"SQLite (WAL), {args.n:,} directives")
        bench(f"sqlite:///{Path(tmp) / 'bench.db'}", args.n, args.transitions)
    if args.pg:
        engine = make_engine(args.pg)
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            conn.commit()
        engine.dispose()
        print(f"PostgreSQL, {args.n:,} directives")
        bench(args.pg, args.n, args.transitions)


if __name__ == "__main__":
    main()
