"""What every route shares: the dondoc App, the logged-in person, CSRF, templates and Vietnamese formatting."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from dondoc.bootstrap import App
from engine.errors import (
    ConcurrencyConflict,
    DondocError,
    PermissionDenied,
    TransitionNotAllowed,
)
from engine.labels import (
    BUCKET_LABELS,
    DEADLINE_KIND_LABELS,
    ROLE_LABELS,
    STATE_LABELS,
    flag_label,
    label,
)
from engine.models import Person
from engine.people import OFFICE_ROLES
from engine.text import looks_vietnamese
from engine.timeutil import local
from notifiers.vi import nfc, state_phrase, weekday

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

class NeedLogin(Exception):
    """No (live) session: the person is sent to the login page."""


class Forbidden(Exception):
    """Logged in, but not allowed here."""

    def __init__(self, message: str = "Thao tác này chỉ dành cho Văn phòng UBND tỉnh.") -> None:
        super().__init__(message)


def dondoc(request: Request) -> App:
    """The dondoc App the web app was built on."""
    return request.app.state.dondoc


def db(request: Request) -> Iterator[Session]:
    """A session for this request (commands commit or roll back themselves)."""
    with dondoc(request).session() as session:
        yield session


def current_person(request: Request) -> Person:
    """The logged-in person, or NeedLogin."""
    uid = request.session.get("uid")
    if uid is None:
        raise NeedLogin()
    with dondoc(request).session() as session:
        person = session.get(Person, uid)
    if person is None or not person.active:
        request.session.pop("uid", None)
        raise NeedLogin()
    return person


def is_office(person: Person) -> bool:
    """Office staff and provincial leaders act as the office; agency accounts do not."""
    return person.role in OFFICE_ROLES


def office_person(request: Request) -> Person:
    """The logged-in person if they act as the office, else Forbidden."""
    person = current_person(request)
    if not is_office(person):
        raise Forbidden()
    return person


async def check_csrf(request: Request) -> None:
    """Every POST carries the session's token, as a form field or the X-CSRF-Token header (htmx)."""
    if request.method != "POST":
        return
    expected = request.session.get("csrf", "")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise Forbidden("Phiên làm việc không hợp lệ hoặc đã hết hạn (thiếu mã bảo vệ CSRF). "
                        "Vui lòng tải lại trang và thử lại.")


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template with the person, the CSRF token and the current time."""
    person = context.pop("person", None)
    if person is None and request.session.get("uid") is not None:
        try:
            person = current_person(request)
        except NeedLogin:
            person = None
    app = dondoc(request)
    context.update(request=request, person=person, office=bool(person and is_office(person)),
                   csrf_token=request.session.get("csrf", ""), now=app.now(), office_name=app.settings.office_name)
    return templates.TemplateResponse(request, template, context, status_code=status)


def no_change() -> Response:
    """The answer to a live-update poll when nothing changed: htmx keeps the page as it is."""
    return Response(status_code=204)


# ---- Vietnamese formatting (dd/mm/yyyy, HH:MM, Asia/Ho_Chi_Minh) ----

def fmt_day(value: dt.datetime | dt.date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return value.strftime("%d/%m/%Y")


def fmt_time(value: dt.datetime | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return local(value).strftime("%H:%M %d/%m/%Y")


def fmt_long_day(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    return nfc(f"{weekday(value)}, {fmt_day(value)}")


def notice_label(notice: object) -> str:
    """A notice in a few words: its number, else its date."""
    number, date = getattr(notice, "number", None), getattr(notice, "date", None)
    if number:
        return f"TB {number}"
    return f"TB ngày {fmt_day(date)}" if date else f"TB #{getattr(notice, 'id', '')}"


templates.env.filters.update(
    day=fmt_day, time=fmt_time, longday=fmt_long_day, state=lambda s: label(STATE_LABELS, str(s)),
    state_phrase=lambda s: state_phrase(str(s)), bucket=lambda b: label(BUCKET_LABELS, b) if b else "",
    role=lambda r: label(ROLE_LABELS, str(r)), kind=lambda k: label(DEADLINE_KIND_LABELS, k or "none"),
    num=lambda n: f"{n:,}".replace(",", "."), flag=flag_label, notice_label=notice_label,
)
templates.env.globals.update(STATE_LABELS=STATE_LABELS, BUCKET_LABELS=BUCKET_LABELS, ROLE_LABELS=ROLE_LABELS)


EVENT_VERBS = {"Assigned": "giao", "Acknowledged": "xác nhận đã nhận", "ReportSubmitted": "báo cáo",
               "ReportAccepted": "chấp nhận báo cáo", "ReportReturned": "trả lại báo cáo",
               "ExtensionGranted": "gia hạn", "ExtensionDenied": "từ chối gia hạn", "Cancelled": "hủy",
               "DraftEdited": "sửa dự thảo", "ExtensionRequested": "xin gia hạn", "DeadlinePassed": "chuyển quá hạn"}


def explain(exc: DondocError) -> str:
    """An engine error in Vietnamese, for a form or a banner."""
    message = str(exc)
    if isinstance(exc, TransitionNotAllowed):
        verb = EVENT_VERBS.get(exc.event, exc.event)
        return nfc(f"Không thể {verb}: nhiệm vụ đang ở trạng thái “{state_phrase(exc.state)}”.")
    if isinstance(exc, PermissionDenied):
        return "Anh/chị không có quyền thực hiện thao tác này trên nhiệm vụ này."
    if isinstance(exc, ConcurrencyConflict):
        return "Nhiệm vụ vừa được người khác cập nhật. Vui lòng xem lại trạng thái mới rồi thử lại."
    if looks_vietnamese(message):  # the engine's messages are written for the office
        return nfc(message)
    return "Không thực hiện được thao tác này. Vui lòng thử lại hoặc báo quản trị viên."


