"""A directive's events told in words (engine.labels): who did what, when, what they wrote, the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.labels import EVENT_LABELS, event_details, label
from engine.models import DirectiveEvent, Person
from web.core import fmt_time

_GOOD = {"Acknowledged", "ReportAccepted", "ExtensionGranted"}
_BAD = {"ReportReturned", "DeadlinePassed", "ExtensionDenied", "DeliveryFailed", "Cancelled"}


@dataclass
class Entry:
    seq: int
    when: str
    who: str
    what: str
    detail: str = ""
    attachment: dict[str, Any] | None = None
    tone: str = ""


def _who(event: DirectiveEvent, people: dict[Any, Person]) -> str:
    person = people.get(event.actor_id)
    if person is None:
        return "Hệ thống" if event.actor == "system" else event.actor
    return person.name + (f" ({person.title})" if person.title else "")


def describe(event: DirectiveEvent, people: dict[Any, Person]) -> Entry:
    """One event as a line of the timeline."""
    payload = event.payload or {}
    tone = "good" if event.type in _GOOD else "bad" if event.type in _BAD else ""
    return Entry(event.seq, fmt_time(event.at), _who(event, people), label(EVENT_LABELS, event.type),
                 event_details(event.type, payload), payload.get("attachment") if event.type == "ReportSubmitted"
                 else None, tone)
