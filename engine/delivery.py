"""Delivery: claim due outbox rows, send them through the notifier, record what happened.

Claim: one short write transaction flips due rows to `sending` (claimed_at = now, attempts + 1) with
UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id on PostgreSQL; on SQLite the same
statement runs under BEGIN IMMEDIATE, so claimers are serialised and the WHERE re-check suffices.
A `sending` row whose claim is older than the policy's lease is claimable again (its claimer died).
Each outcome is recorded in its own transaction, guarded by (id, claimed_at), the claim token.

Guarantee: at-least-once. A crash after a send and before its record resends that one message
once the lease runs out; nothing is lost, and nothing else is sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import and_, or_, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.commands import append
from engine.db import begin_write
from engine.lifecycle import ANY_OPEN
from engine.models import Agency, Directive, Outbox, OutboxStatus, Person, State
from engine.notify import DeliveryError, Notification, Notifier, Recipient
from engine.outbox import enqueue
from engine.people import office_people
from engine.policy import Policy, default_policy
from engine.redact import redact
from engine.schedule import notification_time
from engine.timeutil import local_date
from engine.views import directive_view

log = logging.getLogger(__name__)

# Reminder kinds that lose their point once the directive moved on (done, reported, new deadline).
TIMELY = {"reminder": {State.assigned, State.in_progress}, "due_today": {State.assigned, State.in_progress},
          "overdue": {State.overdue}, "escalation": {State.overdue},
          "nudge": {State.assigned, State.in_progress, State.overdue}}


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (f"claimed {self.claimed}, sent {self.sent}, retried {self.retried}, failed {self.failed}, "
                f"skipped {self.skipped}")


def claim(session: Session, now: dt.datetime, *, limit: int, lease: dt.timedelta) -> list[int]:
    """Claim up to `limit` due rows for this caller (committed); `now` becomes their claim token."""
    due = or_(
        and_(col(Outbox.status) == OutboxStatus.pending, col(Outbox.not_before) <= now),
        and_(col(Outbox.status) == OutboxStatus.sending, col(Outbox.claimed_at) < now - lease),
    )
    pick = (select(Outbox.id).where(due).order_by(col(Outbox.not_before), col(Outbox.id)).limit(limit)
            .with_for_update(skip_locked=True))
    stmt = (update(Outbox).where(col(Outbox.id).in_(pick.scalar_subquery()), due)
            .values(status=OutboxStatus.sending, claimed_at=now, attempts=col(Outbox.attempts) + 1)
            .returning(col(Outbox.id)).execution_options(synchronize_session=False))
    try:
        begin_write(session)
        ids = [row[0] for row in session.execute(stmt)]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return sorted(ids)


async def deliver(
    session: Session, notifier: Notifier, now: dt.datetime, *, limit: int = 100,
    policy: Policy | None = None, calendar: WorkCalendar | None = None,
) -> DeliveryReport:
    """Send the outbox rows due at `now` (at most `limit`) and record each outcome."""
    policy = policy or default_policy()
    calendar = calendar or policy.calendar()
    report = DeliveryReport()
    claimed = claim(session, now, limit=limit, lease=dt.timedelta(seconds=policy.claim_lease_seconds))
    report.claimed = len(claimed)
    if not claimed:
        return report
    rows = session.exec(select(Outbox).where(col(Outbox.id).in_(claimed))
                        .order_by(col(Outbox.not_before), col(Outbox.id))
                        .execution_options(populate_existing=True)).all()  # the claim's values, not stale ones
    people = _by_id(session, Person, {r.person_id for r in rows})  # fresh: `reachable` may have changed
    directives = _by_id(session, Directive, {r.directive_id for r in rows})
    agencies = _by_id(session, Agency, {p.agency_id for p in people.values()})
    views = {i: directive_view(session, d, now=now, calendar=calendar) for i, d in directives.items()}
    session.commit()  # end the read snapshot before sending
    for row in rows:
        person = people.get(row.person_id)
        directive = directives.get(row.directive_id)
        reason = _skip_reason(row, person, directive)
        if reason:
            _finish(session, row, now, OutboxStatus.failed, error=f"skipped: {reason}")
            report.skipped += 1
            continue
        assert person is not None
        agency = agencies.get(person.agency_id)
        notification = Notification(
            outbox_id=row.id,  # type: ignore[arg-type]
            kind=row.kind,
            recipient=Recipient(person.id, person.name, str(person.role), person.telegram_chat_id,
                                agency.name if agency else None),
            directive=views.get(row.directive_id),
            payload=dict(row.payload),
        )
        try:
            delivered = await notifier.send(notification)
        except DeliveryError as exc:
            if exc.permanent:
                _permanent(session, row, person, now, str(exc), policy, calendar)
                report.failed += 1
            elif row.attempts >= policy.max_attempts:
                _give_up(session, row, now, f"{exc} (after {row.attempts} attempts)", policy, calendar)
                report.failed += 1
            else:
                _retry(session, row, now, str(exc), exc.retry_after, policy)
                report.retried += 1
        except Exception as exc:  # an unexpected notifier bug: retry like a transient error, and log it
            log.exception("notifier failed on outbox row %s", row.id)
            if row.attempts >= policy.max_attempts:
                _give_up(session, row, now, redact(repr(exc)), policy, calendar)
                report.failed += 1
            else:
                _retry(session, row, now, redact(repr(exc)), None, policy)
                report.retried += 1
        else:
            _finish(session, row, now, OutboxStatus.sent, message_id=delivered.message_id)
            report.sent += 1
    return report


def _by_id(session: Session, model: type, ids: set[int | None]) -> dict:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    stmt = select(model).where(col(model.id).in_(wanted)).execution_options(populate_existing=True)
    return {o.id: o for o in session.exec(stmt).all()}


def _skip_reason(row: Outbox, person: Person | None, directive: Directive | None) -> str | None:
    if person is None:
        return "recipient no longer exists"
    if not person.reachable:
        return f"{person.name} is marked unreachable"
    states = TIMELY.get(row.kind)
    if states is not None and directive is not None:
        if directive.state not in states:
            return f"directive is now {directive.state.value}"
        queued_for = row.payload.get("deadline")
        current = directive.deadline.isoformat() if directive.deadline else None
        if queued_for != current:
            return "the deadline changed since it was queued"
    return None


def _mark(session: Session, row: Outbox, **values: object) -> bool:
    """Update a row this caller still holds (status sending, same claim token); False if taken over."""
    result = session.execute(
        update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.status) == OutboxStatus.sending,
                             col(Outbox.claimed_at) == row.claimed_at).values(**values)
        .execution_options(synchronize_session=False)  # no O(session) evaluation per row
    )
    return result.rowcount == 1


def _finish(session: Session, row: Outbox, now: dt.datetime, status: OutboxStatus, *,
            error: str | None = None, message_id: int | None = None) -> None:
    begin_write(session)
    if status == OutboxStatus.sent:
        _mark(session, row, status=status, sent_at=now, message_id=message_id, last_error=None)
    else:
        _mark(session, row, status=status, last_error=error)
    session.commit()


def _retry(session: Session, row: Outbox, now: dt.datetime, error: str, retry_after: float | None,
           policy: Policy) -> None:
    # A rate limit (429) says exactly when to come back; other failures back off exponentially.
    backoff = min(policy.retry_base_seconds * 2 ** max(row.attempts - 1, 0), policy.retry_max_seconds)
    delay = retry_after if retry_after is not None else backoff
    begin_write(session)
    _mark(session, row, status=OutboxStatus.pending, not_before=now + dt.timedelta(seconds=delay),
          last_error=error)
    session.commit()


def _give_up(session: Session, row: Outbox, now: dt.datetime, error: str, policy: Policy,
             calendar: WorkCalendar) -> None:
    begin_write(session)
    if _mark(session, row, status=OutboxStatus.failed, last_error=error):
        _alert_office(session, row, now, error, policy, calendar, permanent=False)
    session.commit()


def _permanent(session: Session, row: Outbox, person: Person, now: dt.datetime, error: str, policy: Policy,
               calendar: WorkCalendar) -> None:
    """One transaction: the row failed, the person unreachable, DeliveryFailed, the office alerted."""
    for _ in range(3):  # a concurrent command may bump the directive's version: roll back and retry
        try:
            begin_write(session)
            if _mark(session, row, status=OutboxStatus.failed, last_error=error):
                session.execute(update(Person).where(col(Person.id) == person.id).values(reachable=False)
                                .execution_options(synchronize_session=False))
                if row.directive_id is not None:
                    _record_failure(session, row, person, now, error, policy, calendar)
                _alert_office(session, row, now, error, policy, calendar, permanent=True)
            session.commit()
            return
        except StaleDataError:
            session.rollback()
    log.warning("could not record the permanent failure of outbox row %s", row.id)


def _record_failure(session: Session, row: Outbox, person: Person, now: dt.datetime, error: str,
                    policy: Policy, calendar: WorkCalendar) -> None:
    directive = session.get(Directive, row.directive_id, populate_existing=True)
    if directive is None or directive.state not in ANY_OPEN:
        return
    keep = directive.next_check_at  # a failed delivery must not move the reminder schedule
    append(session, directive, "DeliveryFailed",
           {"outbox_id": row.id, "kind": row.kind, "person_id": person.id, "error": error}, now,
           policy=policy, calendar=calendar)
    directive.next_check_at = keep
    session.add(directive)
    session.flush()


def _alert_office(session: Session, row: Outbox, now: dt.datetime, error: str, policy: Policy,
                  calendar: WorkCalendar, *, permanent: bool) -> None:
    if row.kind == "delivery_failed":
        return  # never alert about a failed alert: that could loop
    recipient = session.get(Person, row.person_id) if row.person_id else None
    payload = {"outbox_id": row.id, "failed_kind": row.kind, "person_id": row.person_id,
               "person_name": recipient.name if recipient else None, "error": error,
               "attempts": row.attempts, "permanent": permanent}
    # An unreachable person (blocked bot, unknown chat) is reported once a day, however many messages
    # to them fail; a message that ran out of retries is reported on its own.
    about = f"unreachable:p{row.person_id}:{local_date(now, policy.timezone)}" if permanent else f"o{row.id}"
    for office in office_people(session):
        enqueue(session, key=f"{about}:delivery_failed:p{office.id}", kind="delivery_failed",
                person_id=office.id, directive_id=row.directive_id, payload=payload,
                not_before=notification_time(now, policy=policy, calendar=calendar), now=now)
