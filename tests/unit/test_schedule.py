"""Reminder steps, next_check_at and delivery windows, computed from policy and calendar alone."""

from __future__ import annotations

import datetime as dt
from itertools import islice

import pendulum
import pytest

from engine.calendar import WorkCalendar
from engine.models import Directive, State
from engine.policy import Policy
from engine.schedule import due_step, next_check_at, notification_time, steps
from engine.timeutil import end_of_local_day

CAL = WorkCalendar()
POLICY = Policy()
TZ = "Asia/Ho_Chi_Minh"


def at(text: str) -> dt.datetime:
    """A local time 'YYYY-MM-DD HH:MM' in Hà Nội, as UTC."""
    return pendulum.parse(text, tz=TZ).in_timezone("UTC")


def directive(deadline: dt.date | None, state: State = State.in_progress, **kw: object) -> Directive:
    return Directive(id=1, task="t", state=state, deadline=end_of_local_day(deadline) if deadline else None,
                     assigned_at=at("2024-04-22 09:00"), created_at=at("2024-04-22 09:00"), **kw)


def plan(d: Directive, until: int = 8) -> list[tuple[str, str]]:
    out = []
    for step in steps(d, POLICY, CAL):
        out.append((step.name, pendulum.instance(step.at).in_timezone(TZ).format("YYYY-MM-DD HH:mm")))
        if len(out) >= until:
            break
    return out


def test_pre_deadline_steps_on_working_days_at_send_time() -> None:
    assert plan(directive(dt.date(2024, 7, 31))) == [
        ("before:7", "2024-07-22 08:00"), ("before:3", "2024-07-26 08:00"), ("before:1", "2024-07-30 08:00"),
        ("due", "2024-07-31 08:00"), ("deadline", "2024-07-31 23:59"),
    ]


def test_overdue_repeats_and_escalation_skip_days_off() -> None:
    d = directive(dt.date(2024, 4, 26), State.overdue)  # Friday before the 27/4–1/5 holidays
    assert plan(d, 4) == [  # Saturday 4/5/2024 is the make-up working day for 29/4
        ("overdue:1", "2024-05-02 08:00"), ("overdue:3", "2024-05-04 08:00"),
        ("overdue:5", "2024-05-07 08:00"), ("overdue:7", "2024-05-09 08:00"),
    ]
    flags = [(s.remind_lead, s.escalate) for s in islice(steps(d, POLICY, CAL), 3)]
    assert flags == [(True, False), (True, False), (True, True)]


def test_escalation_day_outside_the_repeat_rhythm_escalates_only() -> None:
    policy = Policy(overdue_every=3, escalate_after=2)
    d = directive(dt.date(2024, 7, 31), State.overdue)
    first = [(s.name, s.remind_lead, s.escalate) for s in islice(steps(d, policy, CAL), 3)]
    assert first == [("overdue:1", True, False), ("overdue:2", False, True), ("overdue:4", True, True)]


def test_deadline_in_tet_2025() -> None:
    # 29/1/2025 is mùng 1 Tết: the day-of reminder moves to the last working day before it (24/1),
    # replacing before:1; the first overdue day is Monday 3/2 after the holiday.
    assert plan(directive(dt.date(2025, 1, 29))) == [
        ("before:7", "2025-01-16 08:00"), ("before:3", "2025-01-22 08:00"), ("due", "2025-01-24 08:00"),
        ("deadline", "2025-01-29 23:59"),
    ]
    assert plan(directive(dt.date(2025, 1, 29), State.overdue), 1) == [("overdue:1", "2025-02-03 08:00")]


def test_deadline_on_national_day_2025() -> None:
    assert plan(directive(dt.date(2025, 9, 2))) == [
        ("before:7", "2025-08-21 08:00"), ("before:3", "2025-08-27 08:00"), ("due", "2025-08-29 08:00"),
        ("deadline", "2025-09-02 23:59"),
    ]
    assert plan(directive(dt.date(2025, 9, 2), State.overdue), 1) == [("overdue:1", "2025-09-03 08:00")]


def test_undated_directive_gets_nudges_every_k_working_days() -> None:
    assert plan(directive(None), 2) == [("nudge:1", "2024-05-08 08:00"), ("nudge:2", "2024-05-22 08:00")]
    assert next_check_at(directive(None, policy={"no_deadline_every": 0}), at("2024-04-22 09:00")) is None


@pytest.mark.parametrize("state", [State.draft, State.reported, State.done, State.cancelled])
def test_no_checks_outside_watched_states(state: State) -> None:
    assert next_check_at(directive(dt.date(2024, 7, 31), state), at("2024-04-22 09:00")) is None


def test_next_check_is_the_first_step_after_now() -> None:
    d = directive(dt.date(2024, 7, 31))
    assert next_check_at(d, at("2024-04-22 09:00")) == at("2024-07-22 08:00")
    assert next_check_at(d, at("2024-07-22 08:00")) == at("2024-07-26 08:00")  # strictly after
    assert next_check_at(d, at("2024-07-31 09:00")) == end_of_local_day(dt.date(2024, 7, 31))
    assert next_check_at(d, at("2024-08-05 09:00")) == end_of_local_day(dt.date(2024, 7, 31))  # unrecorded


def test_directive_override_changes_its_schedule() -> None:
    d = directive(dt.date(2024, 7, 31), policy={"before_days": [2], "on_the_day": False})
    assert next_check_at(d, at("2024-07-01 09:00"), policy=POLICY, calendar=CAL) == at("2024-07-29 08:00")


def test_due_step_after_downtime_is_the_latest_only() -> None:
    d = directive(dt.date(2024, 7, 31))
    step = due_step(d, at("2024-07-22 08:00"), at("2024-07-30 10:00"))
    assert step is not None and step.name == "before:1"
    # Nothing earlier than the last scheduled check is replayed.
    assert due_step(d, at("2024-07-27 00:00"), at("2024-07-29 10:00")) is None


@pytest.mark.parametrize(("now", "expected"), [
    ("2024-04-22 09:00", "2024-04-22 09:00"),  # working hours: at once
    ("2024-04-22 21:30", "2024-04-23 07:00"),  # quiet evening: next morning
    ("2024-04-23 05:00", "2024-04-23 07:00"),  # quiet early morning: same day 07:00
    ("2024-04-26 22:00", "2024-05-02 07:00"),  # Friday night before the 30/4–1/5 holidays
    ("2024-05-04 10:00", "2024-05-04 10:00"),  # make-up working Saturday 4/5/2024
    ("2025-01-25 10:00", "2025-02-03 07:00"),  # Tết 2025
    ("2025-09-01 12:00", "2025-09-03 07:00"),  # Quốc khánh 2025
])
def test_notification_time_respects_quiet_hours_and_days_off(now: str, expected: str) -> None:
    assert notification_time(at(now), policy=POLICY, calendar=CAL) == at(expected)


def test_notification_time_never_goes_backwards_or_drops() -> None:
    start = at("2024-12-20 00:00")
    for hour in range(0, 24 * 60, 7):
        now = start + dt.timedelta(hours=hour)
        allowed = notification_time(now, policy=POLICY, calendar=CAL)
        local = pendulum.instance(allowed).in_timezone(TZ)
        assert allowed >= now
        assert CAL.is_working_day(local.date()) and not POLICY.quiet_hours.contains(local.time())
