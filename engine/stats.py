"""Official statistics: done on time / done late / open in time / open overdue, plus no deadline and due soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.models import Agency, Directive, Notice, Person, State
from engine.timeutil import end_of_local_day, local_date

BUCKETS = ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline")
BUCKET_LABELS = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "open_in_time": "Chưa hoàn thành, trong hạn",
    "open_overdue": "Chưa hoàn thành, quá hạn",
    "no_deadline": "Không thời hạn",
    "due_soon": "Sắp đến hạn",
}
COUNTED = (State.assigned, State.in_progress, State.reported, State.overdue, State.done)
OPEN = (State.assigned, State.in_progress, State.reported, State.overdue)


@dataclass
class StatsRow:
    key: str
    name: str
    total: int
    done_on_time: int
    done_late: int
    open_in_time: int
    open_overdue: int
    no_deadline: int
    due_soon: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def bucket_expressions(now: dt.datetime, soon: dt.datetime) -> dict[str, object]:
    """SQL expressions, one per bucket; a report filed before the deadline counts as on time."""
    deadline, state = col(Directive.deadline), col(Directive.state)
    finished_at = func.coalesce(col(Directive.reported_at), col(Directive.done_at))
    has_deadline = deadline.is_not(None)
    is_open = state.in_(OPEN)
    open_in_time = and_(
        is_open, has_deadline,
        or_(deadline >= now, and_(state == State.reported, col(Directive.reported_at) <= deadline)),
    )
    return {
        "done_on_time": and_(state == State.done, has_deadline, finished_at <= deadline),
        "done_late": and_(state == State.done, has_deadline, finished_at > deadline),
        "open_in_time": open_in_time,
        "open_overdue": and_(is_open, has_deadline, ~open_in_time),
        "no_deadline": deadline.is_(None),
        "due_soon": and_(state.in_((State.assigned, State.in_progress)), deadline >= now, deadline <= soon),
    }


def bucket_case(now: dt.datetime) -> Any:
    """The bucket of a counted directive as one SQL CASE, for grouping: the rules of bucket_expressions
    (and bucket_of), in the order that lets each branch assume the ones before it failed."""
    deadline, state = col(Directive.deadline), col(Directive.state)
    finished_at = func.coalesce(col(Directive.reported_at), col(Directive.done_at))
    return case(
        (deadline.is_(None), "no_deadline"),
        (state == State.done, case((finished_at <= deadline, "done_on_time"), else_="done_late")),
        (or_(deadline >= now, and_(state == State.reported, col(Directive.reported_at) <= deadline)), "open_in_time"),
        else_="open_overdue",
    )


def due_soon_limit(now: dt.datetime, calendar: WorkCalendar, working_days: int = 3) -> dt.datetime:
    """End of the working day `working_days` from today: deadlines up to it are 'due soon'."""
    return end_of_local_day(calendar.add_working_days(local_date(now), working_days))


def bucket_counts(
    session: Session, now: dt.datetime, *, keys: Sequence[Any] = (), conditions: Sequence[Any] = (),
    calendar: WorkCalendar | None = None,
) -> list[tuple[tuple[Any, ...], dict[str, int]]]:
    """One grouped query: (group key values, {total, bucket…: count}) over counted directives.

    Each row is classified once (one CASE for its bucket, one for due soon) and counted per group, so the
    database does two comparisons' worth of work per row instead of one sum per bucket.
    """
    exprs = bucket_expressions(now, due_soon_limit(now, calendar or WorkCalendar()))
    bucket = bucket_case(now).label("bucket")
    soon = case((exprs["due_soon"], 1), else_=0).label("soon")
    key_cols = [col(k).label(f"k{i}") for i, k in enumerate(keys)]
    # Grouped by the output names, so each CASE is computed once per row.
    stmt = (select(*key_cols, bucket, soon, func.count().label("n")).select_from(Directive)
            .where(col(Directive.state).in_(COUNTED), *conditions)
            .group_by(*(literal_column(f"k{i}") for i in range(len(keys))), literal_column("bucket"),
                      literal_column("soon")))
    grouped: dict[tuple[Any, ...], dict[str, int]] = {}
    for r in session.execute(stmt).mappings():
        key = tuple(r[f"k{i}"] for i in range(len(keys)))
        counts = grouped.setdefault(key, dict.fromkeys(("total", *BUCKETS, "due_soon"), 0))
        counts["total"] += r["n"]
        if r["bucket"]:
            counts[r["bucket"]] += r["n"]
        if r["soon"]:
            counts["due_soon"] += r["n"]
    if not keys and not grouped:
        grouped[()] = dict.fromkeys(("total", *BUCKETS, "due_soon"), 0)
    return list(grouped.items())


def compute_stats(
    session: Session, now: dt.datetime, *, by: str = "agency", calendar: WorkCalendar | None = None,
    conditions: Sequence[Any] = (),
) -> list[StatsRow]:
    """Counts per agency, leader, notice or overall ('all'), in the official buckets."""
    keys = {"agency": Directive.lead_agency_id, "leader": Directive.leader_id, "notice": Directive.notice_id}
    if by not in (*keys, "all"):
        raise ValueError(f"unknown grouping '{by}' (agency, leader, notice, all)")
    grouped = bucket_counts(session, now, keys=[keys[by]] if by in keys else [], conditions=conditions,
                            calendar=calendar)
    names = _names(session, by)
    rows = []
    for key_values, counts in grouped:
        key = key_values[0] if key_values else "all"
        name = names.get(key) or ("Toàn tỉnh" if key == "all" else "(chưa xác định)")
        rows.append(StatsRow(key="" if key is None else str(key), name=name, **counts))
    rows.sort(key=lambda x: (-x.open_overdue, -x.total, x.name))
    return rows


def _names(session: Session, by: str) -> dict[object, str]:
    """Display names of the group keys (small tables, read apart so the big query stays on its index)."""
    if by == "agency":
        return {a.id: a.name for a in session.exec(select(Agency)).all()}
    if by == "leader":
        return {p.id: p.name for p in session.exec(select(Person)).all()}
    if by == "notice":
        return {n.id: n.number or n.title for n in session.exec(select(Notice)).all()}
    return {}


def bucket_of(directive: Directive, now: dt.datetime) -> str | None:
    """The official bucket of one directive (None for drafts and cancelled ones)."""
    if directive.state not in COUNTED:
        return None
    if directive.deadline is None:
        return "no_deadline"
    if directive.state == State.done:
        finished = directive.reported_at or directive.done_at
        return "done_on_time" if finished and finished <= directive.deadline else "done_late"
    in_time = directive.deadline >= now or (
        directive.state == State.reported and directive.reported_at is not None
        and directive.reported_at <= directive.deadline
    )
    return "open_in_time" if in_time else "open_overdue"
