"""Nhiệm vụ: the filtered, searchable, paged list; one directive with its history and the office's actions."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session, col, select

from engine import commands
from engine.errors import DondocError, InvalidInput, NotFound
from engine.lifecycle import Actor, allowed_events
from engine.models import Agency, Directive, Notice, Person
from engine.people import actor_kinds, supervisor_of
from engine.queries import LIST_BUCKETS, change_marker, directive_events, list_directives
from engine.report_files import report_file
from engine.stats import bucket_of
from web.core import current_person, db, dondoc, explain, is_office, no_change, render
from web.forms import deadline, directive_filter, filter_query, text
from web.routes.dashboard import filter_choices
from web.timeline import describe

router = APIRouter()


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


@router.get("/nhiem-vu")
def directives_page(request: Request, session: Session = Depends(db), person: Person = Depends(current_person),
                    since: int | None = None, partial: bool = False) -> Response:
    app = dondoc(request)
    marker = change_marker(session)
    if since is not None and since == marker:
        return no_change()
    error = None
    try:
        f = directive_filter(request.query_params)
        if not is_office(person):
            f = f.scoped_to(person)
        page = list_directives(session, f, app.now(), calendar=app.calendar, page=_page(request),
                               sort=request.query_params.get("sort") or "deadline")
    except InvalidInput as exc:
        error = explain(exc)
        f = directive_filter({}) if is_office(person) else directive_filter({}).scoped_to(person)
        page = list_directives(session, f, app.now(), calendar=app.calendar)
    buckets = {d.id: bucket_of(d, app.now()) for d in page.rows}
    context = dict(person=person, page=page, buckets=buckets, marker=marker, error=error,
                   query=filter_query(request.query_params), params=request.query_params,
                   page_query=lambda n: filter_query(request.query_params, page=n,
                                                     sort=request.query_params.get("sort")))
    if partial:
        return render(request, "_directive_table.html", **context)
    leaders = list(session.exec(select(Person).where(col(Person.active), col(Person.role).in_(
        ("leader", "supervisor"))).order_by(col(Person.name))).all())
    return render(request, "directives.html", nav="directives", leaders=leaders, list_buckets=LIST_BUCKETS,
                  **filter_choices(session), **context)


def _visible(session: Session, person: Person, directive_id: int) -> Directive:
    directive = session.get(Directive, directive_id)
    if directive is None:
        raise NotFound(f"Không có nhiệm vụ #{directive_id}.")
    if not is_office(person) and Actor.lead not in actor_kinds(person, directive):
        raise NotFound(f"Không có nhiệm vụ #{directive_id}.")  # an agency account sees only its own work
    return directive


def _detail(request: Request, session: Session, person: Person, directive: Directive, **extra: object) -> dict:
    app = dondoc(request)
    events = directive_events(session, directive.id)  # type: ignore[arg-type]
    people = {p.id: p for p in session.exec(select(Person)).all()}
    return dict(
        person=person, d=directive, bucket=bucket_of(directive, app.now()),
        notice=session.get(Notice, directive.notice_id) if directive.notice_id else None,
        agency=session.get(Agency, directive.lead_agency_id) if directive.lead_agency_id else None,
        supervisor=supervisor_of(session, directive),
        timeline=[describe(e, people) for e in reversed(events)],
        allowed=set(allowed_events(directive.state)), marker=directive.version, **extra,
    )


@router.get("/nhiem-vu/{directive_id}")
def directive_page(request: Request, directive_id: int, session: Session = Depends(db),
                   person: Person = Depends(current_person), since: int | None = None,
                   partial: bool = False) -> Response:
    directive = _visible(session, person, directive_id)
    if since is not None and since == directive.version:
        return no_change()
    context = _detail(request, session, person, directive)
    if partial:
        return render(request, "_directive_live.html", **context)
    return render(request, "directive.html", nav="directives", **context)


ACTIONS = ("accept", "return", "grant", "deny", "deadline", "cancel", "assign")


@router.post("/nhiem-vu/{directive_id}/{action}")
async def act(request: Request, directive_id: int, action: str, session: Session = Depends(db),
              person: Person = Depends(current_person)) -> Response:
    if action not in ACTIONS:
        raise NotFound("Không có thao tác này.")
    app = dondoc(request)
    form = await request.form()
    directive = _visible(session, person, directive_id)
    now = app.now()
    reason = text(form, "reason")
    try:
        if action == "accept":
            cmd: commands.Command = commands.AcceptReport(directive_id, person.id, text(form, "note"))  # type: ignore[arg-type]
        elif action == "return":
            if not reason:
                raise InvalidInput("Vui lòng nhập lý do trả lại báo cáo.")
            cmd = commands.ReturnReport(directive_id, person.id, reason)  # type: ignore[arg-type]
        elif action == "grant":
            raw = text(form, "new_deadline")
            cmd = commands.GrantExtension(directive_id, person.id, deadline(raw) if raw else None)  # type: ignore[arg-type]
        elif action == "deny":
            cmd = commands.DenyExtension(directive_id, person.id, reason)  # type: ignore[arg-type]
        elif action == "deadline":
            cmd = commands.GrantExtension(directive_id, person.id, deadline(text(form, "new_deadline")))  # type: ignore[arg-type]
        elif action == "cancel":
            if not reason:
                raise InvalidInput("Vui lòng nhập lý do hủy nhiệm vụ.")
            cmd = commands.CancelDirective(directive_id, person.id, reason)  # type: ignore[arg-type]
        else:
            cmd = commands.AssignDirective(directive_id, person.id)  # type: ignore[arg-type]
        outcome = commands.handle(session, cmd, now)
    except DondocError as exc:
        status = 403 if not is_office(person) else 200
        context = _detail(request, session, person, session.get(Directive, directive_id) or directive,
                          error=explain(exc), failed_action=action, form=form)
        return render(request, "_directive_live.html", status=status, **context)
    message = "Không có thay đổi: nhiệm vụ đã ở trạng thái này." if outcome.noop else "Đã ghi nhận."
    context = _detail(request, session, person, outcome.directive, ok=message)
    return render(request, "_directive_live.html", **context)


@router.get("/nhiem-vu/{directive_id}/tep/{seq}")
def attachment(request: Request, directive_id: int, seq: int, session: Session = Depends(db),
               person: Person = Depends(current_person)) -> Response:
    _visible(session, person, directive_id)
    event = next((e for e in directive_events(session, directive_id) if e.seq == seq), None)
    file = (event.payload.get("attachment") or {}) if event else {}
    stored = report_file(session, str(file.get("sha256") or ""))  # in the database: any host can serve it
    if stored is not None:
        name = quote(str(file.get("name") or file["sha256"][:12]))
        return Response(stored, media_type=file.get("mime_type") or "application/octet-stream",
                        headers={"Content-Disposition": f"attachment; filename*=utf-8''{name}"})
    reports = (dondoc(request).settings.data_dir / "reports").resolve()  # files stored before that
    path = Path(file.get("path") or "").resolve() if file.get("path") else None
    if path is None or not path.is_file() or reports not in path.parents:
        raise NotFound("Không còn tệp đính kèm này.")
    return FileResponse(path, filename=file.get("name") or path.name)
