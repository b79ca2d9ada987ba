"""Events: frozen, past-tense facts about a directive, stored append-only in the `directiveevent` table."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


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
