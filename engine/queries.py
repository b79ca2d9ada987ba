"""Read-side queries for the office's screens: filtered and paged lists, search, dashboard aggregates."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.errors import InvalidInput
from engine.models import OPEN_STATES, Agency, Directive, DirectiveEvent, Notice, Person, State
from engine.search import terms
from engine.stats import BUCKETS, COUNTED, StatsRow, bucket_counts, bucket_expressions, due_soon_limit
from engine.timeutil import LOCAL_TZ, end_of_local_day, local, utc, zone

LIST_BUCKETS = (*BUCKETS, "due_soon")
SORTS = ("deadline", "newest", "oldest")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class DirectiveFilter:
    """What a screen asks for; `scope_*` restrict an agency account to its own directives."""

    state: str | None = None
    bucket: str | None = None
    agency_id: int | None = None
    leader_id: int | None = None
    supervisor_id: int | None = None
    notice_id: int | None = None
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    assigned_from: dt.date | None = None
    assigned_to: dt.date | None = None
    q: str = ""
    scope_agency_id: int | None = None
    scope_person_id: int | None = None

    def scoped_to(self, person: Person) -> DirectiveFilter:
        """The same filter limited to what a leader or focal officer may see."""
        return replace(self, scope_agency_id=person.agency_id, scope_person_id=person.id)


def _start_of_local_day(day: dt.date, tz: str | None = None) -> dt.datetime:
    return utc(dt.datetime(day.year, day.month, day.day, tzinfo=zone(tz)))


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conditions(f: DirectiveFilter, now: dt.datetime, calendar: WorkCalendar | None = None) -> list[Any]:
    """The WHERE clauses of a filter; InvalidInput (Vietnamese) for values that do not exist."""
    where: list[Any] = []
    if f.state:
        try:
            where.append(col(Directive.state) == State(f.state))
        except ValueError:
            raise InvalidInput(f"Trạng thái “{f.state}” không tồn tại (một trong: "
                               f"{', '.join(s.value for s in State)}).") from None
    if f.bucket:
        if f.bucket not in LIST_BUCKETS:
            raise InvalidInput(f"Nhóm “{f.bucket}” không tồn tại (một trong: {', '.join(LIST_BUCKETS)}).")
        exprs = bucket_expressions(now, due_soon_limit(now, calendar or WorkCalendar()))
        where += [col(Directive.state).in_(COUNTED), exprs[f.bucket]]
    if f.agency_id is not None:
        where.append(col(Directive.lead_agency_id) == f.agency_id)
    if f.leader_id is not None:
        where.append(col(Directive.leader_id) == f.leader_id)
    if f.supervisor_id is not None:
        supervised = select(Agency.id).where(col(Agency.supervisor_id) == f.supervisor_id)
        where.append(col(Directive.lead_agency_id).in_(supervised.scalar_subquery()))
    if f.notice_id is not None:
        where.append(col(Directive.notice_id) == f.notice_id)
    if f.deadline_from is not None:
        where.append(col(Directive.deadline) >= _start_of_local_day(f.deadline_from))
    if f.deadline_to is not None:
        where.append(col(Directive.deadline) <= end_of_local_day(f.deadline_to))
    if f.assigned_from is not None:
        where.append(col(Directive.assigned_at) >= _start_of_local_day(f.assigned_from))
    if f.assigned_to is not None:
        where.append(col(Directive.assigned_at) <= end_of_local_day(f.assigned_to))
    for term in terms(f.q):
        where.append(col(Directive.search_text).like(_like(term), escape="\\"))
    if f.scope_agency_id is not None or f.scope_person_id is not None:
        mine = [col(Directive.leader_id) == f.scope_person_id]
        if f.scope_agency_id is not None:
            mine.append(col(Directive.lead_agency_id) == f.scope_agency_id)
        where.append(or_(*mine))
        where.append(col(Directive.state) != State.draft)  # drafts are the office's own work
    return where


@dataclass
class Page:
    """One page of a directive list."""

    rows: list[Directive]
    total: int
    page: int
    per_page: int
    notices: dict[int, Notice] = field(default_factory=dict)
    agencies: dict[int, Agency] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_directives(
    session: Session, f: DirectiveFilter, now: dt.datetime, *, calendar: WorkCalendar | None = None,
    page: int = 1, per_page: int = 50, sort: str = "deadline",
) -> Page:
    """A page of directives matching the filter, with the notices and agencies its rows name."""
    if sort not in SORTS:
        raise InvalidInput(f"Cách sắp xếp “{sort}” không tồn tại.")
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    where = conditions(f, now, calendar)
    total = session.exec(select(func.count()).select_from(Directive).where(*where)).one()
    ids = _page_ids(session, where, sort, (page - 1) * per_page, per_page)
    found = {d.id: d for d in session.exec(select(Directive).where(col(Directive.id).in_(ids))).all()} if ids else {}
    rows = [found[i] for i in ids if i in found]
    return Page(rows, int(total), page, per_page, notices=_by_ids(session, Notice, {d.notice_id for d in rows}),
                agencies=_by_ids(session, Agency, {d.lead_agency_id for d in rows}))


def _page_ids(session: Session, where: list[Any], sort: str, offset: int, limit: int) -> list[int]:
    """The ids of one page; by deadline, the dated rows (walked on the deadline index) come before the rest."""
    def ids(extra: list[Any], order: tuple[Any, ...], skip: int, take: int) -> list[int]:
        stmt = select(Directive.id).where(*where, *extra).order_by(*order).offset(skip).limit(take)
        return list(session.exec(stmt).all())  # type: ignore[arg-type]

    if sort == "newest":
        return ids([], (col(Directive.id).desc(),), offset, limit)
    if sort == "oldest":
        return ids([], (col(Directive.id),), offset, limit)
    dated = session.exec(select(func.count()).select_from(Directive)
                         .where(*where, col(Directive.deadline).is_not(None))).one()
    out: list[int] = []
    if offset < dated:
        out = ids([col(Directive.deadline).is_not(None)], (col(Directive.deadline), col(Directive.id)), offset, limit)
    if len(out) < limit:
        out += ids([col(Directive.deadline).is_(None)], (col(Directive.id),), max(0, offset - dated),
                   limit - len(out))
    return out


def _by_ids(session: Session, model: Any, ids: set[int | None]) -> dict[int, Any]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {o.id: o for o in session.exec(select(model).where(col(model.id).in_(wanted))).all()}


@dataclass
class MonthRate:
    """Directives due in a month (already past) and how many were reported by their deadline."""

    year: int
    month: int
    due: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass
class Dashboard:
    """Everything on the overview screen, for one filter."""

    province: StatsRow
    by_agency: list[StatsRow]
    by_supervisor: list[StatsRow]
    by_notice: list[StatsRow]
    monthly: list[MonthRate]
    unacknowledged: list[Directive]
    unacknowledged_total: int
    most_overdue: list[Directive]
    agencies: dict[int, Agency]
    notices: dict[int, Notice]


def _empty(key: str, name: str) -> StatsRow:
    return StatsRow(key=key, name=name, total=0, done_on_time=0, done_late=0, open_in_time=0, open_overdue=0,
                    no_deadline=0, due_soon=0)


def _add(row: StatsRow, counts: dict[str, int]) -> None:
    for name, value in counts.items():
        setattr(row, name, getattr(row, name) + value)


def dashboard(
    session: Session, f: DirectiveFilter, now: dt.datetime, *, calendar: WorkCalendar | None = None,
    months: int = 12, top: int = 10,
) -> Dashboard:
    """The four buckets (plus due soon, no deadline) for the province and per agency, supervisor, notice."""
    where = conditions(f, now, calendar)
    agencies = {a.id: a for a in session.exec(select(Agency)).all()}
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(
        [a.supervisor_id for a in agencies.values() if a.supervisor_id]))).all()}
    # One scan grouped by (agency, notice); every other grouping is a roll-up of its few rows.
    grouped = bucket_counts(session, now, keys=[Directive.lead_agency_id, Directive.notice_id], conditions=where,
                            calendar=calendar)
    province = _empty("all", "Toàn tỉnh")
    by_agency: dict[Any, StatsRow] = {}
    by_supervisor: dict[Any, StatsRow] = {}
    by_notice: dict[Any, StatsRow] = {}
    notice_ids = {notice_id for (_, notice_id), _ in grouped if notice_id is not None}
    notices = _by_ids(session, Notice, notice_ids)
    for (agency_id, notice_id), counts in grouped:
        _add(province, counts)
        agency = agencies.get(agency_id)
        a_row = by_agency.setdefault(agency_id, _empty(str(agency_id or ""), agency.name if agency
                                                       else "(chưa xác định cơ quan)"))
        _add(a_row, counts)
        sup_id = agency.supervisor_id if agency else None
        sup = people.get(sup_id)
        s_row = by_supervisor.setdefault(sup_id, _empty(str(sup_id or ""), sup.name if sup
                                                        else "(chưa phân công phụ trách)"))
        _add(s_row, counts)
        notice = notices.get(notice_id)
        n_row = by_notice.setdefault(notice_id, _empty(str(notice_id or ""), _notice_name(notice)))
        _add(n_row, counts)

    def ordered(rows: dict[Any, StatsRow]) -> list[StatsRow]:
        return sorted(rows.values(), key=lambda r: (-r.open_overdue, -r.total, r.name))

    unack_where = [*where, col(Directive.state).in_((State.assigned, State.overdue)),
                   col(Directive.acknowledged_at).is_(None)]
    unack_total = session.exec(select(func.count()).select_from(Directive).where(*unack_where)).one()
    unacknowledged = list(session.exec(select(Directive).where(*unack_where)
                                       .order_by(col(Directive.assigned_at), col(Directive.id)).limit(top)).all())
    exprs = bucket_expressions(now, due_soon_limit(now, calendar or WorkCalendar()))
    most_overdue = list(session.exec(select(Directive).where(*where, col(Directive.state).in_(OPEN_STATES),
                                                             exprs["open_overdue"])
                                     .order_by(col(Directive.deadline), col(Directive.id)).limit(top)).all())
    for d in (*unacknowledged, *most_overdue):
        if d.notice_id is not None and d.notice_id not in notices:
            notices.update(_by_ids(session, Notice, {d.notice_id}))
    return Dashboard(
        province=province, by_agency=ordered(by_agency), by_supervisor=ordered(by_supervisor),
        by_notice=ordered(by_notice), monthly=monthly_on_time(session, where, now, months=months),
        unacknowledged=unacknowledged, unacknowledged_total=int(unack_total), most_overdue=most_overdue,
        agencies=agencies, notices=notices,
    )


def _notice_name(notice: Notice | None) -> str:
    if notice is None:
        return "(không thuộc thông báo)"
    return f"TB số {notice.number}" if notice.number else (notice.title or notice.source_name)


def monthly_on_time(session: Session, where: list[Any], now: dt.datetime, *, months: int = 12,
                    tz: str = LOCAL_TZ) -> list[MonthRate]:
    """Per local month (the last `months`, this one included): directives already due, and due on time."""
    today = local(now, tz).date()
    starts = []
    year, month = today.year, today.month
    for _ in range(months):
        starts.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    starts.reverse()
    bounds = []
    for y, m in starts:
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        start = _start_of_local_day(dt.date(y, m, 1), tz)
        end = min(_start_of_local_day(dt.date(ny, nm, 1), tz), now)  # only deadlines that have come
        bounds.append((y, m, start, end))
    deadline = col(Directive.deadline)
    finished = func.coalesce(col(Directive.reported_at), col(Directive.done_at))
    on_time = case((and_(col(Directive.state).in_((State.reported, State.done)), finished <= deadline), 1),
                   else_=0).label("on_time")
    # One CASE picks each row's month (its deadline's), then rows are counted per (month, on time).
    month = case(*[(deadline < end, i) for i, (_, _, _, end) in enumerate(bounds)], else_=None).label("m")
    stmt = (select(month, on_time, func.count().label("n")).select_from(Directive)
            .where(*where, col(Directive.state).in_(COUNTED), deadline >= bounds[0][2], deadline < now)
            .group_by(month, on_time))
    due, punctual = [0] * len(bounds), [0] * len(bounds)
    for m, ok, n in session.execute(stmt).all():
        if m is None:
            continue
        due[m] += n
        punctual[m] += n if ok else 0
    return [MonthRate(y, mo, due[i], punctual[i]) for i, (y, mo, _, _) in enumerate(bounds)]


def change_marker(session: Session) -> int:
    """A number that grows with every recorded event: screens poll it to know when to refresh."""
    return int(session.exec(select(func.max(DirectiveEvent.id))).one() or 0)


@dataclass
class NoticeSummary:
    """A notice with how many of its directives are in each state."""

    notice: Notice
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def notice_summaries(session: Session, *, limit: int = 500) -> list[NoticeSummary]:
    """Notices, newest first, with their directives counted by state."""
    notices = list(session.exec(select(Notice).order_by(col(Notice.id).desc()).limit(limit)).all())
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if notices:
        stmt = (select(Directive.notice_id, Directive.state, func.count())
                .where(col(Directive.notice_id).in_([n.id for n in notices]))
                .group_by(col(Directive.notice_id), col(Directive.state)))
        for notice_id, state, n in session.exec(stmt).all():
            counts[notice_id][State(state).value] = n
    return [NoticeSummary(n, counts.get(n.id, {})) for n in notices]  # type: ignore[arg-type]


def notice_directives(session: Session, notice_id: int) -> list[Directive]:
    """A notice's directives in the order of the notice."""
    return list(session.exec(select(Directive).where(col(Directive.notice_id) == notice_id)
                             .order_by(col(Directive.id))).all())


def directive_events(session: Session, directive_id: int) -> list[DirectiveEvent]:
    """A directive's history, oldest first."""
    return list(session.exec(select(DirectiveEvent).where(col(DirectiveEvent.directive_id) == directive_id)
                             .order_by(col(DirectiveEvent.seq))).all())


def open_directive_count(session: Session, *, person_id: int | None = None, agency_id: int | None = None) -> int:
    """How many open directives a person leads by name, or an agency leads."""
    where = [col(Directive.state).in_((State.draft, *OPEN_STATES))]
    if person_id is not None:
        where.append(col(Directive.leader_id) == person_id)
    if agency_id is not None:
        where.append(col(Directive.lead_agency_id) == agency_id)
    return int(session.exec(select(func.count()).select_from(Directive).where(*where)).one())
