"""Bulk fixtures for load tests and benchmarks: many open directives written with core inserts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import insert, text

from engine.db import make_engine, migrate
from engine.models import Agency, Directive, Person, Role, State
from engine.search import fold

T_ASSIGNED = dt.datetime(2024, 4, 22, 2, 0, tzinfo=dt.UTC)


def populate_open(
    url: str, count: int, *, agencies: int,
    deadline: Callable[[int], dt.datetime], next_check: Callable[[int], dt.datetime],
) -> None:
    """`agencies` agencies with one leader each, and `count` in-progress directives (ids 1…count)."""
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(insert(Agency), [{"id": i, "code": f"A{i}", "name": f"Sở {i}", "kind": "so", "aliases": []}
                                      for i in range(1, agencies + 1)])
        conn.execute(insert(Person), [{"id": i, "name": f"Lãnh đạo {i}", "title": "", "role": Role.leader.name,
                                       "agency_id": i, "reachable": True} for i in range(1, agencies + 1)])
    for start in range(1, count + 1, 20_000):
        rows = [{"id": i, "task": f"Nhiệm vụ {i}", "ref": str(i), "lead_agency_id": 1 + i % agencies,
                 "coordinators": [], "review_flags": [], "deadline": deadline(i), "deadline_kind": "date",
                 "confidence": 1.0, "state": State.in_progress.name, "version": 2, "next_check_at": next_check(i),
                 "created_at": T_ASSIGNED, "updated_at": T_ASSIGNED, "assigned_at": T_ASSIGNED,
                 "search_text": fold(f"{i} Nhiệm vụ {i}")}
                for i in range(start, min(start + 20_000, count + 1))]
        with engine.begin() as conn:
            conn.execute(insert(Directive), rows)
    if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them for later inserts
        with engine.begin() as conn:
            for table in ("agency", "person", "directive"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    engine.dispose()
