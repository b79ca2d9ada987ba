"""Logging in by a one-time link (printed by the CLI, or sent to the person's Telegram), and logging out."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from engine.directory_admin import find_people
from engine.login import LoginError, peek_login_token, redeem_login_token, send_login_link
from web.core import dondoc, render
from web.forms import text

router = APIRouter()
SENT = ("Nếu họ tên đúng và tài khoản đã liên kết Telegram, đường liên kết đăng nhập (dùng một lần, hiệu lực "
        "15 phút) vừa được gửi tới Telegram của anh/chị. Chưa liên kết Telegram? Đề nghị Văn phòng cấp đường "
        "liên kết đăng nhập.")


def _safe_next(target: str | None) -> str:
    # Only paths of this site: never an open redirect.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def base_url(request: Request) -> str:
    """The address login links point to: the configured one, else the one this request came to."""
    configured = dondoc(request).settings.web_base_url
    return configured or str(request.base_url).rstrip("/")


@router.get("/dang-nhap")
def login_page(request: Request, next: str | None = None) -> Response:
    expired = request.session.pop("expired", False)
    return render(request, "login.html", next=_safe_next(next),
                  notice="Phiên làm việc đã hết hạn sau 8 giờ không hoạt động. Vui lòng đăng nhập lại."
                  if expired else None)


@router.post("/dang-nhap")
async def request_link(request: Request) -> Response:
    form = await request.form()
    name = text(form, "name")
    if not name:
        return render(request, "login.html", status=400, error="Vui lòng nhập họ và tên.", name=name)
    app = dondoc(request)
    with app.session() as session:
        for person in find_people(session, name):
            send_login_link(session, person.id, base_url(request), app.now())  # type: ignore[arg-type]
    # The same answer whoever asked: the page does not tell which names exist.
    return render(request, "login.html", sent=SENT, name=name)


@router.get("/dang-nhap/{token}")
def confirm_page(request: Request, token: str) -> Response:
    app = dondoc(request)
    try:
        with app.session() as session:
            person = peek_login_token(session, token, app.now())
    except LoginError as exc:
        return render(request, "login.html", status=400, error=str(exc))
    return render(request, "login_confirm.html", who=person, token=token, next=_safe_next(
        request.query_params.get("next")))


@router.post("/dang-nhap/{token}")
async def redeem(request: Request, token: str) -> Response:
    app = dondoc(request)
    form = await request.form()
    try:
        with app.session() as session:
            person = redeem_login_token(session, token, app.now())
    except LoginError as exc:
        return render(request, "login.html", status=400, error=str(exc))
    request.session.clear()
    request.session.update(uid=person.id, seen=app.now().isoformat(), csrf=secrets.token_urlsafe(24))
    return RedirectResponse(_safe_next(text(form, "next")), status_code=303)


@router.post("/dang-xuat")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/dang-nhap", status_code=303)
