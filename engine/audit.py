"""Replay: rebuild every projection from its events and report where the stored one differs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby

from sqlmodel import Session, col, select

from engine.models import Directive, DirectiveEvent
from engine.projection import PROJECTED, replay


@dataclass(frozen=True)
class Difference:
    directive_id: int
    field: str
    stored: object
    replayed: object


def _events_by_directive(session: Session, batch: int = 5000) -> Iterator[tuple[int, list[DirectiveEvent]]]:
    stmt = select(DirectiveEvent).order_by(col(DirectiveEvent.directive_id), col(DirectiveEvent.seq))
    rows = session.exec(stmt.execution_options(yield_per=batch))
    for directive_id, events in groupby(rows, key=lambda e: e.directive_id):
        yield directive_id, list(events)


def check_projections(session: Session) -> tuple[int, list[Difference]]:
    """Replay every directive; return how many were checked and every difference found."""
    stored = {d.id: d for d in session.exec(select(Directive)).all()}
    differences: list[Difference] = []
    seen: set[int] = set()
    for directive_id, events in _events_by_directive(session):
        seen.add(directive_id)
        rebuilt = replay(directive_id, events)
        current = stored.get(directive_id)
        if current is None:
            differences.append(Difference(directive_id, "*", None, "events without a directive"))
            continue
        for name in PROJECTED:
            a, b = getattr(current, name), getattr(rebuilt, name)
            if a != b:
                differences.append(Difference(directive_id, name, a, b))
    for directive_id in stored.keys() - seen:
        differences.append(Difference(directive_id, "*", "directive", "no events"))  # type: ignore[arg-type]
    return len(stored), differences
