"""Binding codes: single-use, unguessable, expiring; a chat belongs to one person."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import Session

from engine.binding import BadCode, CodeExpired, CodeUsed, create_code, person_by_chat, redeem, unbind
from engine.datetext import parse_requested_deadline
from engine.errors import DondocError, InvalidInput, NotFound
from engine.models import BindingCode
from tests.support.factory import T0, Factory


def test_code_is_url_safe_unique_and_only_hashed_in_storage(session: Session, factory: Factory) -> None:
    person = factory.person()
    codes = {create_code(session, person.id, T0) for _ in range(20)}
    assert len(codes) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{20,64}", c) for c in codes)
    stored = {row.code for row in session.query(BindingCode).all()}
    assert not stored & codes  # only digests are kept


def test_redeem_binds_once(session: Session, factory: Factory) -> None:
    person = factory.person(reachable=False)
    code = create_code(session, person.id, T0)
    bound = redeem(session, code, 555, T0 + dt.timedelta(hours=1))
    assert bound.id == person.id and bound.telegram_chat_id == 555 and bound.reachable
    assert person_by_chat(session, 555).id == person.id
    with pytest.raises(CodeUsed, match="đã được sử dụng"):
        redeem(session, code, 556, T0 + dt.timedelta(hours=2))
    assert person_by_chat(session, 556) is None


def test_bad_and_expired_codes(session: Session, factory: Factory) -> None:
    person = factory.person()
    code = create_code(session, person.id, T0, ttl=dt.timedelta(hours=72))
    with pytest.raises(BadCode, match="không đúng"):
        redeem(session, "khong-co-ma-nay", 1, T0)
    with pytest.raises(BadCode):
        redeem(session, "x" * 65, 1, T0)
    with pytest.raises(CodeExpired, match="hết hạn"):
        redeem(session, code, 1, T0 + dt.timedelta(hours=72))
    assert issubclass(CodeExpired, DondocError) and person_by_chat(session, 1) is None


def test_a_chat_moves_to_the_new_person_and_unbind(session: Session, factory: Factory) -> None:
    first, second = factory.person(), factory.person()
    redeem(session, create_code(session, first.id, T0), 777, T0)
    redeem(session, create_code(session, second.id, T0), 777, T0)
    assert person_by_chat(session, 777).id == second.id
    session.refresh(first)
    assert first.telegram_chat_id is None
    assert unbind(session, second.id) == 777 and person_by_chat(session, 777) is None
    assert unbind(session, second.id) is None
    with pytest.raises(NotFound):
        unbind(session, 999_999)
    with pytest.raises(NotFound):
        create_code(session, 999_999, T0)


@pytest.mark.parametrize(("text", "expected"), [("30/6/2024", "2024-06-30"), ("30/6", "2024-06-30"),
                                                ("cuối tháng 6", "2024-06-30"), ("15/1", "2025-01-15")])
def test_requested_dates(text: str, expected: str) -> None:
    parsed = parse_requested_deadline(text, T0)
    assert (parsed + dt.timedelta(hours=7)).date().isoformat() == expected


@pytest.mark.parametrize("text", ["mai", "31/2/2024", "1/1/2024"])
def test_requested_dates_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_requested_deadline(text, T0)
