"""Official statistics: done on time / done late / open in time / open overdue, plus no deadline and due soon."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import Integer, and_, case, func, or_
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.models import Agency, Directive, Notice, Person, State
from engine.people import unreached_directives
from engine.timeutil import end_of_local_day, local_date

BUCKETS = ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline")
BUCKET_LABELS = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "open_in_time": "Chưa hoàn thành, trong hạn",
    "open_overdue": "Chưa hoàn thành, quá hạn",
    "no_deadline": "Không thời hạn",
    "due_soon": "Sắp đến hạn",
    "no_recipient": "Không có người nhận",
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
    no_recipient: int = 0  # open directives nobody in the directory receives (see people.unreached_directives)

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


def due_soon_limit(now: dt.datetime, calendar: WorkCalendar, working_days: int = 3) -> dt.datetime:
    """End of the working day `working_days` from today: deadlines up to it are 'due soon'."""
    return end_of_local_day(calendar.add_working_days(local_date(now), working_days))


def compute_stats(
    session: Session, now: dt.datetime, *, by: str = "agency", calendar: WorkCalendar | None = None
) -> list[StatsRow]:
    """Counts per agency, leader, notice or overall ('all'), in the official buckets."""
    exprs = bucket_expressions(now, due_soon_limit(now, calendar or WorkCalendar()))
    keys = {"agency": Directive.lead_agency_id, "leader": Directive.leader_id, "notice": Directive.notice_id}
    if by not in (*keys, "all"):
        raise ValueError(f"unknown grouping '{by}' (agency, leader, notice, all)")
    sums = [func.sum(case((e, 1), else_=0)).cast(Integer).label(k) for k, e in exprs.items()]
    columns = [func.count().label("total"), *sums]
    key_col = col(keys[by]) if by in keys else None
    stmt = select(*([key_col.label("key")] if key_col is not None else []), *columns).select_from(Directive)
    stmt = stmt.where(col(Directive.state).in_(COUNTED))
    if key_col is not None:
        stmt = stmt.group_by(key_col)
    names = _names(session, by)
    unreached: dict[object, int] = {}
    for d in unreached_directives(session):
        key = getattr(d, keys[by].key) if by in keys else "all"
        unreached[key] = unreached.get(key, 0) + 1
    rows = []
    for r in session.execute(stmt).mappings():
        key = r["key"] if key_col is not None else "all"
        name = names.get(key) or ("Toàn tỉnh" if key == "all" else "(chưa xác định)")
        rows.append(StatsRow(key="" if key is None else str(key), name=name, total=r["total"] or 0,
                             **{k: r[k] or 0 for k in (*BUCKETS, "due_soon")}, no_recipient=unreached.get(key, 0)))
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
