"""Thông báo: upload a notice, the list, a notice beside its drafts; inline edit and assignment of drafts."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from engine import commands
from engine.errors import DondocError, InvalidInput, NotFound
from engine.models import Agency, Directive, Notice, Person, Role, State
from engine.queries import notice_directives, notice_summaries
from web.core import db, dondoc, explain, fmt_day, office_person, render
from web.forms import deadline, text
from web.quotes import segments

router = APIRouter()


@router.get("/thong-bao")
def notices_page(request: Request, session: Session = Depends(db),
                 person: Person = Depends(office_person)) -> Response:
    return render(request, "notices.html", nav="notices", person=person, summaries=notice_summaries(session))


@router.post("/thong-bao/tai-len")
async def upload(request: Request, person: Person = Depends(office_person)) -> Response:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return render(request, "_upload_job.html", job=None, error="Vui lòng chọn một tệp thông báo.")
    data = await upload.read()
    try:
        job = request.app.state.jobs.start(person.id, upload.filename, data)
    except DondocError as exc:
        return render(request, "_upload_job.html", job=None, error=explain(exc))
    return render(request, "_upload_job.html", job=job)


@router.get("/thong-bao/tai-len/{job_id}")
def upload_status(request: Request, job_id: str, person: Person = Depends(office_person)) -> Response:
    job = request.app.state.jobs.get(job_id)
    if job is None or job.person_id != person.id:
        return render(request, "_upload_job.html", job=None, error="Không tìm thấy lượt tải lên này.")
    if job.finished and not job.error:
        return Response(status_code=200, headers={"HX-Redirect": f"/thong-bao/{job.notice_id}"})
    return render(request, "_upload_job.html", job=job)


def readable(text: str) -> str:
    """The notice's text for reading: one line ending, and no blank line after every line (converted PDFs)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and sum(1 for line in lines if not line.strip()) > 0.4 * len(lines):
        text = re.sub(r"\n[ \t]*\n(?![ \t]*\n)", "\n", text)
    return text


def lead_choices(session: Session) -> dict[str, Any]:
    """Agencies and named people a draft can be given to."""
    agencies = list(session.exec(select(Agency).order_by(col(Agency.kind), col(Agency.name))).all())
    people = list(session.exec(select(Person).where(col(Person.active), col(Person.role).in_(
        (Role.supervisor, Role.leader))).order_by(col(Person.name))).all())
    return {"agencies": agencies, "people": people, "agency_names": {a.id: a.name for a in agencies}}


@router.get("/thong-bao/{notice_id}")
def notice_page(request: Request, notice_id: int, session: Session = Depends(db),
                person: Person = Depends(office_person)) -> Response:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"Không có thông báo #{notice_id}.")
    directives = notice_directives(session, notice_id)
    source = readable(notice.text)
    parts = segments(source, [(d.id, d.task) for d in directives]) if source else []  # type: ignore[misc]
    quoted = {i for p in parts for i in p.directive_ids}
    flash = request.session.pop("flash", None)
    return render(request, "notice.html", nav="notices", person=person, notice=notice, directives=directives,
                  parts=parts, quoted=quoted, candidates=list(notice.candidates or []),
                  flash=flash, drafts=[d for d in directives if d.state == State.draft],
                  ready=[d for d in directives if d.state == State.draft and commands.has_lead(d)],
                  **lead_choices(session))


def _draft(session: Session, directive_id: int) -> Directive:
    directive = session.get(Directive, directive_id)
    if directive is None:
        raise NotFound(f"Không có nhiệm vụ #{directive_id}.")
    return directive


@router.get("/nhiem-vu/{directive_id}/du-thao")
def draft_card(request: Request, directive_id: int, session: Session = Depends(db),
               person: Person = Depends(office_person)) -> Response:
    return render(request, "_draft.html", d=_draft(session, directive_id), **lead_choices(session))


@router.get("/nhiem-vu/{directive_id}/sua-du-thao")
def draft_form(request: Request, directive_id: int, session: Session = Depends(db),
               person: Person = Depends(office_person)) -> Response:
    return render(request, "_draft_form.html", d=_draft(session, directive_id), **lead_choices(session))


def draft_changes(session: Session, directive: Directive, form: Any) -> dict[str, Any]:
    """The edits a draft form asks for (only what differs)."""
    changes: dict[str, Any] = {}
    lead = text(form, "lead")
    if lead:
        kind, _, raw = lead.partition(":")
        if not raw.isdigit() or kind not in ("a", "p"):
            raise InvalidInput("Đơn vị chủ trì không hợp lệ.")
        if kind == "a":
            agency = session.get(Agency, int(raw))
            if agency is None:
                raise InvalidInput("Cơ quan đã chọn không có trong danh bạ.")
            if directive.lead_agency_id != agency.id or directive.leader_id is not None:
                changes.update(lead=agency.name, lead_agency_id=agency.id, leader_id=None)
        else:
            who = session.get(Person, int(raw))
            if who is None or not who.active:
                raise InvalidInput("Người đã chọn không có trong danh bạ.")
            if directive.leader_id != who.id:
                changes.update(lead=who.name, leader_id=who.id, lead_agency_id=None)
    task = form.get("task")
    if isinstance(task, str):
        task = " ".join(task.split())
        if not task:
            raise InvalidInput("Nội dung nhiệm vụ không được để trống.")
        if task != directive.task:
            changes["task"] = task
    raw_deadline = text(form, "deadline")
    if raw_deadline and raw_deadline != fmt_day(directive.deadline):
        changes.update(deadline=deadline(raw_deadline), deadline_kind="date")
    coordinators = form.get("coordinators")
    if isinstance(coordinators, str):
        names = [c.strip() for c in coordinators.replace("\n", ";").split(";") if c.strip()]
        if names != list(directive.coordinators or []):
            changes["coordinators"] = names
    return changes


@router.post("/nhiem-vu/{directive_id}/sua-du-thao")
async def save_draft(request: Request, directive_id: int, session: Session = Depends(db),
                     person: Person = Depends(office_person)) -> Response:
    form = await request.form()
    app = dondoc(request)
    directive = _draft(session, directive_id)
    try:
        changes = draft_changes(session, directive, form)
        if changes:
            directive = commands.edit_draft(session, directive_id, actor_id=person.id,  # type: ignore[arg-type]
                                            now=app.now(), changes=changes).directive
    except DondocError as exc:
        return render(request, "_draft_form.html", status=200, d=directive, error=explain(exc), form=form,
                      **lead_choices(session))
    return render(request, "_draft.html", d=directive, saved=bool(changes), **lead_choices(session))


@router.post("/thong-bao/{notice_id}/giao")
async def assign_drafts(request: Request, notice_id: int, session: Session = Depends(db),
                        person: Person = Depends(office_person)) -> Response:
    form = await request.form()
    app = dondoc(request)
    drafts = [d.id for d in notice_directives(session, notice_id) if d.state == State.draft]
    if form.get("all"):  # every draft whose lead is settled; the others wait for the office's choice
        ids = [d.id for d in notice_directives(session, notice_id) if d.state == State.draft and commands.has_lead(d)]
    else:
        chosen = {int(v) for v in form.getlist("ids") if isinstance(v, str) and v.isdigit()}
        ids = [i for i in drafts if i in chosen]
    if not ids:
        request.session["flash"] = {"error": "Chưa chọn dự thảo nào để giao."}
        return RedirectResponse(f"/thong-bao/{notice_id}", status_code=303)
    try:
        commands.assign_many(session, ids, actor_id=person.id, now=app.now())  # type: ignore[arg-type]
    except DondocError as exc:
        request.session["flash"] = {"error": explain(exc) + " Chưa giao nhiệm vụ nào."}
    else:
        left = len(drafts) - len(ids)
        request.session["flash"] = {"ok": f"Đã giao {len(ids)} nhiệm vụ." + (
            f" Còn {left} dự thảo chưa giao." if left else "")}
    return RedirectResponse(f"/thong-bao/{notice_id}", status_code=303)


@router.post("/thong-bao/{notice_id}/de-xuat/{index}")
async def promote(request: Request, notice_id: int, index: int, session: Session = Depends(db),
                  person: Person = Depends(office_person)) -> Response:
    """A clause the extractor did not take becomes an audited draft (engine: promote_candidate)."""
    from engine.ingest.service import promote_candidate

    try:
        draft = promote_candidate(session, notice_id, index, actor_id=person.id, now=dondoc(request).now())  # type: ignore[arg-type]
    except DondocError as exc:
        request.session["flash"] = {"error": explain(exc)}
    else:
        request.session["flash"] = {"ok": f"Đã tạo dự thảo từ đề xuất số {index + 1}: "
                                          "rà soát và giao như các mục khác."}
        return RedirectResponse(f"/thong-bao/{notice_id}#d-{draft}", status_code=303)
    return RedirectResponse(f"/thong-bao/{notice_id}", status_code=303)
