"""Every (state, event) pair of the lifecycle moves as DESIGN.md's table says, or raises the named error."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import TransitionNotAllowed
from engine.labels import EVENT_LABELS, STATE_LABELS
from engine.lifecycle import TRANSITIONS, Actor, allowed_events
from engine.models import Directive, DirectiveEvent, State
from engine.projection import apply_event

S = State
NOW = dt.datetime(2024, 5, 10, 3, 0, tzinfo=dt.UTC)
FUTURE = dt.datetime(2024, 6, 30, 16, 59, tzinfo=dt.UTC)
PAST = dt.datetime(2024, 5, 1, 16, 59, tzinfo=dt.UTC)

# Written out by hand from DESIGN.md, independently of engine.lifecycle.TRANSITIONS.
# (event, from state, deadline) -> to state; a missing pair must raise TransitionNotAllowed.
EXPECTED: dict[tuple[str, State], State] = {
    ("DraftEdited", S.draft): S.draft,
    ("Assigned", S.draft): S.assigned,
    ("Acknowledged", S.assigned): S.in_progress,
    ("Acknowledged", S.overdue): S.overdue,
    ("ReportSubmitted", S.assigned): S.reported,
    ("ReportSubmitted", S.in_progress): S.reported,
    ("ReportSubmitted", S.overdue): S.reported,
    ("ReportAccepted", S.reported): S.done,
    ("ReportReturned", S.reported): S.in_progress,  # deadline in the future
    ("DeadlinePassed", S.assigned): S.overdue,
    ("DeadlinePassed", S.in_progress): S.overdue,
    ("ExtensionRequested", S.assigned): S.assigned,
    ("ExtensionRequested", S.in_progress): S.in_progress,
    ("ExtensionRequested", S.overdue): S.overdue,
    ("ExtensionGranted", S.assigned): S.assigned,
    ("ExtensionGranted", S.in_progress): S.in_progress,
    ("ExtensionGranted", S.overdue): S.in_progress,  # the new deadline is in the future
    ("ExtensionDenied", S.assigned): S.assigned,
    ("ExtensionDenied", S.in_progress): S.in_progress,
    ("ExtensionDenied", S.overdue): S.overdue,
    **{("ReminderSent", s): s for s in (S.assigned, S.in_progress, S.reported, S.overdue)},
    **{("DeliveryFailed", s): s for s in (S.assigned, S.in_progress, S.reported, S.overdue)},
    **{("Cancelled", s): S.cancelled for s in (S.draft, S.assigned, S.in_progress, S.reported, S.overdue)},
}
EVENTS = sorted({e for e, _ in EXPECTED})
PAYLOADS = {
    "ExtensionRequested": {"new_deadline": FUTURE.isoformat(), "reason": "Chờ ý kiến Bộ"},
    "ExtensionGranted": {"new_deadline": FUTURE.isoformat()},
    "DraftEdited": {"changes": {"task": "Nội dung đã sửa"}},
}


def _directive(state: State, deadline: dt.datetime) -> Directive:
    return Directive(id=1, task="Rà soát quy chế", state=state, version=3, deadline=deadline,
                     pending_extension={"new_deadline": FUTURE.isoformat()})


def _event(event_type: str) -> DirectiveEvent:
    return DirectiveEvent(directive_id=1, seq=4, type=event_type, at=NOW, payload=PAYLOADS.get(event_type, {}))


@pytest.mark.parametrize("state", list(State), ids=str)
@pytest.mark.parametrize("event_type", EVENTS)
def test_every_state_event_pair(state: State, event_type: str) -> None:
    directive = _directive(state, FUTURE if event_type != "DeadlinePassed" else PAST)
    expected = EXPECTED.get((event_type, state))
    if expected is None:
        with pytest.raises(TransitionNotAllowed) as info:
            apply_event(directive, _event(event_type))
        assert info.value.state == state.value and info.value.event == event_type
        said = str(info.value)  # in the office's words: the state's and the action's labels, never codes
        assert STATE_LABELS[state.value].lower() in said and EVENT_LABELS[event_type].lower() in said
        assert directive.state == state and directive.version == 3  # untouched
    else:
        apply_event(directive, _event(event_type))
        assert directive.state == expected
        assert directive.version == 4


def test_return_after_deadline_goes_back_to_overdue() -> None:
    directive = _directive(S.reported, PAST)
    apply_event(directive, _event("ReportReturned"))
    assert directive.state == S.overdue


def test_extension_granted_to_a_date_still_past_stays_overdue() -> None:
    directive = _directive(S.overdue, PAST)
    event = _event("ExtensionGranted")
    event.payload = {"new_deadline": (NOW - dt.timedelta(days=1)).isoformat()}
    apply_event(directive, event)
    assert directive.state == S.overdue
    assert directive.original_deadline == PAST


def test_deadline_passed_stamps_the_true_deadline_not_the_sweep_time() -> None:
    directive = _directive(S.in_progress, PAST)
    apply_event(directive, _event("DeadlinePassed"))
    assert directive.overdue_at == PAST


def test_error_lists_what_is_allowed() -> None:
    with pytest.raises(TransitionNotAllowed, match="lúc này chỉ có thể: xác nhận hoàn thành, trả lại báo cáo"):
        apply_event(_directive(S.reported, FUTURE), _event("Acknowledged"))
    assert allowed_events(S.done) == []


def test_table_actors_match_design() -> None:
    actors = {t.event: t.actors for t in TRANSITIONS}
    assert actors["Acknowledged"] == {Actor.lead}
    assert actors["ReportAccepted"] == {Actor.office}
    assert actors["DeadlinePassed"] == {Actor.system}
    assert actors["ExtensionRequested"] == {Actor.lead}
    assert actors["ExtensionGranted"] == {Actor.office}
