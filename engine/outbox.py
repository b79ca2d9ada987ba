"""The outbox: notifications written in the same transaction as the event that caused them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from engine.models import Outbox, OutboxStatus


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    person_id: int | None,
    directive_id: int | None,
    payload: dict[str, Any],
    not_before: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Add a notification unless one with the same idempotency key exists; True if added."""
    values = dict(
        key=key,
        kind=kind,
        person_id=person_id,
        directive_id=directive_id,
        payload=payload,
        status=OutboxStatus.pending.value,
        attempts=0,
        not_before=not_before,
        created_at=now,
    )
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(Outbox).values(**values).on_conflict_do_nothing(index_elements=["key"])
    result = session.execute(stmt)
    return bool(result.rowcount)
