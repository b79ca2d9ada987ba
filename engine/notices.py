"""Notices as the office sees them: recognised by content or by number and date, listed, shown, deleted."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from engine.db import begin_write
from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.models import Directive, DirectiveEvent, Notice, Outbox, State
from engine.people import OFFICE_ROLES, get_person


def normalised_text(text: str) -> str:
    """The text with what a re-save changes removed: BOMs, NFD/NFC, CRLF, runs of whitespace."""
    text = unicodedata.normalize("NFC", text.replace("\ufeff", ""))
    return " ".join(text.split())


def content_hash(text: str) -> str:
    """sha256 of the normalised text: one value for the same notice in UTF-8, UTF-16, NFD, with CRLF …"""
    return hashlib.sha256(normalised_text(text).encode("utf-8")).hexdigest()


def _number_key(number: str) -> str:
    """'123 /TB-UBND' and '123/tb-ubnd' name the same notice."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", number)).casefold()


def find_same_notice(
    session: Session, *, text_hash: str | None = None, number: str | None = None, date: dt.date | None = None
) -> Notice | None:
    """The stored notice with the same normalised content, or the same number and date (when it has both)."""
    if text_hash:
        found = session.exec(select(Notice).where(col(Notice.content_hash) == text_hash)
                             .order_by(col(Notice.id))).first()
        if found is not None:
            return found
    if number and date:
        key = _number_key(number)
        for notice in session.exec(select(Notice).where(col(Notice.date) == date).order_by(col(Notice.id))).all():
            if notice.number and _number_key(notice.number) == key:
                return notice
    return None


def describe(notice: Notice) -> str:
    """'#3 — số 90/TB-UBND ngày 19/04/2024 (tệp tb.txt)': how a notice is named in messages."""
    parts = [f"#{notice.id}"]
    if notice.number:
        parts.append(f"số {notice.number}")
    if notice.date:
        parts.append(f"ngày {notice.date:%d/%m/%Y}")
    head = f"{parts[0]} — {' '.join(parts[1:])}" if len(parts) > 1 else parts[0]
    return f"{head} (tệp {notice.source_name})" if notice.source_name else head


@dataclass
class NoticeSummary:
    """One row of `dondoc notices list`: the notice and how many of its directives are in each state."""

    id: int
    number: str | None
    date: dt.date | None
    title: str
    source_name: str
    created_at: dt.datetime
    states: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.states.values())


_SUMMARY_COLUMNS = (Notice.id, Notice.number, Notice.date, Notice.title, Notice.source_name, Notice.created_at)


def list_notices(session: Session) -> list[NoticeSummary]:
    """Every notice, newest first, with its directives counted by state (the text is not loaded)."""
    counts: dict[int, Counter[str]] = {}
    stmt = select(Directive.notice_id, Directive.state, func.count()).group_by(
        col(Directive.notice_id), col(Directive.state))
    for notice_id, state, n in session.exec(stmt).all():
        counts.setdefault(notice_id, Counter())[State(state).value] = n
    rows = session.exec(select(*_SUMMARY_COLUMNS).order_by(col(Notice.id).desc())).all()
    return [NoticeSummary(*row, states=dict(counts.get(row[0], {}))) for row in rows]  # type: ignore[arg-type]


def notice_labels(session: Session) -> dict[int, str]:
    """id → number (or title) of every notice, without loading their texts."""
    return {i: number or title for i, number, title in session.exec(
        select(Notice.id, Notice.number, Notice.title)).all()}  # type: ignore[misc]


def get_notice(session: Session, notice_id: int) -> Notice:
    """A notice by id, or NotFound in words the office reads."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"Không có thông báo số hiệu #{notice_id} (xem: dondoc notices list).")
    return notice


def delete_notice(session: Session, notice_id: int, *, actor_id: int) -> int:
    """Delete a notice and its drafts while nothing of it was assigned; returns how many drafts went with it."""
    begin_write(session)
    try:
        actor = get_person(session, actor_id)
        if actor.role not in OFFICE_ROLES:
            raise PermissionDenied(f"{actor.name} không có quyền xóa thông báo (chỉ Văn phòng UBND tỉnh).")
        notice = get_notice(session, notice_id)
        states = Counter(s for s in session.exec(select(Directive.state).where(Directive.notice_id == notice_id)))
        tracked = sum(n for s, n in states.items() if s != State.draft)
        if tracked:
            raise InvalidInput(
                f"Không xóa được thông báo {describe(notice)}: {tracked} nhiệm vụ đã giao hoặc đã xử lý; "
                "chỉ xóa được khi mọi nhiệm vụ còn là dự thảo (hãy hủy từng nhiệm vụ: dondoc cancel ID …)."
            )
        ids = select(Directive.id).where(Directive.notice_id == notice_id)
        session.exec(delete(Outbox).where(col(Outbox.directive_id).in_(ids)))  # type: ignore[call-overload]
        session.exec(delete(DirectiveEvent).where(col(DirectiveEvent.directive_id).in_(ids)))  # type: ignore[call-overload]
        session.exec(delete(Directive).where(col(Directive.notice_id) == notice_id))  # type: ignore[call-overload]
        session.exec(delete(Notice).where(col(Notice.id) == notice_id))  # type: ignore[call-overload]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.expunge_all()
    return states.get(State.draft, 0)

