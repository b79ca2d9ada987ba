"""On PostgreSQL: four concurrent sweep+deliver loops give exactly one row and one send per step; a claim
takes its batch and no more, whatever plan the planner picks."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, event, func, insert, text
from sqlmodel import Session, select

from engine.db import make_engine, migrate
from engine.delivery import claim, deliver
from engine.models import DirectiveEvent, Outbox
from engine.notify import Delivered, Notification
from engine.policy import Policy
from engine.sweep import sweep
from engine.timeutil import end_of_local_day
from tests.conftest import _pg_schema_url
from tests.integration.reminder_world import at
from tests.support.bulk import populate_open

PG_URL = os.environ.get("DONDOC_TEST_DATABASE_URL")
N = 10_000
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set DONDOC_TEST_DATABASE_URL "
                       "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/dondoc_test)"),
]


class CountingNotifier:
    """Thread-safe: counts sends per outbox row."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sends: Counter[int] = Counter()

    async def send(self, notification: Notification) -> Delivered:
        with self.lock:
            self.sends[notification.outbox_id] += 1
        return Delivered(message_id=notification.outbox_id)


@pytest.fixture
def pg_url() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(PG_URL, schema)  # type: ignore[arg-type]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def _populate(url: str, deadline: dt.datetime, check: dt.datetime) -> None:
    populate_open(url, N, agencies=50, deadline=lambda _: deadline, next_check=lambda _: check)


def test_four_concurrent_loops_send_each_step_once(pg_url: str) -> None:
    deadline = end_of_local_day(dt.date(2024, 7, 31))
    _populate(pg_url, deadline, at("2024-07-26 08:00"))
    now, policy, notifier, errors = at("2024-07-26 09:00"), Policy(), CountingNotifier(), []
    calendar = policy.calendar()

    def loop() -> None:
        engine = make_engine(pg_url)
        try:
            with Session(engine, expire_on_commit=False) as session:
                for _ in range(200):
                    swept = sweep(session, now, policy=policy, calendar=calendar, batch_size=250, limit=1000)
                    sent = asyncio.run(deliver(session, notifier, now, limit=250, policy=policy,
                                               calendar=calendar))
                    if swept.examined == 0 and sent.claimed == 0:
                        break
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=loop) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = make_engine(pg_url)
    with Session(engine) as session:
        rows = session.exec(select(Outbox.directive_id, Outbox.payload, Outbox.status)).all()
        per_step = Counter((d, p["step"]) for d, p, _ in rows)
        assert len(per_step) == N and set(per_step.values()) == {1}
        assert {s for _, _, s in rows} == {"sent"}
        events = session.exec(select(func.count()).select_from(DirectiveEvent)
                              .where(DirectiveEvent.type == "ReminderSent")).one()
        assert events == N
    engine.dispose()
    assert len(notifier.sends) == N and set(notifier.sends.values()) == {1}


PLANS = {  # planner settings that push the claim's IN (…) into other joins, as different tables do
    "default": {},
    "nested loop": {"enable_hashjoin": "off", "enable_mergejoin": "off", "enable_material": "off"},
    "merge join": {"enable_hashjoin": "off", "enable_nestloop": "off"},
    "no bitmap": {"enable_bitmapscan": "off", "enable_hashjoin": "off"},
}


@pytest.mark.parametrize("due", [384, 10_000])
def test_a_claim_takes_its_batch_and_no_more_whatever_the_plan(pg_url: str, due: int) -> None:
    """Issue 12.1: `id IN (SELECT … LIMIT 100 FOR UPDATE SKIP LOCKED)` became a nested-loop semi-join that
    re-ran the subquery per row, each run locking the next rows: 171 of 384 fresh rows claimed for 100."""
    setup = make_engine(pg_url)
    migrate(setup)
    now = at("2024-07-26 09:00")
    with setup.begin() as conn:  # a fresh table the planner knows nothing about (never analysed)
        conn.execute(text("ALTER TABLE outbox SET (autovacuum_enabled = false)"))
        conn.execute(insert(Outbox), [
            {"key": f"k{i}", "kind": "digest", "payload": {}, "status": "pending", "attempts": 0,
             "not_before": now - dt.timedelta(seconds=i % 7), "created_at": now, "person_id": None}
            for i in range(due)])
    setup.dispose()
    for plan, settings in PLANS.items():
        engine = make_engine(pg_url)

        @event.listens_for(engine, "connect")
        def _plan(dbapi_conn: object, _record: object, settings: dict[str, str] = settings) -> None:
            with dbapi_conn.cursor() as cur:  # type: ignore[attr-defined]
                for name, value in settings.items():
                    cur.execute(f"SET {name} = {value}")

        with Session(engine) as session:
            claims = [claim(session, now, limit=100, lease=dt.timedelta(seconds=30), per_person=100).ids
                      for _ in range(3)]
            assert [len(c) for c in claims] == [100, 100, 100], plan
            assert len(set().union(*claims)) == 300, plan  # disjoint
            session.execute(text("UPDATE outbox SET status = 'pending', claim_token = NULL"))  # for the next plan
            session.commit()
        engine.dispose()
