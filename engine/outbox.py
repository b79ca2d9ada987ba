"""The outbox: notifications written in the same transaction as the event that caused them."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert
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
        status=OutboxStatus.pending,
        attempts=0,
        not_before=not_before,
        created_at=now,
    )
    stmt = _insert_statement(session.get_bind().dialect.name)
    return session.connection().execute(stmt, values).first() is not None


@lru_cache(maxsize=4)
def _insert_statement(dialect: str) -> Insert:
    """One statement per dialect, built once so SQLAlchemy's compiled cache is hit on every call."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: SQLAlchemy 2.1 on psycopg returns rows implicitly, leaving rowcount at -1.
    return insert(Outbox).on_conflict_do_nothing(index_elements=["key"]).returning(Outbox.__table__.c.id)
