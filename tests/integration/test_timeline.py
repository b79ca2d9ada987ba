"""Three months of a seed-like notice at fixed times: every reminder, deadline and escalation, listed."""

from __future__ import annotations

import datetime as dt

import pendulum
from sqlmodel import Session, col, select

from dondoc.bootstrap import App
from engine.commands import accept_report, acknowledge, submit_report
from engine.models import DirectiveEvent
from tests.integration.reminder_world import TZ, at, make_world, outbox, run_deliver, run_sweep
from tests.support.factory import Factory
from tests.support.fakes import RecordingNotifier

DOWN = (dt.date(2024, 6, 4), dt.date(2024, 6, 10))  # a week without any sweep or delivery


def _times() -> list[dt.datetime]:
    """08:00 and 22:00 every day from 22/4 to 22/7/2024, except the downtime (back at 22:00 on 10/6)."""
    out, day = [], dt.date(2024, 4, 23)
    while day <= dt.date(2024, 7, 22):
        for hour in ("08:00", "22:00"):
            if DOWN[0] <= day <= DOWN[1] and not (day == DOWN[1] and hour == "22:00"):
                continue
            out.append(at(f"{day.isoformat()} {hour}"))
        day += dt.timedelta(days=1)
    return out


EXPECTED = [  # (delivered at, local; recipient; kind; item; step)
    ("2024-04-22 09:00", "lead", "assigned", "1.(3)", None),
    ("2024-04-22 09:00", "bql", "assigned", "1.(4)", None),
    ("2024-04-22 09:00", "lead", "assigned", "2", None),
    ("2024-04-22 09:00", "vp", "coordinator_info", "2", None),
    ("2024-04-22 09:00", "tp", "assigned", "8", None),
    # 1.(3), due 30/4/2024 (a holiday): before:7 predates the assignment; 29/4–1/5 are days off.
    ("2024-04-24 08:00", "lead", "reminder", "1.(3)", "before:3"),
    ("2024-04-26 08:00", "lead", "due_today", "1.(3)", "due"),  # last working day before 30/4
    ("2024-05-02 08:00", "lead", "overdue", "1.(3)", "overdue:1"),
    ("2024-05-04 08:00", "lead", "overdue", "1.(3)", "overdue:3"),  # Saturday 4/5 is a make-up working day
    ("2024-05-07 08:00", "lead", "overdue", "1.(3)", "overdue:5"),
    ("2024-05-07 08:00", "supervisor", "escalation", "1.(3)", "overdue:5"),
    ("2024-05-08 08:00", "tp", "nudge", "8", "nudge:1"),  # undated: every 10 working days
    ("2024-05-09 08:00", "office", "report_submitted", "1.(3)", None),  # submitted 22:00, held overnight
    ("2024-05-10 08:00", "lead", "report_accepted", "1.(3)", None),
    ("2024-05-22 08:00", "bql", "reminder", "1.(4)", "before:7"),
    ("2024-05-22 08:00", "tp", "nudge", "8", "nudge:2"),
    ("2024-05-28 08:00", "bql", "reminder", "1.(4)", "before:3"),
    ("2024-05-30 08:00", "bql", "reminder", "1.(4)", "before:1"),
    ("2024-05-31 08:00", "bql", "due_today", "1.(4)", "due"),
    ("2024-06-03 08:00", "bql", "overdue", "1.(4)", "overdue:1"),
    # Down 4/6–10/6; back at 22:00 on 10/6: only the latest missed step per directive (queued for 07:00).
    # The 08:00 sweep then queues overdue:7 before anything was delivered: the lead gets that one only.
    ("2024-06-11 08:00", "supervisor", "escalation", "1.(4)", "overdue:5"),
    ("2024-06-11 08:00", "tp", "nudge", "8", "nudge:3"),
    ("2024-06-11 08:00", "bql", "overdue", "1.(4)", "overdue:7"),
    ("2024-06-13 08:00", "bql", "overdue", "1.(4)", "overdue:9"),
    ("2024-06-14 08:00", "office", "report_submitted", "1.(4)", None),
    ("2024-06-19 08:00", "tp", "nudge", "8", "nudge:4"),
    ("2024-07-03 08:00", "tp", "nudge", "8", "nudge:5"),
    ("2024-07-11 08:00", "office", "report_submitted", "2", None),
    ("2024-07-12 08:00", "lead", "report_accepted", "2", None),
    ("2024-07-17 08:00", "tp", "nudge", "8", "nudge:6"),
]


def test_three_months_of_the_seed_notice(app: App, session: Session, factory: Factory,
                                         notifier: RecordingNotifier) -> None:
    w = make_world(factory)
    bql = factory.agency("BQLDA", "Ban QLDA ĐTXD công trình dân dụng và công nghiệp tỉnh",
                         supervisor_id=w.supervisor.id)
    bql_leader = factory.person("Trần Quốc Bảo", agency=bql)
    stp = factory.agency("STP", "Sở Tư pháp", supervisor_id=w.supervisor.id)
    stp_leader = factory.person("Hoàng Minh Châu", agency=stp)
    notice = factory.notice(number=None)
    t0 = at("2024-04-22 09:00")
    d13 = factory.assigned(w.stc, w.office, notice=notice, ref="1.(3)", now=t0, deadline=dt.date(2024, 4, 30),
                           deadline_text="trong tháng 4/2024", deadline_kind="month")
    d14 = factory.assigned(bql, w.office, notice=notice, ref="1.(4)", now=t0, deadline=dt.date(2024, 5, 31),
                           deadline_text="trong tháng 5/2024", deadline_kind="month")
    d2 = factory.assigned(w.stc, w.office, notice=notice, ref="2", now=t0, deadline=dt.date(2024, 7, 31),
                          coordinators=["Văn phòng UBND tỉnh"], deadline_kind="event_month",
                          deadline_text="tại kỳ họp thường kỳ tháng 7/2024")
    d8 = factory.assigned(stp, w.office, notice=notice, ref="8", now=t0)
    script = {
        at("2024-04-23 08:00"): lambda now: acknowledge(session, d2.id, actor_id=w.leader.id, now=now),
        at("2024-05-08 22:00"): lambda now: submit_report(session, d13.id, actor_id=w.leader.id, now=now,
                                                          text="Đã tháo gỡ xong"),
        at("2024-05-09 22:00"): lambda now: accept_report(session, d13.id, actor_id=w.office.id, now=now),
        at("2024-06-13 22:00"): lambda now: submit_report(session, d14.id, actor_id=bql_leader.id, now=now,
                                                          text="Đã ban hành quy chế"),
        at("2024-07-10 22:00"): lambda now: submit_report(session, d2.id, actor_id=w.leader.id, now=now,
                                                          text="Đã trình HĐND tỉnh"),
        at("2024-07-11 22:00"): lambda now: accept_report(session, d2.id, actor_id=w.office.id, now=now),
    }
    who = {w.leader.id: "lead", bql_leader.id: "bql", w.vp_leader.id: "vp", stp_leader.id: "tp",
           w.supervisor.id: "supervisor", w.office.id: "office"}
    refs = {d.id: d.ref for d in (d13, d14, d2, d8)}
    delivered = []
    for now in [t0, *_times()]:
        if now in script:
            script[now](now)
        run_sweep(app, session, now)
        before = len(notifier.sent)
        run_deliver(app, session, now, limit=1000)
        for n in notifier.sent[before:]:
            row = next(r for r in outbox(session) if r.id == n.outbox_id)
            local = pendulum.instance(row.not_before if row.not_before > now else now).in_timezone(TZ)
            delivered.append((local.format("YYYY-MM-DD HH:mm"), who[n.recipient.person_id], n.kind,
                              refs[n.directive["id"]], n.payload.get("step")))
    assert delivered == EXPECTED

    caught_up = [r for r in outbox(session) if r.created_at == at("2024-06-10 22:00")]
    assert len(caught_up) == 3 and {r.not_before for r in caught_up} == {at("2024-06-11 07:00")}  # quiet hours
    passed = session.exec(select(DirectiveEvent).where(DirectiveEvent.type == "DeadlinePassed")
                          .order_by(col(DirectiveEvent.id))).all()
    assert [(refs[e.directive_id], pendulum.instance(e.at).in_timezone(TZ).format("YYYY-MM-DD HH:mm"),
             e.payload["deadline"][:10]) for e in passed] == [
        ("1.(3)", "2024-05-01 08:00", "2024-04-30"),  # the first sweep after the deadline, late by 8 h
        ("1.(4)", "2024-06-01 08:00", "2024-05-31"),
    ]
    session.refresh(d14)
    assert d14.overdue_at == at("2024-05-31 23:59") + dt.timedelta(seconds=59)  # the true deadline
    # Idempotence: sweeping and delivering again at the last instant adds and sends nothing.
    rows, sent = len(outbox(session)), len(notifier.sent)
    last = _times()[-1]
    assert run_sweep(app, session, last).examined == 0
    assert run_deliver(app, session, last).claimed == 0
    assert (len(outbox(session)), len(notifier.sent)) == (rows, sent)
