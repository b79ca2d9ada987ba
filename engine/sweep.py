"""The sweep: advance every directive whose indexed `next_check_at` has come.

It records DeadlinePassed through `commands.append` (the command path, inside the sweep's own
transaction so a batch of due rows is locked, advanced and committed together), queues the latest
due reminder step in the outbox, records ReminderSent in the same transaction, and moves
`next_check_at` to the next step. Idempotent: a second sweep at the same `now` finds nothing due,
and every outbox key names (directive, step, deadline, recipient), so even a racing sweep adds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.commands import append
from engine.db import begin_write
from engine.models import Directive, Person
from engine.outbox import enqueue
from engine.people import lead_people, office_people, supervisor_of
from engine.policy import Policy, default_policy
from engine.schedule import PRE_DEADLINE, Step, _day, due_step, next_check_at, notification_time
from engine.timeutil import UTC

BATCH = 500


@dataclass
class SweepReport:
    """What one sweep did."""

    examined: int = 0
    overdue_marked: int = 0
    reminders: int = 0  # ReminderSent events (one per directive and step)
    escalations: int = 0  # escalation rows queued
    queued: int = 0  # outbox rows added in total

    def __str__(self) -> str:
        return (f"examined {self.examined}, overdue {self.overdue_marked}, reminders {self.reminders}, "
                f"escalations {self.escalations}, outbox rows {self.queued}")


def sweep(
    session: Session,
    now: dt.datetime,
    *,
    policy: Policy | None = None,
    calendar: WorkCalendar | None = None,
    limit: int | None = None,
    batch_size: int = BATCH,
) -> SweepReport:
    """Advance the directives due at `now`, one committed batch at a time."""
    policy = policy or default_policy()
    calendar = calendar or policy.calendar()
    report, seen = SweepReport(), set[int]()
    people = _People(session)
    while limit is None or report.examined < limit:
        size = batch_size if limit is None else min(batch_size, limit - report.examined)
        stmt = (
            select(Directive)
            .where(col(Directive.next_check_at) <= now)
            .order_by(col(Directive.next_check_at), col(Directive.id))
            .limit(size)
            .with_for_update(skip_locked=True)  # PostgreSQL: concurrent sweeps take disjoint rows
            .execution_options(populate_existing=True)
        )
        try:
            begin_write(session)  # SQLite: BEGIN IMMEDIATE, one sweeping writer at a time
            rows = session.exec(stmt).all()
            fresh = [d for d in rows if d.id not in seen]
            for directive in fresh:
                seen.add(directive.id)  # type: ignore[arg-type]
                _advance(session, directive, now, policy, calendar, report, people)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        if not fresh or len(rows) < size:
            break
    return report


def _advance(session: Session, directive: Directive, now: dt.datetime, default: Policy,
             calendar: WorkCalendar, report: SweepReport, people: _People) -> None:
    policy = default.merged(directive.policy)
    since = directive.next_check_at or now
    report.examined += 1
    if directive.state in PRE_DEADLINE and directive.deadline is not None and directive.deadline <= now:
        append(session, directive, "DeadlinePassed", {"deadline": directive.deadline.isoformat()}, now,
               policy=policy, calendar=calendar)
        report.overdue_marked += 1
    step = due_step(directive, since, now, policy=policy, calendar=calendar)
    if step is not None and step.kind != "deadline":
        keys = _queue_step(session, directive, step, now, policy, calendar, report, people)
        if keys:
            append(session, directive, "ReminderSent", {
                "step": step.name, "kind": step.kind, "due_at": step.at.isoformat(),
                "deadline": directive.deadline.isoformat() if directive.deadline else None, "keys": keys,
            }, now, policy=policy, calendar=calendar)
            report.reminders += 1
    directive.next_check_at = next_check_at(directive, now, policy=policy, calendar=calendar)
    session.add(directive)


def _queue_step(session: Session, directive: Directive, step: Step, now: dt.datetime, policy: Policy,
                calendar: WorkCalendar, report: SweepReport, people: _People) -> list[str]:
    not_before = notification_time(now, policy=policy, calendar=calendar)
    deadline = directive.deadline
    dl = deadline.astimezone(UTC).strftime("%Y%m%dT%H%MZ") if deadline else "none"
    send_day = _day(not_before, policy.timezone)
    payload = {
        "step": step.name, "due_at": step.at.isoformat(), "on": send_day.isoformat(),
        "deadline": deadline.isoformat() if deadline else None, "overdue_days": step.overdue_days,
        "days_left": calendar.working_days_between(send_day, _day(deadline, policy.timezone))
        if deadline else None,
    }
    plan: list[tuple[str, str, Person]] = []
    if step.remind_lead:
        plan += [(step.kind, f"d{directive.id}:{step.kind}:{step.name}:{dl}:p{p.id}", p)
                 for p in people.lead(directive)]
    if step.escalate:
        # Once per deadline: later overdue steps retry the same key, which also catches up after downtime.
        plan += [("escalation", f"d{directive.id}:escalation:{dl}:p{p.id}", p)
                 for p in people.escalation(directive)]
    keys = []
    for kind, key, person in plan:
        if enqueue(session, key=key, kind=kind, person_id=person.id, directive_id=directive.id,
                   payload=payload, not_before=not_before, now=now):
            keys.append(key)
            report.queued += 1
            report.escalations += kind == "escalation"
    return keys


class _People:
    """Recipients looked up once per sweep: many due directives share a lead agency."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._lead: dict[tuple[int | None, int | None], list[Person]] = {}
        self._escalation: dict[int | None, list[Person]] = {}

    def lead(self, directive: Directive) -> list[Person]:
        key = (directive.leader_id, directive.lead_agency_id)
        if key not in self._lead:
            self._lead[key] = lead_people(self.session, directive)
        return self._lead[key]

    def escalation(self, directive: Directive) -> list[Person]:
        key = directive.lead_agency_id
        if key not in self._escalation:
            supervisor = supervisor_of(self.session, directive)
            self._escalation[key] = [supervisor] if supervisor else office_people(self.session)
        return self._escalation[key]
