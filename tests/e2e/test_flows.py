"""Flow smoke tests under Prefect's test harness: each flow calls the engine and reports what it did."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session, col, select

from dondoc.bootstrap import App
from engine.delivery import deliver
from engine.errors import PermissionDenied
from engine.models import DirectiveEvent, Notice, Outbox, OutboxStatus, Person, Role
from engine.notify import Delivered, Notification
from engine.outbox import enqueue
from engine.policy import load_policy
from flows import SCHEDULES, TIMEZONE, use_app
from tests.support.factory import T0, Factory
from tests.support.fakes import RecordingNotifier
from tests.support.prefect import run_async

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "dev" / "00_seed_bac-giang-2024-04.txt"
AFTER = dt.datetime(2024, 5, 2, 3, 0, tzinfo=dt.UTC)  # Thursday 2/5/2024 10:00 in Hà Nội

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _overdue_directives(factory: Factory, count: int) -> list[int]:
    """`count` assigned directives, each with its own lead agency and leader, due on 26/4/2024."""
    office = factory.office()
    ids = []
    for n in range(count):
        agency = factory.agency(name=f"Sở Kế hoạch {n}")
        factory.person(agency=agency, telegram_chat_id=1000 + n)
        ids.append(factory.assigned(agency, office, deadline=dt.date(2024, 4, 26)).id)
    return ids


def _twice_at_once(call, *args):
    """Run a flow call twice at the same moment from two threads (a duplicated scheduled run)."""
    with ThreadPoolExecutor(2) as pool:
        return [f.result() for f in [pool.submit(lambda: run_async(call(*args))) for _ in range(2)]]


def test_advance_deadlines_records_deadline_passed(app: App, session: Session, factory: Factory) -> None:
    from flows.advance_deadlines import AdvanceParams, advance_deadlines

    [directive_id] = _overdue_directives(factory, 1)
    with use_app(app):
        summary = run_async(advance_deadlines(AdvanceParams(now=AFTER)))
    assert summary["overdue_marked"] == 1
    events = session.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == directive_id,
                                                       DirectiveEvent.type == "DeadlinePassed")).all()
    assert len(events) == 1
    # The true deadline (23:59:59 local on 26/4), not the time the sweep ran.
    assert events[0].payload["deadline"].startswith("2024-04-26T16:59:59")


def test_deliver_notifications_sends_through_the_notifier(app: App, session: Session, factory: Factory,
                                                          notifier: RecordingNotifier) -> None:
    from flows.deliver_notifications import DeliverParams, deliver_notifications

    _overdue_directives(factory, 1)
    with use_app(app):
        summary = run_async(deliver_notifications(DeliverParams(now=T0 + dt.timedelta(minutes=1))))
    assert notifier.kinds() == ["assigned"]
    assert summary["sent"] == 1
    statuses = session.exec(select(Outbox.status)).all()
    assert statuses == [OutboxStatus.sent]


def test_duplicate_runs_send_each_reminder_once(app: App, session: Session, factory: Factory,
                                               notifier: RecordingNotifier) -> None:
    from flows.advance_deadlines import AdvanceParams, advance_deadlines
    from flows.deliver_notifications import DeliverParams, deliver_notifications

    ids = _overdue_directives(factory, 6)
    with use_app(app):
        advanced = _twice_at_once(advance_deadlines, AdvanceParams(now=AFTER))
        delivered = _twice_at_once(deliver_notifications, DeliverParams(now=AFTER))
        # A later pass finds nothing left: every row was sent by exactly one of the two runs.
        assert run_async(deliver_notifications(DeliverParams(now=AFTER)))["claimed"] == 0

    assert sum(r["overdue_marked"] for r in advanced) == len(ids)
    passed = session.exec(select(DirectiveEvent.directive_id)
                          .where(DirectiveEvent.type == "DeadlinePassed")).all()
    assert sorted(passed) == sorted(ids)
    rows = session.exec(select(Outbox).order_by(col(Outbox.id))).all()
    assert {r.kind for r in rows} >= {"assigned", "overdue"}
    assert all(r.status == OutboxStatus.sent for r in rows)
    sent_ids = [n.outbox_id for n in notifier.sent]
    assert sorted(sent_ids) == [r.id for r in rows]  # each row sent once, none twice
    assert sum(r["sent"] for r in delivered) == len(rows)


def test_daily_digest_skips_non_working_days(app: App) -> None:
    pytest.importorskip("engine.digest", reason="engine.digest not yet available")
    from flows.daily_digest import DigestParams, daily_digest

    saturday = dt.datetime(2024, 4, 27, 0, 30, tzinfo=dt.UTC)  # 07:30 local
    labour_day = dt.datetime(2024, 5, 1, 0, 30, tzinfo=dt.UTC)
    with use_app(app):
        assert run_async(daily_digest(DigestParams(now=saturday)))["skipped"] == "not a working day"
        assert run_async(daily_digest(DigestParams(now=labour_day)))["skipped"] == "not a working day"
        monday = run_async(daily_digest(DigestParams(now=T0)))
    assert "skipped" not in monday and monday["date"] == "2024-04-22"


def test_ingest_notice_is_idempotent(app: App) -> None:
    try:
        from engine.ingest import extract_file  # noqa: F401
    except ImportError:
        pytest.skip("engine.ingest not yet complete")
    from flows.ingest_notice import IngestParams, ingest_notice

    with use_app(app):
        first = run_async(ingest_notice(IngestParams(path=SEED, now=T0)))
        again = run_async(ingest_notice(IngestParams(path=SEED, now=T0)))
    assert first["created"] and len(first["drafts"]) >= 5
    assert not again["created"] and again["notice_id"] == first["notice_id"]


def test_prefect_yaml_declares_the_embedded_schedules() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    declared = {}
    for deployment in spec["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        assert path == f"flows/{name}.py" and (ROOT / path).exists()
        assert deployment["work_pool"]["name"] == "dondoc-process"
        crons = [s for s in deployment.get("schedules") or [] if "cron" in s]
        assert all(s["timezone"] == TIMEZONE for s in crons)
        declared[name] = crons[0]["cron"] if crons else None
    assert declared == SCHEDULES


class _SlowSends:
    """Real time per send, counted per outbox row from several threads."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.lock, self.sends = seconds, threading.Lock(), Counter[int]()

    async def send(self, notification: Notification) -> Delivered:
        await asyncio.sleep(self.seconds)
        with self.lock:
            self.sends[notification.outbox_id] += 1
        return Delivered(message_id=notification.outbox_id)


def test_a_flow_run_and_the_fast_loop_at_once_past_the_lease_send_each_row_once(
        app: App, session: Session, tmp_path: Path) -> None:
    """Issues 12.4/13.8 from the scheduled side: a flow run's batch outlives the lease while the fast loop runs."""
    from dondoc.runtime import drain_outbox
    from flows.deliver_notifications import DeliverParams, deliver_notifications

    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("claim_lease_seconds: 1\n")
    slow = _SlowSends(0.1)
    started = time.monotonic()
    world = dataclasses.replace(app, settings=app.settings.model_copy(update={"policy_file": policy_file}),
                                policy=load_policy(policy_file), notifier=slow,
                                clock=lambda: T0 + dt.timedelta(seconds=time.monotonic() - started))
    people = [Person(name=f"Giám đốc Sở {i}", role=Role.leader, telegram_chat_id=300 + i) for i in range(4)]
    session.add_all(people)
    session.commit()
    for i in range(48):
        enqueue(session, key=f"t:{i}", kind="digest", person_id=people[i % 4].id, directive_id=None,
                payload={}, not_before=T0, now=T0)
    session.commit()
    done = threading.Event()

    def fast_loop() -> None:
        while not done.is_set():
            asyncio.run(drain_outbox(world))

    thread = threading.Thread(target=fast_loop)
    thread.start()
    try:
        while len(slow.sends) < 12 and thread.is_alive():  # 1.2 s: past the first claim's lease
            time.sleep(0.01)
        with use_app(world):
            summary = run_async(deliver_notifications(DeliverParams()))
    finally:
        done.set()
        thread.join()
    while asyncio.run(deliver(session, slow, world.now(), policy=world.policy)).claimed:
        pass  # whatever the two left (a claim lost to the other) goes out now
    assert len(slow.sends) == 48 and set(slow.sends.values()) == {1}
    assert summary["largest_claim"] <= 4
    claims = Counter(session.exec(select(Outbox.claim_token)).all())
    assert max(claims.values()) <= 4  # any claim: one row per chat, as a 1 s lease sends at 1 msg/s


def test_ingest_with_assign_and_no_actor_is_refused_before_any_work(app: App, session: Session,
                                                                    factory: Factory) -> None:
    from flows.ingest_notice import ingest_notice

    leader = factory.person("Nguyễn Văn An")
    with use_app(app):
        with pytest.raises(Exception, match="actor_id"):
            run_async(ingest_notice({"path": str(SEED), "assign": True, "now": T0.isoformat()}))
        with pytest.raises(PermissionDenied):
            run_async(ingest_notice({"path": str(SEED), "assign": True, "actor_id": leader.id,
                                     "now": T0.isoformat()}))
    assert session.exec(select(Notice)).all() == []  # nothing stored, nothing half-done
