"""The outbox: notifications written in the same transaction as the event that caused them."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session, col, select

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


def release_held(session: Session, person_id: int, now: dt.datetime) -> int:
    """The person just bound a chat: send the newest held message per directive, drop the older ones.

    Runs in the caller's transaction (the binding's). Messages without a directive (digests) keep the
    newest of each kind. Returns how many rows were released.
    """
    held = session.exec(select(Outbox).where(col(Outbox.person_id) == person_id,
                                             col(Outbox.status) == OutboxStatus.held)
                        .order_by(col(Outbox.id))).all()
    newest: dict[tuple[int | None, str | None], int] = {}
    for row in held:
        newest[(row.directive_id, row.kind if row.directive_id is None else None)] = row.id  # type: ignore[assignment]
    keep = set(newest.values())
    older = [r.id for r in held if r.id not in keep]
    guard = col(Outbox.status) == OutboxStatus.held  # a row the delivery took meanwhile is left alone
    if keep:
        session.execute(update(Outbox).where(col(Outbox.id).in_(keep), guard)
                        .values(status=OutboxStatus.pending, not_before=now, last_error=None)
                        .execution_options(synchronize_session=False))
    if older:
        session.execute(update(Outbox).where(col(Outbox.id).in_(older), guard)
                        .values(status=OutboxStatus.failed,
                                last_error="skipped: superseded by a newer message held for the same directive")
                        .execution_options(synchronize_session=False))
    return len(keep)
