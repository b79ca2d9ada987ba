"""Folding events into the directive projection; commands and replay share this one function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from engine.events import Event
from engine.lifecycle import resolve_target, transition_for
from engine.models import Directive, DirectiveEvent, State
from engine.search import search_key

# Projection fields that replay rebuilds and `dondoc check` compares.
PROJECTED = (
    "state", "version", "task", "lead", "lead_agency_id", "leader_id", "coordinators", "report_to",
    "deadline", "deadline_text", "deadline_kind", "recurrence", "ref", "pending_extension",
    "assigned_at", "acknowledged_at", "reported_at", "overdue_at", "done_at", "cancelled_at", "search_text",
)
_TIMESTAMP = {
    State.assigned: "assigned_at",
    State.reported: "reported_at",
    State.overdue: "overdue_at",
    State.done: "done_at",
    State.cancelled: "cancelled_at",
}


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


CREATED_FIELDS = (
    "notice_id", "ref", "task", "lead", "lead_agency_id", "leader_id", "coordinators", "report_to",
    "deadline", "deadline_text", "deadline_kind", "recurrence", "confidence", "review_flags",
)


def created_payload(directive: Directive) -> dict[str, object]:
    """The Drafted event's payload: every field a directive is created with."""
    out: dict[str, object] = {}
    for name in CREATED_FIELDS:
        value = getattr(directive, name)
        out[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out


def apply_event(directive: Directive, event: Event | DirectiveEvent) -> Directive:
    """Apply one event to the projection in place (the transition must be allowed)."""
    payload = event.payload
    if event.type == "Drafted":
        for name, value in payload.items():
            setattr(directive, name, _parse(value) if name == "deadline" else value)
        directive.state = State.draft
        directive.version = event.seq
        directive.created_at = directive.updated_at = event.at
        return index(directive)
    transition = transition_for(directive.state, event.type)
    if event.type == "DraftEdited":
        for name, value in payload.get("changes", {}).items():
            setattr(directive, name, _parse(value) if name == "deadline" else value)
    elif event.type == "ExtensionRequested":
        directive.pending_extension = {
            "new_deadline": payload["new_deadline"], "reason": payload.get("reason", ""),
            "requested_at": event.at.isoformat(), "requested_by": event.actor_id,
        }
    elif event.type == "ExtensionGranted":
        if directive.original_deadline is None:
            directive.original_deadline = directive.deadline
        directive.deadline = _parse(payload["new_deadline"])
        directive.pending_extension = None
    elif event.type == "ExtensionDenied":
        directive.pending_extension = None
    elif event.type == "Acknowledged" and directive.acknowledged_at is None:
        directive.acknowledged_at = event.at
    elif event.type == "ReportReturned":
        directive.reported_at = None
    deadline_passed = directive.deadline is not None and directive.deadline < event.at
    if event.type == "DeadlinePassed" and directive.deadline is not None:
        deadline_passed = True
    new_state = resolve_target(transition, directive.state, deadline_passed)
    if new_state != directive.state:
        field = _TIMESTAMP.get(new_state)
        if field:
            # DeadlinePassed keeps the true deadline time even when the sweep runs late.
            stamp = directive.deadline if event.type == "DeadlinePassed" and directive.deadline else event.at
            setattr(directive, field, stamp)
        if new_state == State.in_progress and event.type == "Acknowledged":
            directive.acknowledged_at = directive.acknowledged_at or event.at
    directive.state = new_state
    directive.version = event.seq
    directive.updated_at = event.at
    return index(directive)


def index(directive: Directive) -> Directive:
    """Refresh the derived search column (see engine.search) after the fields it folds changed."""
    directive.search_text = search_key(directive)
    return directive


def replay(directive_id: int, events: Sequence[Event | DirectiveEvent]) -> Directive:
    """Rebuild a directive from its events alone (the first one is Drafted)."""
    directive = Directive(id=directive_id, task="", state=State.draft)
    for event in sorted(events, key=lambda e: e.seq):
        apply_event(directive, event)
    return directive
