"""One-time web login links: single use, 15 minutes, only the token's hash stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import update
from sqlmodel import Session, col

from engine.db import begin_write
from engine.errors import DondocError
from engine.models import LoginToken, Outbox, Person
from engine.outbox import enqueue
from engine.people import get_person

TTL = dt.timedelta(minutes=15)
TOKEN_BYTES = 32
LOGIN_PATH = "/dang-nhap/"  # the web route that redeems a token: BASE_URL + LOGIN_PATH + token


class LoginError(DondocError):
    """A login link that cannot be used; the message is shown on the login page."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_url(base_url: str, token: str) -> str:
    """The link a person opens to log in."""
    return f"{base_url.rstrip('/')}{LOGIN_PATH}{token}"


def create_login_token(session: Session, person_id: int, now: dt.datetime) -> str:
    """A new single-use token for the person (committed); only its hash is stored."""
    get_person(session, person_id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        begin_write(session)
        session.add(LoginToken(token_hash=_digest(token), person_id=person_id, created_at=now,
                               expires_at=now + TTL))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return token


def send_login_link(session: Session, person_id: int, base_url: str, now: dt.datetime) -> bool:
    """Queue a login link to the person's bound Telegram chat; False (nothing queued) if there is none."""
    person = get_person(session, person_id)
    if person.telegram_chat_id is None:
        return False
    token = create_login_token(session, person_id, now)
    try:
        begin_write(session)
        # Sent at once, quiet hours or not: the person is waiting at the login page.
        enqueue(session, key=_outbox_key(token, person_id), kind="login_link", person_id=person_id,
                directive_id=None, payload={"url": login_url(base_url, token),
                                            "expires_at": (now + TTL).isoformat()},
                not_before=now, now=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return True


def _outbox_key(token: str, person_id: int) -> str:
    return f"login:{_digest(token)[:32]}:p{person_id}"


def redeem_login_token(session: Session, token: str, now: dt.datetime) -> Person:
    """The person the token logs in, marking it used; LoginError if it is unknown, used or expired."""
    try:
        begin_write(session)
        peek_login_token(session, token, now)
        row = session.get(LoginToken, _digest(token), populate_existing=True)
        assert row is not None
        claimed = session.execute(update(LoginToken).where(col(LoginToken.token_hash) == row.token_hash,
                                                           col(LoginToken.used_at).is_(None)).values(used_at=now))
        if claimed.rowcount != 1:
            raise LoginError("Đường liên kết này đã được sử dụng. Mỗi đường liên kết chỉ dùng được một lần.")
        # The link sent through Telegram is spent: keep no usable copy of it in the outbox.
        session.execute(update(Outbox).where(col(Outbox.key) == _outbox_key(token, row.person_id))
                        .values(payload={"url": None, "used": True}))
        person = get_person(session, row.person_id)
        session.commit()
        return person
    except BaseException:
        session.rollback()
        raise


def peek_login_token(session: Session, token: str, now: dt.datetime) -> Person:
    """The person a still-usable token would log in, without using it (link previews must not spend it)."""
    row = session.get(LoginToken, _digest(token)) if token and len(token) <= 128 else None
    if row is None:
        raise LoginError("Đường liên kết đăng nhập không đúng. Vui lòng yêu cầu một đường liên kết mới.")
    if row.used_at is not None:
        raise LoginError("Đường liên kết này đã được sử dụng. Mỗi đường liên kết chỉ dùng được một lần.")
    if row.expires_at <= now:
        raise LoginError("Đường liên kết đã hết hạn (hiệu lực 15 phút). Vui lòng yêu cầu một đường liên kết mới.")
    person = get_person(session, row.person_id)
    if not person.active:
        raise LoginError("Tài khoản này không còn trong danh bạ.")
    return person
