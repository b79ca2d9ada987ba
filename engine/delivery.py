"""Delivery: claim due outbox rows, send them through the notifier, record what happened.

Claim: one short write transaction flips due rows to `sending` (attempts + 1) under a claim token
(host:pid:random) and a lease (`lease_until`). On PostgreSQL the rows are picked by a MATERIALIZED CTE
with FOR UPDATE SKIP LOCKED, so the LIMIT holds whatever plan the planner chooses (a semi-join may
re-run an inlined subquery per row); on SQLite the statement runs under BEGIN IMMEDIATE, so claimers
are serialised. A claim takes no more than can be sent within half the lease at the notifier's rate
(per chat and overall), and its lease is renewed while the batch is being sent; a `sending` row whose
lease ran out is claimable again (its claimer died), and a row whose claim was lost is never sent.
Each outcome is recorded in its own transaction, guarded by (id, claim token).

Before sending, a row is checked again: quiet hours and days off (a backlog sent after downtime waits
for the morning), a newer reminder for the same directive and person (only the newest step goes out),
a directive that moved on. A message to someone who has not bound Telegram is held until they do.

Guarantee: at-least-once. A crash after a send and before its record resends that one message
once the lease runs out; nothing is lost, and nothing else is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.commands import append
from engine.db import WRITE_OPTION, begin_write
from engine.errors import DondocError
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
Clock = Callable[[], dt.datetime]

# Reminder kinds that lose their point once the directive moved on (done, reported, new deadline).
TIMELY = {"reminder": {State.assigned, State.in_progress}, "due_today": {State.assigned, State.in_progress},
          "overdue": {State.overdue}, "escalation": {State.overdue},
          "nudge": {State.assigned, State.in_progress, State.overdue}}
LIVE = (OutboxStatus.pending, OutboxStatus.sending, OutboxStatus.sent, OutboxStatus.held)
BREAKER = 3  # consecutive transport failures (not rate limits) after which a pass stops: the API is down
SCAN_FACTOR = 5  # a claim ranks this many times its size of the oldest due rows to share them out per chat


@dataclass(frozen=True)
class SendRate:
    """How fast a notifier may send; the default is Telegram's (one message a second per chat, 30/s)."""

    per_chat_interval: float = 1.0
    overall_per_second: float = 30.0


def send_rate(notifier: Notifier) -> SendRate:
    """The notifier's `send_rate` if it declares one, else Telegram's limits."""
    rate = getattr(notifier, "send_rate", None)
    return rate if isinstance(rate, SendRate) else SendRate()


@dataclass
class DeliveryReport:
    """What one delivery pass did; `errors` counts failed sends by kind, `examples` keeps one message each."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    superseded: int = 0  # an older reminder of a directive whose newer one goes out instead
    deferred: int = 0  # put back untouched: quiet hours, or the pass stopped (Bot API unreachable)
    held: int = 0  # the recipient has not bound Telegram yet
    lost: int = 0  # our claim ran out before we could send; someone else has the row now
    batches: int = 0
    largest_claim: int = 0
    interrupted: str | None = None  # the failure kind that stopped the pass (BREAKER in a row)
    errors: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    last_kind: str | None = field(default=None, repr=False)  # of the latest failure: the breaker names it

    COUNTS = ("claimed", "sent", "retried", "failed", "skipped", "superseded", "deferred", "held", "lost",
              "batches")

    def add(self, other: DeliveryReport) -> None:
        """Fold another pass's figures into this one."""
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.largest_claim = max(self.largest_claim, other.largest_claim)
        self.interrupted = self.interrupted or other.interrupted
        for kind, count in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + count
            self.examples.setdefault(kind, other.examples.get(kind, ""))

    def _error(self, kind: str, message: str) -> bool:
        """Count a failure; True the first time this kind is seen in the pass."""
        first = kind not in self.errors
        self.last_kind = kind
        self.errors[kind] = self.errors.get(kind, 0) + 1
        self.examples.setdefault(kind, message)
        return first

    def __str__(self) -> str:
        text = ", ".join(f"{name} {getattr(self, name)}" for name in self.COUNTS[:-1] if getattr(self, name)
                         or name in ("claimed", "sent"))
        return text + (f" (stopped after {BREAKER} {self.interrupted} in a row)" if self.interrupted else "")


@dataclass(frozen=True)
class Claim:
    """Rows claimed together: their token and when the lease ends unless renewed."""

    token: str
    ids: list[int]
    until: dt.datetime


def claim_capacity(policy: Policy, rate: SendRate) -> tuple[int, int]:
    """(rows, rows per person) one claim may take: what can be sent within half the lease."""
    window = policy.claim_lease_seconds / 2
    per_person = max(1, int(window / rate.per_chat_interval)) if rate.per_chat_interval > 0 else policy.claim_batch
    overall = max(1, int(window * rate.overall_per_second)) if rate.overall_per_second > 0 else policy.claim_batch
    return min(policy.claim_batch, overall), per_person


def _due(t: Any, now: dt.datetime) -> Any:
    """Claimable at `now`: pending and due, sending with its lease run out, or held past its hold."""
    return or_(
        and_(t.status == OutboxStatus.pending, t.not_before <= now),
        and_(t.status == OutboxStatus.sending, or_(t.lease_until < now, t.lease_until.is_(None))),
        and_(t.status == OutboxStatus.held, t.not_before <= now),
    )


def new_token() -> str:
    """A claim token naming its holder (host and process) for operators, unique by its random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


def claim(session: Session, now: dt.datetime, *, limit: int, lease: dt.timedelta,
          per_person: int | None = None, token: str | None = None) -> Claim:
    """Claim up to `limit` due rows (at most `per_person` for one recipient) for this caller (committed)."""
    token = token or new_token()
    postgres = session.get_bind().dialect.name == "postgresql"
    scan_rows = aliased(Outbox, name="scan_rows")
    scan = (select(scan_rows.id, scan_rows.person_id, scan_rows.not_before).where(_due(scan_rows, now))
            .order_by(scan_rows.not_before, scan_rows.id).limit(limit * SCAN_FACTOR).subquery("scan"))
    # Per recipient; a row without one (none is queued so today) is its own group.
    rank = func.row_number().over(partition_by=func.coalesce(scan.c.person_id, -scan.c.id),
                                  order_by=(scan.c.not_before, scan.c.id))
    ranked = select(scan.c.id, rank.label("rn")).subquery("ranked")
    fair = select(ranked.c.id).where(ranked.c.rn <= (per_person or limit))
    picked = aliased(Outbox, name="picked")
    pick = (select(picked.id).where(picked.id.in_(fair), _due(picked, now))
            .order_by(picked.not_before, picked.id).limit(limit).with_for_update(skip_locked=True, of=picked))
    # MATERIALIZED: evaluated once, so the LIMIT and the locks hold whatever join the planner picks.
    target = select(pick.cte("pick").prefix_with("MATERIALIZED").c.id) if postgres else pick
    until = now + lease
    stmt = (update(Outbox).where(col(Outbox.id).in_(target), _due(Outbox, now))
            .values(status=OutboxStatus.sending, claimed_at=now, claim_token=token, lease_until=until,
                    attempts=col(Outbox.attempts) + 1)
            .returning(col(Outbox.id)).execution_options(synchronize_session=False))
    try:
        begin_write(session)
        ids = [row[0] for row in session.execute(stmt)]
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return Claim(token, sorted(ids), until)


class Lease:
    """Keeps a claim alive while its batch is sent; knows which rows are still ours."""

    def __init__(self, bind: Engine, claimed: Claim, seconds: float, clock: Clock) -> None:
        self.bind, self.token, self.seconds, self.clock = bind, claimed.token, seconds, clock
        self.until = claimed.until
        self.held = frozenset(claimed.ids)
        self.renewed_at = claimed.until - dt.timedelta(seconds=seconds)
        self._lock = threading.Lock()

    def holds(self, row_id: int, now: dt.datetime) -> bool:
        """True while the row is ours with a safe margin of lease left (renewing first if due)."""
        if now >= self.renewed_at + dt.timedelta(seconds=self.seconds / 3):
            with contextlib.suppress(Exception):  # a failed renewal is logged; the margin check decides
                self.renew()
        return row_id in self.held and now < self.until - dt.timedelta(seconds=self.seconds / 6)

    def renew(self) -> frozenset[int]:
        """Push the lease forward for the rows still ours; returns them (others were taken over)."""
        with self._lock:
            now = self.clock()
            until = now + dt.timedelta(seconds=self.seconds)
            stmt = (update(Outbox).where(col(Outbox.claim_token) == self.token,
                                         col(Outbox.status) == OutboxStatus.sending)
                    .values(lease_until=until).returning(col(Outbox.id)))
            try:
                with self.bind.connect() as conn:
                    conn.execution_options(**{WRITE_OPTION: True})
                    with conn.begin():
                        ids = frozenset(row[0] for row in conn.execute(stmt))
            except Exception:
                log.warning("could not renew the delivery lease %s", self.token, exc_info=True)
                raise
            self.held, self.until, self.renewed_at = ids, until, now
            return ids

    async def keep(self) -> None:
        """Renew every third of the lease (real time) until cancelled; runs beside the sends."""
        while True:
            await asyncio.sleep(self.seconds / 3)
            with contextlib.suppress(Exception):
                await asyncio.to_thread(self.renew)


def _running_clock(start: dt.datetime) -> Clock:
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


async def deliver(
    session: Session, notifier: Notifier, now: dt.datetime, *, limit: int = 100,
    policy: Policy | None = None, calendar: WorkCalendar | None = None,
    clock: Clock | None = None, budget: float | None = None,
) -> DeliveryReport:
    """Send the outbox rows due at `now` (at most `limit`, claimed in batches) and record each outcome.

    `clock` tells the time while the pass runs (default: `now` plus the real time elapsed); `budget`
    stops claiming new batches after that many seconds.
    """
    policy = policy or default_policy()
    calendar = calendar or policy.calendar()
    clock = clock or _running_clock(now)
    lease = dt.timedelta(seconds=policy.claim_lease_seconds)
    batch, per_person = claim_capacity(policy, send_rate(notifier))
    report = DeliveryReport()
    started = time.monotonic()
    while report.claimed < limit:
        at = now if report.batches == 0 else clock()
        claimed = claim(session, at, limit=min(batch, limit - report.claimed), lease=lease, per_person=per_person)
        if not claimed.ids:
            break
        report.batches += 1
        report.claimed += len(claimed.ids)
        report.largest_claim = max(report.largest_claim, len(claimed.ids))
        await _send_batch(session, notifier, claimed, at, clock, policy, calendar, report)
        if report.interrupted or (budget is not None and time.monotonic() - started >= budget):
            break
    return report


async def _send_batch(session: Session, notifier: Notifier, claimed: Claim, now: dt.datetime, clock: Clock,
                      policy: Policy, calendar: WorkCalendar, report: DeliveryReport) -> None:
    rows = session.exec(select(Outbox).where(col(Outbox.id).in_(claimed.ids),
                                             col(Outbox.claim_token) == claimed.token)
                        .order_by(col(Outbox.not_before), col(Outbox.id))
                        .execution_options(populate_existing=True)).all()  # the claim's values, not stale ones
    people = _by_id(session, Person, {r.person_id for r in rows})  # fresh: `reachable` may have changed
    directives = _by_id(session, Directive, {r.directive_id for r in rows})
    agencies = _by_id(session, Agency, {p.agency_id for p in people.values()})
    views = {i: directive_view(session, d, now=now, calendar=calendar) for i, d in directives.items()}
    newer = _superseded(session, rows)
    session.commit()  # end the read snapshot before sending
    bind = session.get_bind()
    lease = Lease(bind.engine if hasattr(bind, "engine") else bind, claimed,  # type: ignore[arg-type]
                  policy.claim_lease_seconds, clock)
    keeper = asyncio.create_task(lease.keep())
    failing = 0  # consecutive transport failures
    try:
        for row in rows:
            at = clock()
            if not lease.holds(row.id, at):  # type: ignore[arg-type]
                report.lost += 1
                continue
            if report.interrupted:  # the Bot API is down: give the rest back untouched, try again soon
                _release(session, row, at + dt.timedelta(seconds=policy.retry_base_seconds))
                report.deferred += 1
                continue
            person = people.get(row.person_id)
            directive = directives.get(row.directive_id)
            if row.id in newer:
                _finish(session, row, at, OutboxStatus.failed, error=f"skipped: superseded by row {newer[row.id]}")
                report.superseded += 1
                continue
            reason = _skip_reason(row, person, directive)
            if reason:
                _finish(session, row, at, OutboxStatus.failed, error=f"skipped: {reason}")
                report.skipped += 1
                continue
            assert person is not None
            allowed = _allowed_at(at, directive, policy, calendar)
            if allowed > at:  # quiet hours or a day off: the message waits, as it would have when queued
                _release(session, row, allowed)
                report.deferred += 1
                continue
            failing = await _send_one(session, notifier, row, person, agencies.get(person.agency_id),
                                      views.get(row.directive_id), clock, policy, calendar, report, failing)
            if failing >= BREAKER:
                report.interrupted = report.last_kind
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper


async def _send_one(session: Session, notifier: Notifier, row: Outbox, person: Person, agency: Agency | None,
                    view: dict | None, clock: Clock, policy: Policy, calendar: WorkCalendar,
                    report: DeliveryReport, failing: int) -> int:
    """Send one row and record the outcome; returns the new count of consecutive transport failures."""
    notification = Notification(
        outbox_id=row.id,  # type: ignore[arg-type]
        kind=row.kind,
        recipient=Recipient(person.id, person.name, str(person.role), person.telegram_chat_id,
                            agency.name if agency else None),
        directive=view,
        payload=dict(row.payload),
    )
    try:
        delivered = await notifier.send(notification)
    except DeliveryError as exc:
        at, error = clock(), redact(str(exc))
        kind = _kind(exc)
        if exc.permanent and person.telegram_chat_id is None:
            if _hold(session, row, person, at, error, policy, calendar):
                report.held += 1
            else:
                report._error(kind, error)
                report.failed += 1
            return failing
        first = report._error(kind, error)
        # Once per kind and pass; a transient failure is routine (it is retried), a permanent one is not.
        level = logging.DEBUG if not first else logging.WARNING if exc.permanent else logging.INFO
        log.log(level, "outbox row %s: %s", row.id, error)
        if exc.permanent:
            _permanent(session, row, person, at, error, policy, calendar)
            report.failed += 1
            return 0
        if row.attempts >= policy.max_attempts:
            _give_up(session, row, at, f"{error} (after {row.attempts} attempts)", policy, calendar)
            report.failed += 1
        else:
            _retry(session, row, at, error, exc.retry_after, policy)
            report.retried += 1
        return 0 if exc.retry_after is not None else failing + 1  # a rate limit is not an outage
    except Exception as exc:  # an unexpected notifier bug or transport error: retry like a transient error
        at, error = clock(), _describe(exc)
        first = report._error(type(exc).__name__, error)
        # One line and traceback per kind and pass is enough to debug; a row each would bury the log.
        log.log(logging.WARNING if first else logging.DEBUG, "notifier failed on outbox row %s: %s", row.id,
                error, exc_info=first)
        if row.attempts >= policy.max_attempts:
            _give_up(session, row, at, error, policy, calendar)
            report.failed += 1
        else:
            _retry(session, row, at, error, None, policy)
            report.retried += 1
        return failing + 1
    _finish(session, row, clock(), OutboxStatus.sent, message_id=delivered.message_id)
    report.sent += 1
    return 0


def _describe(exc: BaseException) -> str:
    """An unexpected exception as stored and shown: its type and message, secrets masked."""
    return redact(f"{type(exc).__name__}: {exc}")


def _kind(exc: DeliveryError) -> str:
    """The failure kind for grouping: the error's leading name ("NetworkError: …"), else its class."""
    head = str(exc).split(":", 1)[0].strip()
    return head if head and len(head) <= 40 else type(exc).__name__


def _by_id(session: Session, model: type, ids: set[int | None]) -> dict:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    stmt = select(model).where(col(model.id).in_(wanted)).execution_options(populate_existing=True)
    return {o.id: o for o in session.exec(stmt).all()}


def _superseded(session: Session, rows: list[Outbox]) -> dict[int, int]:
    """Claimed reminders with a newer one for the same directive and person: row id -> the newer id.

    Reminders pile up when delivery is behind (two sweeps before a delivery, a backlog after downtime);
    the newest step says all the older ones would, so only it goes out. Escalations are their own line.
    """
    timely = [r for r in rows if r.kind in TIMELY and r.directive_id is not None]
    if not timely:
        return {}
    stmt = select(Outbox.id, Outbox.directive_id, Outbox.person_id, Outbox.kind).where(
        col(Outbox.directive_id).in_({r.directive_id for r in timely}), col(Outbox.kind).in_(list(TIMELY)),
        col(Outbox.status).in_(LIVE))
    newest: dict[tuple[int | None, int | None, bool], int] = {}
    for row_id, directive_id, person_id, kind in session.execute(stmt):
        key = (directive_id, person_id, kind == "escalation")
        newest[key] = max(newest.get(key, 0), row_id)
    out = {}
    for r in timely:
        latest = newest.get((r.directive_id, r.person_id, r.kind == "escalation"), 0)
        if latest > (r.id or 0):
            out[r.id] = latest
    return out  # type: ignore[return-value]


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


def _allowed_at(at: dt.datetime, directive: Directive | None, policy: Policy, calendar: WorkCalendar) -> dt.datetime:
    """The first time at or after `at` a message may go out (the directive's own quiet hours if it has any)."""
    effective = policy
    if directive is not None and directive.policy:
        with contextlib.suppress(DondocError):
            effective = policy.merged(directive.policy)
    return notification_time(at, policy=effective, calendar=calendar)


def _mark(session: Session, row: Outbox, **values: object) -> bool:
    """Update a row this caller still holds (status sending, same claim token); False if taken over."""
    result = session.execute(
        update(Outbox).where(col(Outbox.id) == row.id, col(Outbox.status) == OutboxStatus.sending,
                             col(Outbox.claim_token) == row.claim_token).values(**values)
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


def _release(session: Session, row: Outbox, not_before: dt.datetime) -> None:
    """Give a claimed row back untouched: pending from `not_before`, the claim's attempt not counted."""
    begin_write(session)
    _mark(session, row, status=OutboxStatus.pending, not_before=not_before, attempts=row.attempts - 1,
          lease_until=None)
    session.commit()


def _retry(session: Session, row: Outbox, now: dt.datetime, error: str, retry_after: float | None,
           policy: Policy) -> None:
    # A rate limit (429) says exactly when to come back; other failures back off exponentially.
    backoff = min(policy.retry_base_seconds * 2 ** max(row.attempts - 1, 0), policy.retry_max_seconds)
    delay = retry_after if retry_after is not None else backoff
    begin_write(session)
    _mark(session, row, status=OutboxStatus.pending, not_before=now + dt.timedelta(seconds=delay),
          last_error=error, lease_until=None)
    session.commit()


def _hold(session: Session, row: Outbox, person: Person, now: dt.datetime, error: str, policy: Policy,
          calendar: WorkCalendar) -> bool:
    """The person has no bound chat: hold the row for their binding (engine.outbox.release_held).

    Returns False when the hold ran out instead: the row fails and the office is told, once a day.
    """
    hold_until = row.created_at + dt.timedelta(hours=policy.hold_unbound_hours)
    if now < hold_until:
        begin_write(session)
        _mark(session, row, status=OutboxStatus.held, not_before=hold_until, attempts=row.attempts - 1,
              lease_until=None, last_error=f"held until {person.name} binds Telegram")
        session.commit()
        return True
    hours = f"{policy.hold_unbound_hours:g}"
    _permanent(session, row, person, now, f"{error} (not bound within {hours} hours)", policy, calendar)
    return False


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
