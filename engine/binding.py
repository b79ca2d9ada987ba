"""Binding a Telegram chat to a person with a one-time deep-link code."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import update
from sqlmodel import Session, col, select

from engine.db import begin_write
from engine.errors import DondocError
from engine.models import BindingCode, Person
from engine.outbox import release_held
from engine.people import get_person

DEFAULT_TTL = dt.timedelta(hours=72)
CODE_BYTES = 24  # 32 URL-safe characters; Telegram allows 64 in a start parameter


class BindingError(DondocError):
    """A code that cannot bind a chat; the message is shown to the person in Telegram."""


class BadCode(BindingError):
    """No such code."""


class CodeUsed(BindingError):
    """The code was redeemed already."""


class CodeExpired(BindingError):
    """The code is past its expiry."""


def _digest(code: str) -> str:
    # Only a hash is stored, so a copy of the database cannot be used to bind a chat.
    return hashlib.sha256(code.encode()).hexdigest()


def create_code(session: Session, person_id: int, now: dt.datetime, ttl: dt.timedelta = DEFAULT_TTL) -> str:
    """A new single-use, unguessable, URL-safe code for the person (committed)."""
    get_person(session, person_id)
    code = secrets.token_urlsafe(CODE_BYTES)
    begin_write(session)
    session.add(BindingCode(code=_digest(code), person_id=person_id, created_at=now, expires_at=now + ttl))
    session.commit()
    return code


def redeem(session: Session, code: str, chat_id: int, now: dt.datetime) -> Person:
    """Bind `chat_id` to the code's person; BadCode, CodeUsed or CodeExpired if it cannot."""
    if not code or len(code) > 64:
        raise BadCode("Mã liên kết không đúng. Vui lòng kiểm tra lại đường liên kết do Văn phòng UBND tỉnh gửi.")
    try:
        begin_write(session)
        row = session.get(BindingCode, _digest(code), populate_existing=True)
        if row is None:
            raise BadCode("Mã liên kết không đúng. Vui lòng kiểm tra lại đường liên kết do Văn phòng UBND tỉnh gửi.")
        if row.used_at is not None:
            raise CodeUsed("Mã liên kết này đã được sử dụng. Nếu cần liên kết lại, vui lòng liên hệ "
                           "Văn phòng UBND tỉnh để nhận mã mới.")
        if row.expires_at <= now:
            raise CodeExpired("Mã liên kết đã hết hạn. Vui lòng liên hệ Văn phòng UBND tỉnh để nhận mã mới.")
        claimed = session.execute(update(BindingCode).where(col(BindingCode.code) == row.code,
                                                            col(BindingCode.used_at).is_(None))
                                  .values(used_at=now))
        if claimed.rowcount != 1:
            raise CodeUsed("Mã liên kết này đã được sử dụng.")
        # A chat belongs to one person: whoever held it before loses it.
        session.execute(update(Person).where(col(Person.telegram_chat_id) == chat_id,
                                             col(Person.id) != row.person_id).values(telegram_chat_id=None))
        session.flush()
        person = session.get(Person, row.person_id, populate_existing=True)
        assert person is not None
        person.telegram_chat_id = chat_id
        person.reachable = True
        session.add(person)
        release_held(session, person.id, now)  # type: ignore[arg-type]  # what waited for this chat goes out
        session.commit()
        return person
    except BaseException:
        session.rollback()
        raise


def unbind(session: Session, person_id: int) -> int | None:
    """Forget the person's chat; returns the chat id it had (None if it had none)."""
    begin_write(session)
    try:
        person = get_person(session, person_id)
    except BaseException:
        session.rollback()
        raise
    previous = person.telegram_chat_id
    person.telegram_chat_id = None
    session.add(person)
    session.commit()
    return previous


def person_by_chat(session: Session, chat_id: int) -> Person | None:
    """The person bound to a chat, if any."""
    return session.exec(select(Person).where(col(Person.telegram_chat_id) == chat_id)).first()
