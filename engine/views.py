"""Plain snapshots of directives for notifiers, which must not need the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from engine.calendar import WorkCalendar
from engine.models import Agency, Directive, Notice, Person
from engine.timeutil import local_date


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def lead_name(session: Session, directive: Directive) -> str:
    """The lead as people know it: the agency's official name, the named person, or the notice's words."""
    if directive.lead_agency_id is not None:
        agency = session.get(Agency, directive.lead_agency_id)
        if agency:
            return agency.name
    if directive.leader_id is not None:
        person = session.get(Person, directive.leader_id)
        if person:
            return person.name
    return directive.lead or ""


def directive_view(
    session: Session, directive: Directive, *, now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None, tz: str | None = None,
) -> dict[str, Any]:
    """A JSON-able snapshot of a directive with its notice; `days_left` when now and calendar are given."""
    notice = session.get(Notice, directive.notice_id) if directive.notice_id else None
    deadline = directive.deadline
    view: dict[str, Any] = {
        "id": directive.id,
        "ref": directive.ref,
        "task": directive.task,
        "lead": lead_name(session, directive),
        "lead_agency_id": directive.lead_agency_id,
        "leader_id": directive.leader_id,
        "coordinators": list(directive.coordinators or []),
        "report_to": directive.report_to,
        "state": str(directive.state),
        "version": directive.version,
        "deadline": _iso(deadline),
        "deadline_date": local_date(deadline, tz).isoformat() if deadline else None,
        "deadline_text": directive.deadline_text,
        "deadline_kind": directive.deadline_kind,
        "original_deadline": _iso(directive.original_deadline),
        "pending_extension": directive.pending_extension,
        "assigned_at": _iso(directive.assigned_at),
        "acknowledged_at": _iso(directive.acknowledged_at),
        "reported_at": _iso(directive.reported_at),
        "overdue_at": _iso(directive.overdue_at),
        "done_at": _iso(directive.done_at),
        "notice_id": directive.notice_id,
        "notice_number": notice.number if notice else None,
        "notice_title": notice.title if notice else None,
        "notice_date": notice.date.isoformat() if notice and notice.date else None,
    }
    if now is not None and calendar is not None:
        today = local_date(now, tz)
        view["as_of"] = today.isoformat()
        view["days_left"] = (
            calendar.working_days_between(today, local_date(deadline, tz)) if deadline else None
        )
    return view
