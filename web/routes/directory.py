"""Danh bạ: agencies and people (add, edit, remove), aliases, roles; Telegram invitations and who is bound."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from dondoc.bootstrap import App
from engine.binding import create_code
from engine.directory_admin import (
    AgencyInput,
    PersonInput,
    directory_people,
    remove_agency,
    remove_person,
    save_agency,
    save_person,
)
from engine.errors import DondocError, NotFound
from engine.labels import AGENCY_KIND_LABELS
from engine.models import Agency, Person, Role
from engine.queries import open_directive_count
from web.core import db, dondoc, explain, office_person, render
from web.forms import optional_id, text

router = APIRouter()
INVITE_HOURS = 72


def _page(request: Request, session: Session, person: Person, status: int = 200, **extra: Any) -> Response:
    agencies = list(session.exec(select(Agency).order_by(col(Agency.kind), col(Agency.name))).all())
    people = directory_people(session)
    counts = {a.id: open_directive_count(session, agency_id=a.id) for a in agencies}
    return render(request, "directory.html", status=status, nav="directory", person=person, agencies=agencies,
                  people=people, counts=counts, agency_by_id={a.id: a for a in agencies},
                  supervisors=[p for p in people if p.role == Role.supervisor], kinds=AGENCY_KIND_LABELS,
                  roles=[r.value for r in Role], **extra)


@router.get("/danh-ba")
def directory_page(request: Request, session: Session = Depends(db),
                   person: Person = Depends(office_person)) -> Response:
    return _page(request, session, person, flash=request.session.pop("flash", None))


def _agency_input(form: Any) -> AgencyInput:
    aliases = [a for a in text(form, "aliases").split(";")]
    return AgencyInput(code=text(form, "code"), name=text(form, "name"), kind=text(form, "kind") or "so",
                       aliases=tuple(aliases), supervisor_id=optional_id(form, "supervisor_id", "Người phụ trách"))


def _person_input(form: Any) -> PersonInput:
    return PersonInput(name=text(form, "name"), role=text(form, "role") or "leader", title=text(form, "title"),
                       agency_id=optional_id(form, "agency_id", "Cơ quan"))


def _done(request: Request, message: str) -> Response:
    request.session["flash"] = {"ok": message}
    return RedirectResponse("/danh-ba", status_code=303)


@router.post("/danh-ba/co-quan")
@router.post("/danh-ba/co-quan/{agency_id}")
async def agency_save(request: Request, agency_id: int | None = None, session: Session = Depends(db),
                      person: Person = Depends(office_person)) -> Response:
    form = await request.form()
    try:
        agency = save_agency(session, _agency_input(form), agency_id)
    except DondocError as exc:
        if agency_id is not None:
            return _edit_agency(request, session, person, agency_id, error=explain(exc), form=form, status=400)
        return _page(request, session, person, status=400, agency_error=explain(exc), agency_form=form)
    return _done(request, f"Đã lưu cơ quan {agency.name}.")


def _edit_agency(request: Request, session: Session, person: Person, agency_id: int, status: int = 200,
                 **extra: Any) -> Response:
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"Không có cơ quan #{agency_id}.")
    supervisors = [p for p in directory_people(session) if p.role == Role.supervisor]
    return render(request, "agency_form.html", status=status, nav="directory", person=person, agency=agency,
                  supervisors=supervisors, kinds=AGENCY_KIND_LABELS, **extra)


@router.get("/danh-ba/co-quan/{agency_id}")
def agency_edit(request: Request, agency_id: int, session: Session = Depends(db),
                person: Person = Depends(office_person)) -> Response:
    return _edit_agency(request, session, person, agency_id)


@router.post("/danh-ba/co-quan/{agency_id}/xoa")
def agency_remove(request: Request, agency_id: int, session: Session = Depends(db),
                  person: Person = Depends(office_person)) -> Response:
    try:
        remove_agency(session, agency_id)
    except DondocError as exc:
        return _page(request, session, person, status=400, flash={"error": explain(exc)})
    return _done(request, "Đã xóa cơ quan.")


@router.post("/danh-ba/nguoi")
@router.post("/danh-ba/nguoi/{person_id}")
async def person_save(request: Request, person_id: int | None = None, session: Session = Depends(db),
                      person: Person = Depends(office_person)) -> Response:
    form = await request.form()
    try:
        saved = save_person(session, _person_input(form), person_id)
    except DondocError as exc:
        if person_id is not None:
            return _edit_person(request, session, person, person_id, error=explain(exc), form=form, status=400)
        return _page(request, session, person, status=400, person_error=explain(exc), person_form=form)
    return _done(request, f"Đã lưu {saved.name}.")


def _edit_person(request: Request, session: Session, person: Person, person_id: int, status: int = 200,
                 **extra: Any) -> Response:
    who = session.get(Person, person_id)
    if who is None or not who.active:
        raise NotFound(f"Không có người #{person_id}.")
    agencies = list(session.exec(select(Agency).order_by(col(Agency.name))).all())
    return render(request, "person_form.html", status=status, nav="directory", person=person, who=who,
                  agencies=agencies, roles=[r.value for r in Role],
                  open_count=open_directive_count(session, person_id=person_id), **extra)


@router.get("/danh-ba/nguoi/{person_id}")
def person_edit(request: Request, person_id: int, session: Session = Depends(db),
                person: Person = Depends(office_person)) -> Response:
    return _edit_person(request, session, person, person_id)


@router.post("/danh-ba/nguoi/{person_id}/xoa")
def person_remove(request: Request, person_id: int, session: Session = Depends(db),
                  person: Person = Depends(office_person)) -> Response:
    try:
        removed = remove_person(session, person_id)
    except DondocError as exc:
        return _page(request, session, person, status=400, flash={"error": explain(exc)})
    return _done(request, f"Đã xóa {removed.name} khỏi danh bạ (lịch sử vẫn được giữ).")


async def bot_username(app: App) -> str | None:
    """The bot's @username for deep links: configured, else asked once from Telegram, else unknown."""
    if app.settings.telegram_bot_username:
        return app.settings.telegram_bot_username.lstrip("@")
    if app.settings.telegram_token is None:
        return None
    cached = getattr(app, "_bot_username", None)
    if cached:
        return cached
    from notifiers.telegram.notifier import TelegramNotifier

    try:
        async with TelegramNotifier.from_settings(app.settings) as notifier:
            name = (await asyncio.wait_for(notifier.bot.get_me(), 10)).username
    except Exception:
        return None
    app._bot_username = name  # type: ignore[attr-defined]
    return name


@router.post("/danh-ba/nguoi/{person_id}/moi")
async def invite(request: Request, person_id: int, person: Person = Depends(office_person)) -> Response:
    app = dondoc(request)
    with app.session() as session:
        who = session.get(Person, person_id)
        if who is None or not who.active:
            raise NotFound(f"Không có người #{person_id}.")
        code = create_code(session, person_id, app.now(), dt.timedelta(hours=INVITE_HOURS))
    username = await bot_username(app)
    link = f"https://t.me/{username}?start={code}" if username else None
    qr = segno.make(link or code, error="m").svg_inline(scale=4, border=2) if link or code else ""
    return render(request, "invite.html", nav="directory", person=person, who=who, link=link, code=code, qr=qr,
                  hours=INVITE_HOURS)
