"""Binding a Telegram chat to a person with a one-time deep-link code."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.db import begin_write
from engine.errors import DondocError
from engine.models import BindingCode, BindingGuard, Person
from engine.outbox import enqueue, release_held
from engine.people import get_person, office_people
from engine.timeutil import local

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


# --- Limits on attempts from one chat (someone guessing codes) -------------------------------------------

MAX_FAILURES = 5
LOCK_FOR = dt.timedelta(minutes=15)


class ChatLocked(BindingError):
    """Too many failed attempts from this chat; it may try again at `until`."""

    def __init__(self, until: dt.datetime) -> None:
        self.until = until
        super().__init__(f"Tài khoản Telegram này đã nhập sai mã liên kết quá nhiều lần nên tạm bị khóa đến "
                         f"{local(until).format('HH:mm DD/MM/YYYY')}. Vui lòng kiểm tra lại đường liên kết "
                         f"hoặc liên hệ Văn phòng UBND tỉnh.")


def redeem_from_chat(session: Session, code: str, chat_id: int, now: dt.datetime, *,
                     who: str | None = None) -> Person:
    """`redeem` for a chat that may be guessing: ChatLocked once it failed MAX_FAILURES times within
    LOCK_FOR (then the office is told, once per lock); `who` names the sender for the office."""
    guard = session.get(BindingGuard, chat_id, populate_existing=True)
    if guard is not None and guard.locked_until is not None and guard.locked_until > now:
        session.rollback()
        raise ChatLocked(guard.locked_until)
    try:
        person = redeem(session, code, chat_id, now)
    except BindingError:
        _count_failure(session, chat_id, now, who)
        raise
    if guard is not None:
        begin_write(session)
        session.execute(delete(BindingGuard).where(col(BindingGuard.chat_id) == chat_id))
        session.commit()
    return person


def _count_failure(session: Session, chat_id: int, now: dt.datetime, who: str | None) -> None:
    for attempt in range(2):  # two first failures at once on PostgreSQL: the loser updates the winner's row
        try:
            begin_write(session)
            guard = session.get(BindingGuard, chat_id, populate_existing=True, with_for_update=True)
            if guard is None:
                guard = BindingGuard(chat_id=chat_id, failures=0, window_start=now)
            if guard.window_start <= now - LOCK_FOR or (guard.locked_until is not None and guard.locked_until <= now):
                guard.failures, guard.window_start, guard.locked_until = 0, now, None
            guard.failures += 1
            if guard.failures >= MAX_FAILURES and guard.locked_until is None:
                guard.locked_until = now + LOCK_FOR
                payload = {"chat_id": chat_id, "who": who, "failures": guard.failures,
                           "locked_until": guard.locked_until.isoformat()}
                for office in office_people(session):
                    enqueue(session, key=f"binding_locked:c{chat_id}:{int(now.timestamp())}:p{office.id}",
                            kind="binding_locked", person_id=office.id, directive_id=None, payload=payload,
                            not_before=now, now=now)
            session.add(guard)
            session.commit()
            return
        except IntegrityError:
            session.rollback()
            if attempt:
                raise
        except BaseException:
            session.rollback()
            raise
