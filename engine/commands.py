"""Commands: one function per change, each one transaction that checks, appends an event,
updates the projection and queues notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, insert, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.dml import Insert, Update
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.db import begin_write
from engine.errors import (
    ConcurrencyConflict,
    DondocError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from engine.events import Event
from engine.labels import EVENT_LABELS, STATE_LABELS, label
from engine.lifecycle import Actor, actors_of, transition_for
from engine.models import Directive, DirectiveEvent, Person, State
from engine.outbox import enqueue
from engine.people import actor_kinds, coordinator_people, get_person, lead_people, office_people
from engine.policy import Policy
from engine.projection import PROJECTED, apply_event, created_payload, index
from engine.schedule import next_check_at, notification_time
from engine.timeutil import end_of_local_day, local, parse_instant, utc


@dataclass(frozen=True)
class AssignDirective:
    directive_id: int
    actor_id: int


@dataclass(frozen=True)
class EditDraft:
    directive_id: int
    actor_id: int
    changes: dict[str, Any]


@dataclass(frozen=True)
class AcknowledgeDirective:
    directive_id: int
    actor_id: int


@dataclass(frozen=True)
class SubmitReport:
    directive_id: int
    actor_id: int
    text: str = ""
    attachment: dict[str, Any] | None = None


@dataclass(frozen=True)
class AcceptReport:
    directive_id: int
    actor_id: int
    note: str = ""


@dataclass(frozen=True)
class ReturnReport:
    directive_id: int
    actor_id: int
    reason: str = ""


@dataclass(frozen=True)
class MarkOverdue:
    directive_id: int


@dataclass(frozen=True)
class RequestExtension:
    directive_id: int
    actor_id: int
    new_deadline: dt.datetime | dt.date  # a date: the end of that local day
    reason: str = ""


@dataclass(frozen=True)
class GrantExtension:
    directive_id: int
    actor_id: int
    new_deadline: dt.datetime | dt.date | None = None  # None: as requested; a date: the end of that day


@dataclass(frozen=True)
class DenyExtension:
    directive_id: int
    actor_id: int
    reason: str = ""


@dataclass(frozen=True)
class CancelDirective:
    directive_id: int
    actor_id: int
    reason: str = ""


Command = (
    AssignDirective | EditDraft | AcknowledgeDirective | SubmitReport | AcceptReport | ReturnReport
    | MarkOverdue | RequestExtension | GrantExtension | DenyExtension | CancelDirective
)


@dataclass
class Outcome:
    """What a command did: the directive after it, and the event (None when it was a no-op)."""

    directive: Directive
    event: Event | None
    noop: bool = False
    notifications: list[str] = field(default_factory=list)


# The notification kinds each event sends, and to whom.
_NOTIFY: dict[str, list[tuple[str, str]]] = {
    "Assigned": [("assigned", "lead"), ("coordinator_info", "coordinators")],
    "ReportSubmitted": [("report_submitted", "office")],
    "ReportAccepted": [("report_accepted", "lead")],
    "ReportReturned": [("report_returned", "lead")],
    "ExtensionRequested": [("extension_requested", "office")],
    "ExtensionGranted": [("extension_granted", "lead")],
    "ExtensionDenied": [("extension_denied", "lead")],
    "Cancelled": [("cancelled", "lead")],
}


# The one table that maps commands to the events they record.
EVENT_OF: dict[type, str] = {
    AssignDirective: "Assigned", EditDraft: "DraftEdited", AcknowledgeDirective: "Acknowledged",
    SubmitReport: "ReportSubmitted", AcceptReport: "ReportAccepted", ReturnReport: "ReportReturned",
    MarkOverdue: "DeadlinePassed", RequestExtension: "ExtensionRequested", GrantExtension: "ExtensionGranted",
    DenyExtension: "ExtensionDenied", CancelDirective: "Cancelled",
}


def _payload(cmd: Command, directive: Directive, now: dt.datetime) -> dict[str, Any]:
    """The event's payload; validates the command's own input (after the transition and the actor)."""
    match cmd:
        case AssignDirective():
            if not has_lead(directive):
                raise InvalidInput(
                    f"Nhiệm vụ #{directive.id} chưa có đơn vị hoặc người chủ trì trong danh bạ; "
                    "hãy chọn chủ trì trước khi giao."
                )
            return {}
        case EditDraft(changes=changes):
            bad = set(changes) - EDITABLE
            if bad:
                raise InvalidInput(f"Không sửa được {', '.join(sorted(bad))}; chỉ sửa được: "
                                   f"{', '.join(sorted(EDITABLE))}.")
            if changes.get("deadline") is not None:
                changes = {**changes, "deadline": typed_deadline(changes["deadline"], now)}
            return {"changes": _jsonable({k: v for k, v in changes.items() if getattr(directive, k) != v})}
        case SubmitReport(text=text, attachment=attachment):
            if not text.strip() and not attachment:
                raise InvalidInput("Báo cáo cần có nội dung hoặc tệp đính kèm.")
            return {"text": text, "attachment": attachment}
        case AcceptReport(note=note):
            return {"note": note}
        case ReturnReport(reason=reason) | DenyExtension(reason=reason) | CancelDirective(reason=reason):
            if isinstance(cmd, DenyExtension) and not directive.pending_extension:
                raise InvalidInput(f"Nhiệm vụ #{directive.id} không có đề nghị gia hạn nào đang chờ.")
            return {"reason": reason}
        case MarkOverdue():
            return {"deadline": _iso(directive.deadline)}
        case RequestExtension(new_deadline=typed, reason=reason):
            new = typed_deadline(typed, now)
            if directive.deadline is not None and new <= directive.deadline:
                current = local(directive.deadline).format("DD/MM/YYYY")
                raise InvalidInput(f"Hạn đề nghị phải sau hạn hiện tại ({current}).")
            if new <= now:
                raise InvalidInput("Hạn đề nghị đã qua; hãy chọn một ngày sau hôm nay.")
            return {"new_deadline": _iso(new), "reason": reason}
        case GrantExtension(new_deadline=typed):
            pending = directive.pending_extension
            new = None if typed is None else typed_deadline(typed, now)
            if new is None:
                if not pending:
                    raise InvalidInput(f"Nhiệm vụ #{directive.id} không có đề nghị gia hạn đang chờ; hãy ghi hạn mới.")
                return {"new_deadline": pending["new_deadline"], "requested": True}
            return {"new_deadline": _iso(new), "requested": bool(pending)}
    return {}


def has_lead(directive: Directive) -> bool:
    """Whether the draft's lead is resolved to the directory (an agency or a person): it can be assigned."""
    return directive.lead_agency_id is not None or directive.leader_id is not None


ACTOR_LABELS = {Actor.office: "Văn phòng UBND tỉnh", Actor.lead: "đơn vị hoặc người chủ trì", Actor.system: "hệ thống"}
SANE_YEARS = 20  # a typed deadline further than this from today is a typing mistake


def typed_deadline(value: dt.datetime | dt.date | str, now: dt.datetime) -> dt.datetime:
    """A deadline given by a person (CLI, bot, web) as an instant: a date is the end of that local day,
    text goes through the one typed-date parser; InvalidInput when it is more than 20 years from now."""
    if isinstance(value, str):
        moment = parse_instant(value)
    elif isinstance(value, dt.datetime):
        moment = utc(value)
    else:
        moment = end_of_local_day(value)
    if abs(moment - now) > dt.timedelta(days=365.25 * SANE_YEARS):
        raise InvalidInput(f"Thời hạn {local(moment).format('DD/MM/YYYY')} cách hôm nay hơn {SANE_YEARS} năm; "
                           "kiểm tra lại năm đã nhập.")
    return moment


EDITABLE = {"task", "lead", "lead_agency_id", "leader_id", "coordinators", "report_to", "deadline",
            "deadline_text", "deadline_kind", "recurrence", "ref"}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in changes.items()}


def _load(session: Session, directive_id: int) -> Directive:
    directive = session.get(Directive, directive_id, populate_existing=True)
    if directive is None:
        raise NotFound(f"Không có nhiệm vụ #{directive_id}.")
    return directive


def _load_with_actor(session: Session, directive_id: int, actor_id: int | None) -> tuple[Directive, Person | None]:
    """The directive and the acting person in one round trip (the common case), else one by one."""
    if actor_id is not None:
        stmt = (select(Directive, Person).join(Person, true())  # two rows by primary key: no join condition
                .where(col(Directive.id) == directive_id, col(Person.id) == actor_id)
                .execution_options(populate_existing=True))
        row = session.exec(stmt).first()
        if row is not None:
            return row[0], row[1]
    return _load(session, directive_id), get_person(session, actor_id) if actor_id is not None else None


def handle(session: Session, cmd: Command, now: dt.datetime) -> Outcome:
    """Run one command in one transaction; raise a DondocError if it is not allowed."""
    _aware(now)
    try:
        begin_write(session)
        outcome = _handle(session, cmd, now)
        session.commit()
        return outcome
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        return _after_conflict(session, cmd, exc)
    except BaseException:
        session.rollback()
        raise


def handle_all(session: Session, cmds: Sequence[Command], now: dt.datetime) -> list[Outcome]:
    """Run several commands in one transaction: all of them take effect, or none does.

    A refusal names the directive it stopped at; a concurrent writer makes the whole batch a conflict.
    """
    _aware(now)
    outcomes: list[Outcome] = []
    current: Command | None = None
    try:
        begin_write(session)
        for current in cmds:
            outcomes.append(_handle(session, current, now))
        session.commit()
        return outcomes
    except (StaleDataError, IntegrityError) as exc:
        session.rollback()
        raise ConcurrencyConflict(
            f"Nhiệm vụ #{current.directive_id if current else '?'} vừa được người khác cập nhật; "
            "không thay đổi nhiệm vụ nào, hãy xem lại rồi thử lại."
        ) from exc
    except DondocError as exc:
        session.rollback()
        if current is not None and len(cmds) > 1:
            exc.args = (f"Nhiệm vụ #{current.directive_id}: {exc} — không thay đổi nhiệm vụ nào.",)
        raise
    except BaseException:
        session.rollback()
        raise


def _aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")


def _handle(session: Session, cmd: Command, now: dt.datetime) -> Outcome:
    """Check and apply one command inside the caller's write transaction (no commit)."""
    actor_id = getattr(cmd, "actor_id", None)
    directive, person = _load_with_actor(session, cmd.directive_id, actor_id)
    event_type = EVENT_OF[type(cmd)]
    # The actor first: "no change" or "not in this state" would tell a stranger about the directive.
    kinds, needed = actor_kinds(person, directive), actors_of(event_type)
    if not kinds & needed:
        who = person.name if person else "Hệ thống"
        need = " hoặc ".join(sorted(ACTOR_LABELS[a] for a in needed))
        raise PermissionDenied(f"{who} không có quyền “{label(EVENT_LABELS, event_type).lower()}” nhiệm vụ "
                               f"#{directive.id} (việc này của {need}).")
    try:
        transition_for(directive.state, event_type)
    except TransitionNotAllowed:
        if _already_holds(directive, event_type):
            return Outcome(directive, None, noop=True)
        raise
    payload = _payload(cmd, directive, now)
    if event_type == "DraftEdited" and not payload["changes"]:  # the same value again records nothing
        return Outcome(directive, None, noop=True)
    return append(session, directive, event_type, payload, now, actor=person)


def append(
    session: Session,
    directive: Directive,
    event_type: str,
    payload: dict[str, Any],
    now: dt.datetime,
    *,
    actor: Person | None = None,
    policy: Policy | None = None,
    calendar: WorkCalendar | None = None,
) -> Outcome:
    """Append an event, update the projection and queue its notifications (no commit).

    `policy`/`calendar` default to the packaged policy file; the sweep passes the deployment's.
    """
    transition_for(directive.state, event_type)  # raises TransitionNotAllowed
    event = Event(
        directive_id=directive.id,  # type: ignore[arg-type]
        seq=directive.version + 1,
        type=event_type,
        actor_id=actor.id if actor else None,
        actor=actor.name if actor else "system",
        at=now,
        payload=payload,
    )
    before = {name: getattr(directive, name) for name in _WRITTEN}
    old_version = directive.version
    apply_event(directive, event)
    directive.next_check_at = next_check_at(directive, now, policy=policy, calendar=calendar)
    changes = {name: getattr(directive, name) for name in _WRITTEN if getattr(directive, name) != before[name]}
    # One UPDATE writes the projection and is the optimistic lock: a concurrent writer that got there
    # first leaves no row at the old version (on PostgreSQL it waits for that writer's commit, then sees 0).
    conn = session.connection()
    params = {**changes, "_id": directive.id, "_old_version": old_version}
    columns = tuple(sorted(changes))
    if conn.dialect.name == "postgresql":  # one round trip: the event is inserted only if the claim holds
        params.update({f"e_{k}": v for k, v in event.row().items()})
        ok = conn.execute(_claim_and_append_statement(columns), params).first() is not None
    else:
        ok = conn.execute(_update_statement(columns), params).rowcount == 1
    if not ok:
        for name, value in before.items():  # leave the in-memory copy as it was
            set_committed_value(directive, name, value)
        raise StaleDataError(f"directive {directive.id} changed concurrently")
    for name in _WRITTEN:  # already written: nothing is left for the ORM to flush
        set_committed_value(directive, name, getattr(directive, name))
    if conn.dialect.name != "postgresql":
        conn.execute(_INSERT_EVENT, event.row())
    not_before = notification_time(now, policy=policy, calendar=calendar)
    keys = _queue_notifications(session, directive, event, not_before)
    return Outcome(directive, event, notifications=keys)


# Core statements (cached by SQLAlchemy) instead of ORM flushes: a command is two statements.
_WRITTEN = tuple(dict.fromkeys((*PROJECTED, "original_deadline", "next_check_at", "updated_at")))
_INSERT_EVENT = insert(DirectiveEvent.__table__)  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def _update_statement(columns: tuple[str, ...]) -> Update:
    table = Directive.__table__
    return (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_old_version"))
        .values({name: bindparam(name) for name in columns})
    )


@lru_cache(maxsize=256)
def _claim_and_append_statement(columns: tuple[str, ...]) -> Insert:
    """PostgreSQL: WITH claimed AS (UPDATE … RETURNING id) INSERT the event FROM claimed."""
    events = DirectiveEvent.__table__
    claimed = _update_statement(columns).returning(Directive.__table__.c.id).cte("claimed")
    names = [c.name for c in events.columns if c.name != "id"]
    values = select(*(bindparam(f"e_{name}", type_=events.c[name].type) for name in names)).select_from(claimed)
    # RETURNING says whether a row went in (rowcount is not reported for this form).
    return insert(events).from_select(names, values).add_cte(claimed).returning(events.c.id)  # type: ignore[arg-type]


def _queue_notifications(
    session: Session, directive: Directive, event: Event, not_before: dt.datetime
) -> list[str]:
    keys: list[str] = []
    audiences: dict[str, Callable[[], list[Person]]] = {
        "lead": lambda: lead_people(session, directive),
        "office": lambda: office_people(session),
        "coordinators": lambda: coordinator_people(session, directive),
    }
    for kind, audience in _NOTIFY.get(event.type, []):
        for person in audiences[audience]():
            key = f"d{directive.id}:{kind}:e{event.seq}:p{person.id}"
            payload = {"event_seq": event.seq, "version": directive.version, **event.payload}
            if enqueue(session, key=key, kind=kind, person_id=person.id, directive_id=directive.id,
                       payload=payload, not_before=not_before, now=event.at):
                keys.append(key)
    return keys


def _already_holds(directive: Directive, event_type: str) -> bool:
    """True when a repeated command asks for the state that already holds (a harmless double press)."""
    return (event_type, directive.state) in {
        ("Acknowledged", State.in_progress),
        ("Acknowledged", State.reported),
        ("ReportAccepted", State.done),
        ("Cancelled", State.cancelled),
        ("Assigned", State.assigned),
        ("DeadlinePassed", State.overdue),
    }


def _after_conflict(session: Session, cmd: Command, exc: Exception) -> Outcome:
    """A concurrent writer won: a no-op if it left the state this command asked for, else a conflict."""
    directive = _load(session, cmd.directive_id)
    if _already_holds(directive, EVENT_OF[type(cmd)]):
        return Outcome(directive, None, noop=True)
    raise ConcurrencyConflict(
        f"Nhiệm vụ #{cmd.directive_id} vừa được người khác cập nhật (nay "
        f"“{label(STATE_LABELS, directive.state.value)}”, phiên bản {directive.version}); hãy xem lại rồi thử lại."
    ) from exc


def add_draft(session: Session, directive: Directive, now: dt.datetime, *, actor: Person | None = None) -> Directive:
    """Store a new draft directive with its Drafted event (the caller commits)."""
    directive.state = State.draft
    directive.version = 1
    directive.created_at = directive.updated_at = now
    directive.next_check_at = None
    index(directive)
    session.add(directive)
    session.flush()
    session.add(DirectiveEvent(
        directive_id=directive.id,  # type: ignore[arg-type]
        seq=1, type="Drafted", actor_id=actor.id if actor else None,
        actor=actor.name if actor else "system", at=now, payload=created_payload(directive),
    ))
    session.flush()
    return directive


# Convenience wrappers named as in the issue; each is one transaction.
def assign(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime) -> Outcome:
    """Assign a reviewed draft."""
    return handle(session, AssignDirective(directive_id, actor_id), now)


def acknowledge(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime) -> Outcome:
    """The lead confirms receipt."""
    return handle(session, AcknowledgeDirective(directive_id, actor_id), now)


def submit_report(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime, text: str = "",
                  attachment: dict[str, Any] | None = None) -> Outcome:
    """The lead reports a result."""
    return handle(session, SubmitReport(directive_id, actor_id, text, attachment), now)


def accept_report(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime, note: str = "") -> Outcome:
    """The office accepts the report: done."""
    return handle(session, AcceptReport(directive_id, actor_id, note), now)


def return_report(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime,
                  reason: str = "") -> Outcome:
    """The office sends the report back."""
    return handle(session, ReturnReport(directive_id, actor_id, reason), now)


def mark_overdue(session: Session, directive_id: int, *, now: dt.datetime) -> Outcome:
    """The sweep records that the deadline passed."""
    return handle(session, MarkOverdue(directive_id), now)


def request_extension(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime,
                      new_deadline: dt.datetime, reason: str = "") -> Outcome:
    """The lead asks for a later deadline."""
    return handle(session, RequestExtension(directive_id, actor_id, new_deadline, reason), now)


def grant_extension(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime,
                    new_deadline: dt.datetime | None = None) -> Outcome:
    """The office sets a new deadline (the requested one by default)."""
    return handle(session, GrantExtension(directive_id, actor_id, new_deadline), now)


def deny_extension(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime,
                   reason: str = "") -> Outcome:
    """The office refuses a pending extension request."""
    return handle(session, DenyExtension(directive_id, actor_id, reason), now)


def cancel(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime, reason: str = "") -> Outcome:
    """The office cancels a directive."""
    return handle(session, CancelDirective(directive_id, actor_id, reason), now)


def assign_many(session: Session, directive_ids: Iterable[int], *, actor_id: int, now: dt.datetime) -> list[Outcome]:
    """Assign several drafts in one transaction: all or none (repeated ids count once)."""
    return handle_all(session, [AssignDirective(i, actor_id) for i in dict.fromkeys(directive_ids)], now)


def cancel_many(session: Session, directive_ids: Iterable[int], *, actor_id: int, now: dt.datetime,
                reason: str = "") -> list[Outcome]:
    """Cancel several directives in one transaction: all or none (repeated ids count once)."""
    return handle_all(session, [CancelDirective(i, actor_id, reason) for i in dict.fromkeys(directive_ids)], now)


def edit_draft(session: Session, directive_id: int, *, actor_id: int, now: dt.datetime,
               changes: dict[str, Any]) -> Outcome:
    """The office corrects a draft before assigning it."""
    return handle(session, EditDraft(directive_id, actor_id, changes), now)
