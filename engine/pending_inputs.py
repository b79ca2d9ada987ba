"""What the bot waits for in a chat after a button: one row per chat, kept in the database so that a
follow-up message reaching another bot replica (or the same one after a restart) is understood."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col

from engine.db import begin_write
from engine.models import PendingInput

# After this long the question is forgotten: a message days later is not taken as the answer.
TTL = dt.timedelta(days=2)


def hold(session: Session, chat_id: int, *, person_id: int, kind: str, directive_id: int, version: int,
         message_id: int | None, message_text: str | None, now: dt.datetime,
         data: dict[str, Any] | None = None) -> None:
    """Wait in `chat_id` for `kind` about the directive as it was at `version` (replaces any earlier wait)."""
    begin_write(session)
    try:
        session.execute(delete(PendingInput).where(col(PendingInput.chat_id) == chat_id))
        session.add(PendingInput(chat_id=chat_id, person_id=person_id, kind=kind, directive_id=directive_id,
                                 version=version, message_id=message_id, message_text=message_text,
                                 data=data or {}, updated_at=now))
        session.commit()
    except BaseException:
        session.rollback()
        raise


def pending(session: Session, chat_id: int, person_id: int, now: dt.datetime) -> PendingInput | None:
    """The wait of this chat for this person, unless it is older than TTL."""
    row = session.get(PendingInput, chat_id, populate_existing=True)
    if row is None or row.person_id != person_id or row.updated_at < now - TTL:
        return None
    return row


def release(session: Session, chat_id: int) -> bool:
    """Stop waiting in `chat_id`; True if there was a wait."""
    begin_write(session)
    try:
        removed = session.execute(delete(PendingInput).where(col(PendingInput.chat_id) == chat_id)).rowcount
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return bool(removed)
