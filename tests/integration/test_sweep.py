"""The sweep: deadlines recorded truthfully, one row per step, idempotent, no burst after downtime."""

from __future__ import annotations

import datetime as dt
import threading

from sqlmodel import Session

from dondoc.bootstrap import App
from engine.commands import acknowledge, grant_extension, submit_report
from engine.models import Directive, State
from engine.sweep import sweep
from engine.timeutil import end_of_local_day
from tests.integration.reminder_world import at, events, make_world, outbox, run_sweep
from tests.support.factory import Factory


def test_deadline_passed_keeps_the_true_deadline_when_late(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 5, 31))
    report = run_sweep(app, session, at("2024-06-04 10:00"))  # three days late
    assert report.overdue_marked == 1
    session.refresh(d)
    assert d.state == State.overdue
    assert d.overdue_at == end_of_local_day(dt.date(2024, 5, 31))
    (passed,) = events(session, d.id, "DeadlinePassed")  # type: ignore[arg-type]
    assert passed.payload["deadline"] == end_of_local_day(dt.date(2024, 5, 31)).isoformat()


def test_sweep_twice_at_the_same_now_adds_nothing(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    now = at("2024-07-26 08:05")
    first = run_sweep(app, session, now)
    rows, evs = len(outbox(session)), len(events(session, d.id))  # type: ignore[arg-type]
    second = run_sweep(app, session, now)
    assert (first.reminders, second.examined) == (1, 0)
    assert (len(outbox(session)), len(events(session, d.id))) == (rows, evs)  # type: ignore[arg-type]


def test_catch_up_after_downtime_sends_only_the_latest_step(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    # Down from before the 7-day reminder until the 5th overdue working day: one overdue message to the
    # lead and one escalation to the supervisor, nothing for the missed before:7/3/1, due and overdue:1/3.
    report = run_sweep(app, session, at("2024-08-07 10:00"))
    assert (report.overdue_marked, report.reminders, report.escalations) == (1, 1, 1)
    reminders = [(r.kind, r.person_id, r.payload["step"]) for r in outbox(session) if r.kind != "assigned"
                 and r.kind != "coordinator_info"]
    assert reminders == [("overdue", w.leader.id, "overdue:5"), ("escalation", w.supervisor.id, "overdue:5")]
    (sent,) = events(session, d.id, "ReminderSent")  # type: ignore[arg-type]
    assert sent.payload["step"] == "overdue:5"
    session.refresh(d)
    assert d.next_check_at == at("2024-08-09 08:00")  # overdue:7


def test_escalation_is_sent_once_per_deadline(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    for day in ("2024-08-07 08:00", "2024-08-09 08:00", "2024-08-13 08:00"):
        run_sweep(app, session, at(day))
    assert [r.person_id for r in outbox(session, "escalation")] == [w.supervisor.id]
    assert [r.payload["step"] for r in outbox(session, "overdue")] == ["overdue:5", "overdue:7", "overdue:9"]


def test_granted_extension_resets_the_steps(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    run_sweep(app, session, at("2024-07-22 08:00"))  # before:7 of the first deadline
    grant_extension(session, d.id, actor_id=w.office.id, now=at("2024-07-22 10:00"),  # type: ignore[arg-type]
                    new_deadline=end_of_local_day(dt.date(2024, 8, 30)))
    run_sweep(app, session, at("2024-08-21 08:00"))  # before:7 of the new deadline
    steps = [(r.payload["step"], r.payload["deadline"][:10]) for r in outbox(session, "reminder")]
    assert steps == [("before:7", "2024-07-31"), ("before:7", "2024-08-30")]


def test_reported_and_done_directives_leave_the_index(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    acknowledge(session, d.id, actor_id=w.leader.id, now=at("2024-04-23 09:00"))  # type: ignore[arg-type]
    submit_report(session, d.id, actor_id=w.leader.id, now=at("2024-05-02 09:00"), text="Đã hoàn thành")  # type: ignore[arg-type]
    session.refresh(d)
    assert d.state == State.reported and d.next_check_at is None
    assert run_sweep(app, session, at("2024-08-30 09:00")).examined == 0


def test_undated_directive_is_nudged(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office)
    assert d.next_check_at == at("2024-05-08 08:00")  # 10 working days after 22/4/2024 (holidays skipped)
    run_sweep(app, session, at("2024-05-08 08:00"))
    assert [(r.kind, r.payload["step"]) for r in outbox(session, "nudge")] == [("nudge", "nudge:1")]


def test_per_directive_policy_override(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    d = factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31),
                         policy={"before_days": [], "on_the_day": False, "escalate_after": 1})
    run_sweep(app, session, at("2024-07-31 12:00"))
    assert outbox(session, "reminder") == [] and outbox(session, "due_today") == []
    run_sweep(app, session, at("2024-08-01 08:00"))
    assert [r.person_id for r in outbox(session, "escalation")] == [w.supervisor.id]
    session.refresh(d)
    assert d.state == State.overdue


def test_limit_and_cost_follow_what_is_due(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    due = [factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31)) for _ in range(5)]
    factory.assigned(w.stc, w.office, deadline=dt.date(2024, 12, 31))  # not due
    report = sweep(session, at("2024-07-22 09:00"), policy=app.policy, calendar=app.calendar, limit=3)
    assert report.examined == 3
    report = sweep(session, at("2024-07-22 09:00"), policy=app.policy, calendar=app.calendar, batch_size=1)
    assert report.examined == 2
    assert len(outbox(session, "reminder")) == len(due)


def test_concurrent_sweeps_on_separate_sessions(app: App, session: Session, factory: Factory) -> None:
    w = make_world(factory)
    for _ in range(30):
        factory.assigned(w.stc, w.office, deadline=dt.date(2024, 7, 31))
    now, errors = at("2024-08-07 10:00"), []

    def worker() -> None:
        try:
            with Session(app.engine, expire_on_commit=False) as s:
                sweep(s, now, policy=app.policy, calendar=app.calendar, batch_size=7)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(outbox(session, "overdue")) == 30 and len(outbox(session, "escalation")) == 30
    overdue = [len(events(session, d.id, "DeadlinePassed")) for d in session.query(Directive).all()]
    assert overdue == [1] * 30
