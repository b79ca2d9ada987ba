"""Delivery: claims, sends, records; retries with backoff; permanent failures reach the office."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session

from dondoc.bootstrap import App
from engine.commands import accept_report, acknowledge, submit_report
from engine.delivery import claim
from engine.digest import queue_daily_digest
from engine.models import OutboxStatus, Person
from tests.integration.reminder_world import at, events, make_world, outbox, run_deliver, run_sweep
from tests.support.factory import T0, Factory
from tests.support.fakes import RecordingNotifier


def test_sends_due_rows_and_records_them(app: App, session: Session, factory: Factory,
                                         notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31), coordinators=["Văn phòng UBND tỉnh"])
    report = run_deliver(app, session, T0)
    assert (report.claimed, report.sent) == (2, 2)
    assert sorted(notifier.kinds()) == ["assigned", "coordinator_info"]
    sent = notifier.sent[0]
    assert sent.recipient.chat_id in (1001, 1002) and sent.directive["id"] == d.id
    assert sent.directive["deadline_date"] == "2024-07-31" and sent.directive["lead"] == "Sở Tài chính"
    assert sent.directive["notice_title"] is None and sent.directive["days_left"] == 70
    rows = outbox(session)
    assert {r.status for r in rows} == {OutboxStatus.sent}
    assert all(r.sent_at == T0 and r.message_id for r in rows)
    assert run_deliver(app, session, T0).claimed == 0  # idempotent
    assert len(notifier.sent) == 2


def test_quiet_hours_hold_messages_until_morning(app: App, session: Session, factory: Factory,
                                                 notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31), now=at("2024-04-22 22:15"))
    (row,) = outbox(session)
    assert row.not_before == at("2024-04-23 07:00")
    assert run_deliver(app, session, at("2024-04-23 06:59")).claimed == 0
    assert run_deliver(app, session, at("2024-04-23 07:00")).sent == 1


def test_transient_failures_back_off_and_honour_retry_after(app: App, session: Session, factory: Factory,
                                                           notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    notifier.transient_failures[w.leader.id] = 2  # type: ignore[index]
    assert run_deliver(app, session, T0).retried == 1
    (row,) = outbox(session)
    assert (row.status, row.attempts, row.not_before) == (OutboxStatus.pending, 1, T0 + dt.timedelta(seconds=30))
    assert run_deliver(app, session, T0 + dt.timedelta(seconds=29)).claimed == 0
    run_deliver(app, session, T0 + dt.timedelta(seconds=30))
    (row,) = outbox(session)
    assert (row.attempts, row.not_before) == (2, T0 + dt.timedelta(seconds=90))  # 30 s, then 60 s
    assert run_deliver(app, session, T0 + dt.timedelta(seconds=90)).sent == 1
    assert outbox(session)[0].status == OutboxStatus.sent


@pytest.mark.parametrize("retry_after", [300, 1])
def test_retry_after_is_honoured_exactly(app: App, session: Session, factory: Factory, retry_after: int) -> None:
    """Telegram's 429 says when to come back: neither sooner (300 s > backoff) nor later (1 s < backoff)."""
    from engine.notify import Delivered, Notification, TransientDeliveryError

    class Limited:
        async def send(self, n: Notification) -> Delivered:
            raise TransientDeliveryError("Flood control exceeded", retry_after=retry_after)

    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    app.notifier = Limited()
    run_deliver(app, session, T0)
    assert outbox(session)[0].not_before == T0 + dt.timedelta(seconds=retry_after)


def test_max_attempts_fail_and_alert_the_office(app: App, session: Session, factory: Factory,
                                                notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    app.policy = app.policy.merged({"max_attempts": 2})
    notifier.transient_failures[w.leader.id] = 5  # type: ignore[index]
    run_deliver(app, session, T0)
    run_deliver(app, session, T0 + dt.timedelta(hours=1))
    failed = [r for r in outbox(session) if r.kind == "assigned"]
    assert failed[0].status == OutboxStatus.failed and failed[0].attempts == 2
    (alert,) = outbox(session, "delivery_failed")
    assert alert.person_id == w.office.id and alert.payload["permanent"] is False
    session.refresh(w.leader)
    assert w.leader.reachable  # transient trouble does not mark anyone unreachable


def test_permanent_failure_marks_unreachable_and_records_event(app: App, session: Session, factory: Factory,
                                                               notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    notifier.blocked.add(w.leader.id)  # type: ignore[arg-type]
    report = run_deliver(app, session, T0)
    assert report.failed == 1
    session.refresh(w.leader)
    assert w.leader.reachable is False
    (failed,) = events(session, d.id, "DeliveryFailed")  # type: ignore[arg-type]
    assert failed.payload["person_id"] == w.leader.id and "blocked" in failed.payload["error"]
    (alert,) = outbox(session, "delivery_failed")
    assert alert.payload["permanent"] is True and alert.payload["person_name"] == "Nguyễn Văn An"
    assert run_deliver(app, session, T0).sent == 1  # the office hears about it
    assert notifier.kinds() == ["delivery_failed"]
    # Later reminders to the unreachable person are skipped without a new alert storm.
    run_sweep(app, session, at("2024-07-22 08:00"))
    assert run_deliver(app, session, at("2024-07-22 08:00")).skipped == 1
    assert len(outbox(session, "delivery_failed")) == 1


def test_a_crashed_claim_is_retried_after_the_lease(app: App, session: Session, factory: Factory,
                                                    notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    lease = dt.timedelta(seconds=app.policy.claim_lease_seconds)
    assert len(claim(session, T0, limit=10, lease=lease)) == 1  # a claimer that then dies
    assert run_deliver(app, session, T0 + lease).claimed == 0  # still leased
    assert run_deliver(app, session, T0 + lease + dt.timedelta(seconds=1)).sent == 1
    assert outbox(session)[0].attempts == 2


def test_obsolete_reminders_are_skipped(app: App, session: Session, factory: Factory,
                                        notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    run_deliver(app, session, T0)
    run_sweep(app, session, at("2024-07-22 20:30"))  # queued for 07:00 next morning (quiet hours)
    acknowledge(session, d.id, actor_id=w.leader.id, now=at("2024-07-22 20:40"))  # type: ignore[arg-type]
    submit_report(session, d.id, actor_id=w.leader.id, now=at("2024-07-22 20:45"), text="Xong")  # type: ignore[arg-type]
    accept_report(session, d.id, actor_id=w.office.id, now=at("2024-07-22 20:50"))  # type: ignore[arg-type]
    report = run_deliver(app, session, at("2024-07-23 07:00"))
    assert report.skipped == 1
    assert "reminder" not in notifier.kinds() and "report_accepted" in notifier.kinds()


def test_daily_digest_once_per_person_per_day(app: App, session: Session, factory: Factory,
                                              notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 5, 22))
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 5, 31))
    factory.assigned(w.stc, w.office)
    now = at("2024-05-20 07:30")
    assert queue_daily_digest(session, now, calendar=app.calendar) == 2  # the lead's leader and the office
    assert queue_daily_digest(session, now + dt.timedelta(hours=3), calendar=app.calendar) == 0
    assert queue_daily_digest(session, at("2024-05-25 07:30"), calendar=app.calendar) == 0  # Saturday
    digests = {r.person_id: r.payload for r in outbox(session, "digest")}
    assert digests[w.leader.id]["counts"] == {"overdue": 0, "due_soon": 1, "in_time": 1, "reported": 0,
                                              "no_deadline": 1}
    assert digests[w.office.id]["scope"] == "province"
    assert digests[w.office.id]["agencies"][0]["name"] == "Sở Tài chính"
    run_deliver(app, session, now)
    texts = [n for n in notifier.sent if n.kind == "digest"]
    assert len(texts) == 2
    assert session.get(Person, w.leader.id).reachable  # type: ignore[union-attr]
