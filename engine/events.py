"""Events: frozen, past-tense facts about a directive, stored append-only in the `directiveevent` table."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from engine.lifecycle import LIFECYCLE_EVENTS
from engine.models import DirectiveEvent


@dataclass(frozen=True)
class Event:
    """One fact in a directive's history (the row type is engine.models.DirectiveEvent)."""

    directive_id: int
    seq: int = field(metadata={"doc": "1, 2, 3 … per directive; the directive's version after it"})
    type: str = field(metadata={"doc": "Past tense: Drafted, Assigned, Acknowledged, DeadlinePassed …"})
    at: dt.datetime = field(metadata={"doc": "When it happened (aware UTC)"})
    actor_id: int | None = None
    actor: str = "system"
    payload: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The column values of its row."""
        return asdict(self)


def changed_since(session: Session, directive_id: int, version: int) -> bool:
    """True when a lifecycle event happened after `version`: a button issued then is stale."""
    stmt = select(DirectiveEvent.id).where(col(DirectiveEvent.directive_id) == directive_id,
                                           col(DirectiveEvent.seq) > version,
                                           col(DirectiveEvent.type).in_(LIFECYCLE_EVENTS)).limit(1)
    return session.exec(stmt).first() is not None
