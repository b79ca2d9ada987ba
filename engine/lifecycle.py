"""The directive lifecycle, declared once as a table of (event, from-state) → to-state and who may do it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from engine.errors import TransitionNotAllowed
from engine.models import State


class Actor(StrEnum):
    """Who is acting, relative to the directive."""

    office = "office"  # Văn phòng UBND tỉnh staff and provincial leaders
    lead = "lead"  # the lead agency's leader or focal officer, or the named lead person
    system = "system"  # the sweep


class Target(StrEnum):
    """Targets that depend on the directive rather than a fixed state."""

    same = "same"  # state unchanged
    resume = "resume"  # in_progress, or overdue if the deadline has passed


@dataclass(frozen=True)
class Transition:
    event: str
    sources: frozenset[State]
    target: State | Target
    actors: frozenset[Actor]


def _t(event: str, sources: set[State], target: State | Target, *actors: Actor) -> Transition:
    return Transition(event, frozenset(sources), target, frozenset(actors))


S = State
OPEN = {S.assigned, S.in_progress, S.overdue}
ANY_OPEN = {S.assigned, S.in_progress, S.reported, S.overdue}

TRANSITIONS: tuple[Transition, ...] = (
    _t("DraftEdited", {S.draft}, Target.same, Actor.office),
    _t("Assigned", {S.draft}, S.assigned, Actor.office),
    _t("Acknowledged", {S.assigned}, S.in_progress, Actor.lead),
    _t("Acknowledged", {S.overdue}, Target.same, Actor.lead),
    _t("ReportSubmitted", OPEN, S.reported, Actor.lead),
    _t("ReportAccepted", {S.reported}, S.done, Actor.office),
    _t("ReportReturned", {S.reported}, Target.resume, Actor.office),
    _t("DeadlinePassed", {S.assigned, S.in_progress}, S.overdue, Actor.system),
    _t("ExtensionRequested", OPEN, Target.same, Actor.lead),
    _t("ExtensionGranted", {S.assigned, S.in_progress}, Target.same, Actor.office),
    _t("ExtensionGranted", {S.overdue}, Target.resume, Actor.office),
    _t("ExtensionDenied", OPEN, Target.same, Actor.office),
    _t("ReminderSent", ANY_OPEN, Target.same, Actor.system),
    _t("DeliveryFailed", ANY_OPEN, Target.same, Actor.system),
    _t("Cancelled", {S.draft, *ANY_OPEN}, S.cancelled, Actor.office),
)

# Events that change what a leader may do; a button issued before one of these is stale.
LIFECYCLE_EVENTS = frozenset(t.event for t in TRANSITIONS) - {"ReminderSent", "DeliveryFailed"}

_BY_KEY: dict[tuple[str, State], Transition] = {
    (t.event, source): t for t in TRANSITIONS for source in t.sources
}


def actors_of(event: str) -> frozenset[Actor]:
    """Who may record an event in any state: checked before the state, so a refusal reveals nothing."""
    return frozenset().union(*(t.actors for t in TRANSITIONS if t.event == event))


def allowed_events(state: State) -> list[str]:
    """Events the table allows from a state, in declaration order."""
    seen: list[str] = []
    for t in TRANSITIONS:
        if state in t.sources and t.event not in seen:
            seen.append(t.event)
    return seen


def transition_for(state: State, event: str) -> Transition:
    """The declared transition, or TransitionNotAllowed naming what is allowed instead."""
    try:
        return _BY_KEY[(event, State(state))]
    except KeyError:
        raise TransitionNotAllowed(str(State(state).value), event, allowed_events(State(state))) from None


def resolve_target(transition: Transition, state: State, deadline_passed: bool) -> State:
    """The concrete state a transition leads to."""
    if transition.target is Target.same:
        return state
    if transition.target is Target.resume:
        return S.overdue if deadline_passed else S.in_progress
    return State(transition.target)
