"""When a directive next needs the sweep, which reminder step is due, and when a message may go out.

A directive's steps, in time order: reminders 7/3/1 working days before the deadline and on the day
(at the policy's send time), the deadline itself (a marker: DeadlinePassed), then overdue repeats on
working days 1, 1+N, 1+2N … after it, with escalation from the M-th overdue working day. An undated
directive is nudged every K working days after assignment instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import pendulum

from engine.calendar import WorkCalendar
from engine.models import Directive, State
from engine.policy import Policy, QuietHours, default_calendar, policy_for
from engine.timeutil import local, local_date, utc

PRE_DEADLINE = (State.assigned, State.in_progress)
WATCHED = (State.assigned, State.in_progress, State.overdue)


@dataclass(frozen=True)
class Step:
    """One point in a directive's reminder schedule."""

    name: str  # stable part of the idempotency key: before:7, due, deadline, overdue:3, nudge:2
    kind: str  # reminder, due_today, deadline, overdue, nudge
    at: dt.datetime  # UTC
    overdue_days: int = 0
    remind_lead: bool = True
    escalate: bool = False


def _at(day: dt.date, time: dt.time, tz: str) -> dt.datetime:
    return utc(pendulum.datetime(day.year, day.month, day.day, time.hour, time.minute, tz=tz))


def _day(instant: dt.datetime, tz: str) -> dt.date:
    """The local day as a plain date (pendulum dates are slow in working-day loops)."""
    d = local_date(instant, tz)
    return dt.date(d.year, d.month, d.day)


@lru_cache(maxsize=4096)
def _pre_steps(deadline: dt.datetime, p: Policy, cal: WorkCalendar) -> tuple[Step, ...]:
    """Cached: the directives due in one sweep mostly share a handful of deadlines."""
    d = _day(deadline, p.timezone)
    by_day: dict[dt.date, Step] = {}
    for k in sorted(set(p.before_days), reverse=True):
        day = cal.add_working_days(d, -k)
        by_day[day] = Step(f"before:{k}", "reminder", _at(day, p.send_time, p.timezone))
    if p.on_the_day:
        # A deadline on a day off is announced on the last working day before it, replacing before:1.
        day = d if cal.is_working_day(d) else cal.add_working_days(d, -1)
        by_day[day] = Step("due", "due_today", _at(day, p.send_time, p.timezone))
    steps = [s for s in by_day.values() if s.at < deadline]
    return tuple(sorted(steps, key=lambda s: s.at))


def _overdue_steps(deadline: dt.datetime, p: Policy, cal: WorkCalendar) -> Iterator[Step]:
    day, o = _day(deadline, p.timezone), 0
    while True:
        day = cal.add_working_days(day, 1)
        o += 1
        repeat = (o - 1) % p.overdue_every == 0
        if repeat or o == p.escalate_after:
            yield Step(f"overdue:{o}", "overdue", _at(day, p.send_time, p.timezone), o,
                       remind_lead=repeat, escalate=o >= p.escalate_after)


def _nudge_steps(start: dt.datetime, p: Policy, cal: WorkCalendar) -> Iterator[Step]:
    if p.no_deadline_every <= 0:
        return
    day, k = _day(start, p.timezone), 0
    while True:
        day = cal.add_working_days(day, p.no_deadline_every)
        k += 1
        yield Step(f"nudge:{k}", "nudge", _at(day, p.send_time, p.timezone))


def steps(directive: Directive, p: Policy, cal: WorkCalendar) -> Iterator[Step]:
    """The directive's steps for its current state, in time order (possibly endless)."""
    if directive.state not in WATCHED:
        return
    if directive.deadline is None:
        start = directive.assigned_at or directive.created_at
        if start is not None:
            yield from _nudge_steps(start, p, cal)
        return
    if directive.state in PRE_DEADLINE:
        yield from _pre_steps(directive.deadline, p, cal)
        yield Step("deadline", "deadline", directive.deadline)
        return
    yield from _overdue_steps(directive.deadline, p, cal)


def _resolve(
    policy: Policy | None, calendar: WorkCalendar | None, directive: Directive
) -> tuple[Policy, WorkCalendar]:
    return policy_for(directive.policy, policy), calendar or default_calendar()


def next_check_at(
    directive: Directive, now: dt.datetime, *,
    policy: Policy | None = None, calendar: WorkCalendar | None = None,
) -> dt.datetime | None:
    """The next time the sweep must look at this directive (its first step after now), or None."""
    p, cal = _resolve(policy, calendar, directive)
    if directive.state in PRE_DEADLINE and directive.deadline is not None and directive.deadline <= now:
        return directive.deadline  # the deadline passed unrecorded: due at once
    try:
        return next((s.at for s in steps(directive, p, cal) if s.at > now), None)
    except OverflowError:  # a stored deadline at the calendar's edge (year 9999): no later step exists
        return None


def due_step(
    directive: Directive, since: dt.datetime, now: dt.datetime, *,
    policy: Policy | None = None, calendar: WorkCalendar | None = None,
) -> Step | None:
    """The latest step in [since, now]: after downtime only the newest missed step counts."""
    p, cal = _resolve(policy, calendar, directive)
    latest = None
    try:
        for s in steps(directive, p, cal):
            if s.at > now:
                break
            if s.at >= since:
                latest = s
    except OverflowError:  # the steps ran past year 9999: the ones before still count
        pass
    return latest


def _allowed_from(q: QuietHours, after: dt.time | None) -> dt.time | None:
    """The first time of day, at or after `after`, outside the quiet window (None: none left)."""
    if q.start == q.end:
        windows = [(dt.time(0), None)]
    elif q.start > q.end:  # wraps midnight: allowed between its end and its start
        windows = [(q.end, q.start)]
    else:
        windows = [(dt.time(0), q.start), (q.end, None)]
    for begin, end in windows:
        if after is None:
            return begin
        if end is None or after < end:
            return max(begin, after)
    return None


def notification_time(
    now: dt.datetime, *, policy: Policy | None = None, calendar: WorkCalendar | None = None
) -> dt.datetime:
    """The earliest allowed delivery time at or after now: outside quiet hours, on a working day."""
    return _notification_time(now, policy or policy_for(None), calendar or default_calendar())


@lru_cache(maxsize=1024)  # a sweep asks this for every due directive at the same `now`
def _notification_time(now: dt.datetime, p: Policy, cal: WorkCalendar) -> dt.datetime:
    t = local(now, p.timezone)
    day = t.date()
    for offset in range(400):
        current = day + dt.timedelta(days=offset)
        if not cal.is_working_day(current):
            continue
        first = _allowed_from(p.quiet_hours, t.time() if offset == 0 else None)
        if first is None:
            continue
        if offset == 0 and first == t.time():
            return now
        return _at(current, first, p.timezone)
    raise ValueError(f"no allowed delivery time within a year of {now.isoformat()}")
