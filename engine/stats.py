"""Official statistics: done on time / done late / open in time / open overdue, plus no deadline and due soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.errors import InvalidInput
from engine.labels import BUCKET_LABELS  # noqa: F401  (re-exported: the labels live in engine.labels)
from engine.models import Agency, Directive, Person, State
from engine.notices import notice_labels
from engine.people import unreached_directives
from engine.timeutil import end_of_local_day, local_date

BUCKETS = ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline")
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
    no_recipient: int = 0  # open directives nobody in the directory receives (see people.unreached_directives)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def bucket_expressions(now: dt.datetime, soon: dt.datetime) -> dict[str, object]:
    """SQL expressions, one per bucket; a report filed before the deadline counts as on time."""
    deadline, state = col(Directive.deadline), col(Directive.state)
    finished_at = func.coalesce(col(Directive.reported_at), col(Directive.done_at))
    has_deadline = deadline.is_not(None)
    is_open = state.in_(OPEN)
    # NULL-safe: a missing time compares as FALSE, never as NULL (which NOT would keep NULL), so every
    # counted row lands in exactly one bucket, as in bucket_of and bucket_case.
    reported_in_time = and_(state == State.reported, col(Directive.reported_at).is_not(None),
                            col(Directive.reported_at) <= deadline)
    open_in_time = and_(is_open, has_deadline, or_(deadline >= now, reported_in_time))
    finished_in_time = and_(finished_at.is_not(None), finished_at <= deadline)
    return {
        "done_on_time": and_(state == State.done, has_deadline, finished_in_time),
        "done_late": and_(state == State.done, has_deadline, ~finished_in_time),
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


# What each grouping counts by. "leader" is the provincial leader answerable for the directive: the
# person named as lead, else the Phó Chủ tịch supervising the lead agency.
GROUPINGS: dict[str, tuple[Any, ...]] = {
    "agency": (Directive.lead_agency_id,),
    "leader": (Directive.leader_id, Directive.lead_agency_id),
    "notice": (Directive.notice_id,),
    "all": (),
}
GROUP_LABELS = {"agency": "Đơn vị chủ trì", "leader": "Lãnh đạo phụ trách", "notice": "Thông báo",
                "all": "Phạm vi"}


def compute_stats(
    session: Session, now: dt.datetime, *, by: str = "agency", calendar: WorkCalendar | None = None,
    conditions: Sequence[Any] = (),
) -> list[StatsRow]:
    """Counts per agency, leader, notice or overall ('all'), in the official buckets (of the directives
    `conditions` select, all by default)."""
    if by not in GROUPINGS:
        raise InvalidInput(f"Không có cách thống kê “{by}”; chọn một trong: {', '.join(GROUPINGS)}.")
    group = _group_of(session, by)
    names = _names(session, by)
    totals: dict[object, dict[str, int]] = {}
    for values, counts in bucket_counts(session, now, keys=GROUPINGS[by], conditions=conditions,
                                        calendar=calendar):
        into = totals.setdefault(group(values), dict.fromkeys(counts, 0))
        for k, n in counts.items():
            into[k] += n
    unreached: dict[object, int] = {}
    for d in unreached_directives(session, conditions=conditions):
        key = group(tuple(getattr(d, c.key) for c in GROUPINGS[by]))
        unreached[key] = unreached.get(key, 0) + 1
    rows = []
    for key, counts in totals.items():
        name = names.get(key) or ("Toàn tỉnh" if key == "all" else "(chưa xác định)")
        rows.append(StatsRow(key="" if key is None else str(key), name=name, **counts,
                             no_recipient=unreached.get(key, 0)))
    rows.sort(key=lambda x: (-x.open_overdue, -x.total, x.name))
    return rows


def _group_of(session: Session, by: str) -> Callable[[tuple[Any, ...]], object]:
    """Maps the grouped key values to the group a row counts in."""
    if by == "all":
        return lambda values: "all"
    if by != "leader":
        return lambda values: values[0]
    supervisors = {a.id: a.supervisor_id for a in session.exec(select(Agency)).all()}
    return lambda values: values[0] if values[0] is not None else supervisors.get(values[1])


def _names(session: Session, by: str) -> dict[object, str]:
    """Display names of the group keys (small tables, read apart so the big query stays on its index)."""
    if by == "agency":
        return {a.id: a.name for a in session.exec(select(Agency)).all()}
    if by == "leader":
        return {p.id: p.name for p in session.exec(select(Person)).all()}
    if by == "notice":
        return dict(notice_labels(session))
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
