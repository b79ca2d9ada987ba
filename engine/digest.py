"""The daily digest: each leader's open directives by bucket, and the province-wide summary for the office."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pendulum
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.db import begin_write
from engine.models import OPEN_STATES, Agency, Directive, Notice, Person, State
from engine.outbox import enqueue
from engine.people import LEAD_ROLES, office_people, unreached_directives
from engine.policy import Policy, default_policy
from engine.schedule import notification_time
from engine.timeutil import local_date, utc

BUCKETS = ("overdue", "due_soon", "in_time", "reported", "no_deadline")
MAX_OFFICE_ITEMS = 100


def bucket(
    directive: Directive, now: dt.datetime, calendar: WorkCalendar, soon: int, tz: str
) -> tuple[str, int | None]:
    """The digest bucket of an open directive and its working days left (None without a deadline)."""
    if directive.deadline is None:
        return ("reported" if directive.state == State.reported else "no_deadline"), None
    days = calendar.working_days_between(local_date(now, tz), local_date(directive.deadline, tz))
    if directive.state == State.reported:
        return "reported", days
    if directive.state == State.overdue or directive.deadline <= now:
        return "overdue", days
    return ("due_soon" if days <= soon else "in_time"), days


def queue_daily_digest(
    session: Session, now: dt.datetime, *, calendar: WorkCalendar, policy: Policy | None = None
) -> int:
    """Queue today's digests (working days only); one per person per day, however often it runs."""
    policy = policy or default_policy()
    tz, today = policy.timezone, local_date(now, policy.timezone)
    if not calendar.is_working_day(today):
        return 0
    begin_write(session)
    directives = session.exec(
        select(Directive).where(col(Directive.state).in_(OPEN_STATES)).order_by(col(Directive.id))
    ).all()
    notices = {n.id: n for n in session.exec(select(Notice)).all()} if directives else {}
    agencies = {a.id: a for a in session.exec(select(Agency)).all()}
    leads = _lead_map(session, {d.lead_agency_id for d in directives if d.lead_agency_id is not None})
    per_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    all_items: list[dict[str, Any]] = []
    for d in directives:
        name, days = bucket(d, now, calendar, policy.digest_due_soon_days, tz)
        notice = notices.get(d.notice_id)
        lead = agencies[d.lead_agency_id].name if d.lead_agency_id in agencies else (d.lead or "")
        item = {"id": d.id, "ref": d.ref, "task": d.task[:200], "lead": lead, "bucket": name,
                "days_left": days,
                "deadline_date": local_date(d.deadline, tz).isoformat() if d.deadline else None,
                "notice": (notice.number or notice.title) if notice else None}
        all_items.append(item)
        recipients = [d.leader_id] if d.leader_id is not None else leads.get(d.lead_agency_id, [])
        for pid in recipients:
            per_person[pid].append(item)
    not_before = max(notification_time(now, policy=policy, calendar=calendar),
                     utc(pendulum.datetime(today.year, today.month, today.day, policy.digest_time.hour,
                                           policy.digest_time.minute, tz=tz)))
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(list(per_person)))).all()}
    added = 0
    for pid, items in per_person.items():
        person = people.get(pid)
        title = agencies[person.agency_id].name if person and person.agency_id in agencies else (
            person.name if person else "")
        payload = _payload(today, "agency", title, items, policy)
        added += _queue(session, f"digest:{today.isoformat()}:p{pid}", pid, payload, not_before, now)
    summary = _payload(today, "province", "toàn tỉnh", all_items, policy)
    summary["agencies"] = _by_agency(all_items)
    summary["items"] = [i for i in summary["items"] if i["bucket"] == "overdue"][:MAX_OFFICE_ITEMS]
    by_id = {i["id"]: i for i in all_items}
    summary["unreached"] = [by_id[d.id] for d in unreached_directives(session) if d.id in by_id][:MAX_OFFICE_ITEMS]
    for office in office_people(session):
        key = f"digest:{today.isoformat()}:p{office.id}"
        added += _queue(session, key, office.id, summary, not_before, now)
    session.commit()
    return added


def _lead_map(session: Session, agency_ids: set[int]) -> dict[int, list[int]]:
    if not agency_ids:
        return {}
    stmt = select(Person).where(col(Person.agency_id).in_(agency_ids), col(Person.role).in_(LEAD_ROLES))
    out: dict[int, list[int]] = defaultdict(list)
    for person in session.exec(stmt.order_by(col(Person.id))).all():
        out[person.agency_id].append(person.id)  # type: ignore[index,arg-type]
    return out


def _payload(
    today: dt.date, scope: str, title: str, items: list[dict[str, Any]], policy: Policy
) -> dict[str, Any]:
    counts = {b: 0 for b in BUCKETS}
    for item in items:
        counts[item["bucket"]] += 1
    ordered = sorted(items, key=lambda i: (BUCKETS.index(i["bucket"]), i["deadline_date"] or "9999", i["id"]))
    return {"date": today.isoformat(), "scope": scope, "title": title, "counts": counts, "items": ordered,
            "due_soon_days": policy.digest_due_soon_days}


def _by_agency(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: {b: 0 for b in BUCKETS})
    for item in items:
        table[item["lead"] or "(chưa rõ đơn vị)"][item["bucket"]] += 1
    rows = [{"name": name, **counts} for name, counts in table.items()]
    return sorted(rows, key=lambda r: (-r["overdue"], -r["due_soon"], r["name"]))


def _queue(session: Session, key: str, pid: int, payload: dict[str, Any], not_before: dt.datetime,
           now: dt.datetime) -> int:
    return int(enqueue(session, key=key, kind="digest", person_id=pid, directive_id=None, payload=payload,
                       not_before=not_before, now=now))
