"""Tổng quan: the official buckets for the province and per agency, supervisor and notice; charts; watch lists."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from engine.errors import InvalidInput
from engine.models import Agency, Notice, Person, Role
from engine.queries import change_marker, dashboard
from web.charts import month_columns, stacked_bars
from web.core import current_person, db, dondoc, explain, is_office, no_change, render
from web.forms import directive_filter, filter_query

router = APIRouter()


def filter_choices(session: Session) -> dict[str, list]:
    """The agencies, supervisors and notices a filter form offers."""
    return {
        "agencies": list(session.exec(select(Agency).order_by(col(Agency.name))).all()),
        "supervisors": list(session.exec(select(Person).where(Person.role == Role.supervisor, col(Person.active))
                                         .order_by(col(Person.name))).all()),
        "notices": list(session.exec(select(Notice).order_by(col(Notice.id).desc()).limit(200)).all()),
    }


@router.get("/")
def overview(request: Request, session: Session = Depends(db), person: Person = Depends(current_person),
             since: int | None = None, partial: bool = False) -> Response:
    app = dondoc(request)
    marker = change_marker(session)
    if since is not None and since == marker:
        return no_change()
    error = None
    try:
        f = directive_filter(request.query_params)
    except InvalidInput as exc:
        f, error = directive_filter({}), explain(exc)
    if not is_office(person):
        f = f.scoped_to(person)
    board = dashboard(session, f, app.now(), calendar=app.calendar)
    context = dict(person=person, board=board, bars=stacked_bars(board.by_agency),
                   months=month_columns(board.monthly), marker=marker, error=error,
                   query=filter_query(request.query_params), params=request.query_params)
    if partial:
        return render(request, "_dashboard.html", **context)
    return render(request, "dashboard.html", nav="overview", **filter_choices(session), **context)
