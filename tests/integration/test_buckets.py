"""The official buckets are stated three ways (a Python rule for one row, SQL filters for lists, one SQL CASE
for the counts); over every combination of state and times around the deadline they must agree."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select
from sqlmodel import Session

from engine.models import Directive, State
from engine.stats import BUCKETS, COUNTED, bucket_case, bucket_counts, bucket_expressions, bucket_of
from tests.support.factory import T0

NOW = T0
DEADLINES = (None, NOW - dt.timedelta(days=3), NOW, NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=30))


def _moments(deadline: dt.datetime | None) -> tuple[dt.datetime | None, ...]:
    """No time, before, at and after the deadline (or around now when there is none)."""
    at = deadline or NOW
    return None, at - dt.timedelta(hours=5), at, at + dt.timedelta(hours=5)


def _directives() -> list[Directive]:
    rows = []
    for state, deadline in itertools.product(State, DEADLINES):
        for reported_at, done_at in itertools.product(_moments(deadline), repeat=2):
            rows.append(Directive(task=f"{state} {deadline} {reported_at} {done_at}", state=state, deadline=deadline,
                                  reported_at=reported_at, done_at=done_at, created_at=NOW, updated_at=NOW))
    return rows


def test_the_three_statements_of_the_buckets_agree(session: Session) -> None:
    rows = _directives()
    session.add_all(rows)
    session.commit()
    soon = NOW + dt.timedelta(days=5)
    exprs = bucket_expressions(NOW, soon)
    stmt = select(Directive.id, bucket_case(NOW), *(exprs[b] for b in BUCKETS)).where(
        Directive.state.in_(COUNTED))  # type: ignore[attr-defined]
    by_sql = {r[0]: (r[1], [b for b, hit in zip(BUCKETS, r[2:], strict=True) if hit])
              for r in session.execute(stmt)}
    expected: dict[str, int] = dict.fromkeys(BUCKETS, 0)
    for d in rows:
        bucket = bucket_of(d, NOW)
        if d.state not in COUNTED:
            assert bucket is None and d.id not in by_sql
            continue
        expected[bucket] += 1  # type: ignore[index]
        case_bucket, filters = by_sql[d.id]
        assert (case_bucket, filters) == (bucket, [bucket]), d.task  # exactly one filter selects it, the same
    [((), counts)] = bucket_counts(session, NOW)
    assert {b: counts[b] for b in BUCKETS} == expected and counts["total"] == sum(expected.values())
    assert all(expected.values())  # every bucket was exercised
