"""Delivery: claims, sends, records; retries with backoff; permanent failures reach the office."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlmodel import Session

from dondoc.bootstrap import App
from engine.binding import create_code, redeem
from engine.commands import accept_report, acknowledge, submit_report
from engine.delivery import SendRate, claim, claim_capacity, deliver
from engine.digest import queue_daily_digest
from engine.models import Outbox, OutboxStatus, Person
from engine.notify import Delivered, Notification, PermanentDeliveryError
from engine.outbox import enqueue
from tests.integration.reminder_world import at, events, make_world, outbox, run_deliver, run_sweep
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock, RecordingNotifier


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
    from engine.notify import TransientDeliveryError

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
    assert report.sent == 1 and notifier.kinds() == ["delivery_failed"]  # the office hears, in the same pass
    # Later reminders to the unreachable person are skipped without a new alert storm.
    run_sweep(app, session, at("2024-07-22 08:00"))
    assert run_deliver(app, session, at("2024-07-22 08:00")).skipped == 1
    assert len(outbox(session, "delivery_failed")) == 1


def test_a_crashed_claim_is_retried_after_the_lease(app: App, session: Session, factory: Factory,
                                                    notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    lease = dt.timedelta(seconds=app.policy.claim_lease_seconds)
    assert len(claim(session, T0, limit=10, lease=lease).ids) == 1  # a claimer that then dies
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


# --- Claims, leases and what is checked again at delivery time ------------------------------------------

class SlowNotifier(RecordingNotifier):
    """Each send takes `seconds` on the test's clock; `during` runs in the middle of every send."""

    def __init__(self, clock: FixedClock, seconds: float, during: Callable[[], None] = lambda: None) -> None:
        super().__init__()
        self.clock, self.seconds, self.during = clock, seconds, during

    async def send(self, notification: Notification) -> Delivered:
        self.clock.advance(seconds=self.seconds)
        self.during()
        return await super().send(notification)


class ChatNotifier(RecordingNotifier):
    """Like the Telegram notifier: a recipient without a bound chat cannot be sent anything."""

    async def send(self, notification: Notification) -> Delivered:
        if notification.recipient.chat_id is None:
            raise PermanentDeliveryError(f"{notification.recipient.name} has not linked a Telegram chat")
        return await super().send(notification)


def _digests(session: Session, person: Person, count: int, now: dt.datetime = T0) -> None:
    for i in range(count):
        enqueue(session, key=f"test:{person.id}:{i}", kind="digest", person_id=person.id, directive_id=None,
                payload={}, not_before=now, now=now)
    session.commit()


def test_a_batch_outliving_its_lease_renews_it_and_no_competitor_takes_a_row(
        app: App, session: Session, factory: Factory, clock: FixedClock) -> None:
    w = make_world(factory)
    _digests(session, w.leader, 6)
    lease = app.policy.claim_lease_seconds
    competitor_claims: list[int] = []

    def compete() -> None:  # another deliverer (fast loop, flow run, CLI) tries at every moment
        with Session(app.engine) as other:
            competitor_claims.append(len(claim(other, clock.now, limit=100,
                                               lease=dt.timedelta(seconds=lease)).ids))

    app.notifier = notifier = SlowNotifier(clock, seconds=lease * 2 / 3, during=compete)
    report = asyncio.run(deliver(session, notifier, T0, policy=app.policy, calendar=app.calendar, clock=clock))
    assert clock.now - T0 > dt.timedelta(seconds=3 * lease)  # the batch took far longer than one lease
    assert report.sent == 6 and competitor_claims == [0] * 6
    assert sorted(n.outbox_id for n in notifier.sent) == [r.id for r in outbox(session)]  # each once
    assert {r.status for r in outbox(session)} == {OutboxStatus.sent}


def test_a_row_whose_claim_was_lost_is_never_sent(app: App, session: Session, factory: Factory,
                                                  clock: FixedClock) -> None:
    w = make_world(factory)
    _digests(session, w.leader, 4)
    lease = app.policy.claim_lease_seconds

    def take_over() -> None:  # our lease ran out (a stalled process) and another deliverer claimed the rest
        with Session(app.engine) as other:
            other.execute(update(Outbox).where(Outbox.status == OutboxStatus.sending, Outbox.id > 1)
                          .values(claim_token="another-host:1:abc"))
            other.commit()

    app.notifier = notifier = SlowNotifier(clock, seconds=lease / 2, during=take_over)
    report = asyncio.run(deliver(session, notifier, T0, policy=app.policy, calendar=app.calendar, clock=clock))
    assert [n.outbox_id for n in notifier.sent] == [1] and report.lost == 3
    rows = outbox(session)[1:]
    assert {(r.status, r.claim_token) for r in rows} == {(OutboxStatus.sending, "another-host:1:abc")}


def test_a_claim_takes_no_more_than_the_lease_can_send_to_one_chat(app: App, session: Session, factory: Factory,
                                                                   notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    _digests(session, w.leader, 40)
    _digests(session, w.vp_leader, 3)
    rows, per_chat = claim_capacity(app.policy, SendRate(per_chat_interval=1.0))
    assert (rows, per_chat) == (100, 15)  # half of the 30 s lease at one message a second
    first = claim(session, T0, limit=100, lease=dt.timedelta(seconds=30), per_person=per_chat)
    by_person = Counter(r.person_id for r in outbox(session) if r.id in first.ids)
    assert by_person == {w.leader.id: 15, w.vp_leader.id: 3}  # the other chat is not starved either
    report = run_deliver(app, session, T0 + dt.timedelta(minutes=1), limit=1000)
    assert report.sent == 43 and report.largest_claim <= 15 + 3


def test_a_crashed_claim_delays_a_message_by_at_most_a_minute(app: App, session: Session, factory: Factory,
                                                               notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    claim(session, T0, limit=10, lease=dt.timedelta(seconds=app.policy.claim_lease_seconds))  # then dies
    assert run_deliver(app, session, T0 + dt.timedelta(seconds=1)).claimed == 0
    assert run_deliver(app, session, T0 + dt.timedelta(minutes=1)).sent == 1


def test_quiet_hours_hold_a_backlog_at_delivery_too(app: App, session: Session, factory: Factory,
                                                    notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31), now=at("2024-04-22 20:50"))
    # Delivery was down; it comes back at 23:40 with the 20:50 message still due.
    report = run_deliver(app, session, at("2024-04-22 23:40"))
    assert (report.claimed, report.sent, report.deferred) == (1, 0, 1) and notifier.sent == []
    (row,) = outbox(session)
    assert (row.status, row.not_before, row.attempts) == (OutboxStatus.pending, at("2024-04-23 07:00"), 0)
    assert run_deliver(app, session, at("2024-04-23 06:59")).claimed == 0
    assert run_deliver(app, session, at("2024-04-23 07:00")).sent == 1


def test_reminders_that_piled_up_go_out_as_one_the_newest_step(app: App, session: Session, factory: Factory,
                                                               notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    run_deliver(app, session, T0)
    for day in ("2024-07-26", "2024-07-30", "2024-07-31"):  # sweeps ran; delivery did not (before:3, :1, due)
        run_sweep(app, session, at(f"{day} 08:00"))
    report = run_deliver(app, session, at("2024-07-31 08:05"))
    sent = [n for n in notifier.sent if n.directive and n.directive["id"] == d.id and n.kind != "assigned"]
    assert [(n.kind, n.payload["step"]) for n in sent] == [("due_today", "due")]
    assert report.superseded == 2
    older = [r for r in outbox(session) if r.kind == "reminder"]
    assert {r.status for r in older} == {OutboxStatus.failed}
    assert all(r.last_error.startswith("skipped: superseded") for r in older)  # type: ignore[union-attr]


def test_two_sweeps_before_a_delivery_send_one_reminder(app: App, session: Session, factory: Factory,
                                                         notifier: RecordingNotifier) -> None:
    """Issue 8.7: a late-evening sweep (held for the morning) and the morning's sweep, then one delivery."""
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    run_deliver(app, session, T0)
    run_sweep(app, session, at("2024-07-29 22:00"))  # before:1 (30/7 08:00) not yet due: nothing queued
    run_sweep(app, session, at("2024-07-30 22:00"))  # before:1 queued for 07:00 on 31/7
    run_sweep(app, session, at("2024-07-31 08:00"))  # due queued
    run_deliver(app, session, at("2024-07-31 08:00"))
    assert [n.kind for n in notifier.sent[1:]] == ["due_today"]


def test_messages_to_an_unbound_person_wait_for_the_binding(app: App, session: Session, factory: Factory) -> None:
    app.notifier = notifier = ChatNotifier()
    office = factory.office()
    stc = factory.agency("STC", "Sở Tài chính")
    stp = factory.agency("STP", "Sở Tư pháp")
    leader = factory.person("Nguyễn Văn An", agency=stc)  # invited, not bound yet
    factory.person("Lê Văn Tư", agency=stp)
    d1 = factory.assigned(stc, office, deadline=dt.date(2024, 4, 26))
    d2 = factory.assigned(stc, office, deadline=dt.date(2024, 7, 31))
    report = run_deliver(app, session, T0)
    assert report.held == 2 and notifier.sent == []
    run_sweep(app, session, at("2024-04-23 08:00"))  # d1's before:3 reminder, queued while still unbound
    assert run_deliver(app, session, at("2024-04-23 08:00")).held == 1
    session.refresh(leader)
    assert leader.reachable and outbox(session, "delivery_failed") == []  # nobody failed yet
    code = create_code(session, leader.id, at("2024-04-23 09:00"))  # type: ignore[arg-type]
    redeem(session, code, 5555, at("2024-04-24 10:00"))
    run_deliver(app, session, at("2024-04-24 10:00"))
    assert sorted((n.directive["id"], n.kind) for n in notifier.sent) == [  # type: ignore[index]
        (d1.id, "reminder"), (d2.id, "assigned")]  # the newest per directive
    assert {r.status for r in outbox(session)} == {OutboxStatus.sent, OutboxStatus.failed}


def test_a_hold_that_runs_out_fails_and_tells_the_office(app: App, session: Session, factory: Factory) -> None:
    app.notifier = ChatNotifier()
    w = make_world(factory)
    unbound = factory.person("Đỗ Minh Khoa", agency=w.vp)
    factory.assigned(w.vp, w.office, deadline=dt.date(2024, 7, 31))
    run_deliver(app, session, T0)
    (held,) = [r for r in outbox(session) if r.person_id == unbound.id]
    assert held.status == OutboxStatus.held
    assert held.not_before == T0 + dt.timedelta(hours=app.policy.hold_unbound_hours)
    run_deliver(app, session, held.not_before - dt.timedelta(minutes=1))
    assert [r.status for r in outbox(session) if r.person_id == unbound.id] == [OutboxStatus.held]
    run_deliver(app, session, at("2024-05-02 09:00"))  # the hold ended on 29/4, a day off: the next working day
    (row,) = [r for r in outbox(session) if r.person_id == unbound.id]
    assert row.status == OutboxStatus.failed and "not bound within 168 hours" in (row.last_error or "")
    (alert,) = outbox(session, "delivery_failed")
    assert alert.person_id == w.office.id and alert.payload["person_name"] == "Đỗ Minh Khoa"
