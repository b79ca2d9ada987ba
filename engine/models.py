"""SQLModel tables: the directive projection, its append-only events, the outbox and reference data."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from engine.timeutil import UTCDateTime


def _utc_col(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _json_col(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Role(StrEnum):
    office = "office"
    leader = "leader"
    focal = "focal"
    supervisor = "supervisor"


class State(StrEnum):
    draft = "draft"
    assigned = "assigned"
    in_progress = "in_progress"
    reported = "reported"
    overdue = "overdue"
    done = "done"
    cancelled = "cancelled"


OPEN_STATES = (State.assigned, State.in_progress, State.reported, State.overdue)


class Agency(SQLModel, table=True):
    """A body that can lead or coordinate directives (sở, ban, UBND huyện, office …)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, description="Short code, e.g. STC")
    name: str = Field(description="Official name, e.g. Sở Tài chính")
    kind: str = Field(default="so", description="so, ban, huyen, office, leader, other")
    aliases: list[str] = _json_col(list)
    supervisor_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("person.id", use_alter=True, name="fk_agency_supervisor"), nullable=True),
        description="Phó Chủ tịch phụ trách",
    )


class Person(SQLModel, table=True):
    """Someone who acts or is told: office staff, agency leaders, focal officers, supervisors."""

    id: int | None = Field(default=None, primary_key=True)
    name: str
    title: str = ""
    role: Role = Field(default=Role.leader)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    telegram_chat_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True, index=True)
    )
    reachable: bool = True
    active: bool = Field(default=True, description="False once removed from the directory; history keeps them")


class BindingCode(SQLModel, table=True):
    """A one-time deep-link code that binds a Telegram chat to a person."""

    code: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: dt.datetime = _utc_col(nullable=False)
    expires_at: dt.datetime = _utc_col(nullable=False)
    used_at: dt.datetime | None = _utc_col()


class LoginToken(SQLModel, table=True):
    """A one-time web login link; only the hash of its token is stored."""

    token_hash: str = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: dt.datetime = _utc_col(nullable=False)
    expires_at: dt.datetime = _utc_col(nullable=False)
    used_at: dt.datetime | None = _utc_col()


class BindingGuard(SQLModel, table=True):
    """Failed binding attempts of one chat: after too many, the chat is locked for a while."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    failures: int = 0
    window_start: dt.datetime = _utc_col(nullable=False)
    locked_until: dt.datetime | None = _utc_col()


class PendingInput(SQLModel, table=True):
    """What the bot waits for in a chat after a button (a report, a date, a reason); in the database so
    that the follow-up message may reach any bot replica."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    person_id: int  # no foreign keys: a short-lived row must never block deleting a person or a notice
    kind: str = Field(description="report, extend_date, extend_reason, return_reason, deny_reason")
    directive_id: int
    version: int
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    message_text: str | None = None
    data: dict[str, Any] = _json_col(dict)
    updated_at: dt.datetime = _utc_col(nullable=False)


class ReportFile(SQLModel, table=True):
    """A file attached to a report, by content (SHA-256): every replica and the web app read it here."""

    sha256: str = Field(primary_key=True)
    size: int
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: dt.datetime = _utc_col(nullable=False)


class Notice(SQLModel, table=True):
    """A conclusion notice (Thông báo kết luận) as ingested."""

    id: int | None = Field(default=None, primary_key=True)
    number: str | None = None
    title: str = ""
    issuer: str | None = None
    signer: str | None = None
    date: dt.date | None = None
    meeting_date: dt.date | None = None
    source_name: str = ""
    source_hash: str = Field(index=True, description="sha256 of the file as received")
    content_hash: str | None = Field(default=None, index=True,
                                     description="sha256 of the normalised text: the same notice in any format")
    text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""),
                      description="The notice's text as read (the directives quote it)")
    created_at: dt.datetime = _utc_col(nullable=False)
    ocr: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True),
        description="Set when the text came from OCR: engine, dpi, mean confidence per page",
    )
    # Clauses the extractor scored as possible directives but did not take: [{ref, text, score}], for review.
    candidates: list[dict[str, Any]] = _json_col(list)


class Directive(SQLModel, table=True):
    """The current state of one directive: a projection of its events."""

    __table_args__ = (
        Index("ix_directive_open_check", "next_check_at"),
        # Covers `dondoc stats`: the bucket sums read this index, never the wide rows.
        Index("ix_directive_stats", "lead_agency_id", "state", "deadline", "reported_at", "done_at"),
        # The web's overview (buckets per agency and notice), lists in deadline order, watch lists by state.
        Index("ix_directive_board", "lead_agency_id", "notice_id", "state", "deadline", "reported_at", "done_at",
              "assigned_at", "acknowledged_at"),
        Index("ix_directive_deadline", "deadline", "id"),
        Index("ix_directive_state", "state", "deadline", "acknowledged_at", "assigned_at", "reported_at", "done_at",
              "lead_agency_id", "notice_id"),  # covering: the planner may pick it for any `state IN (…)`
    )

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int | None = Field(default=None, foreign_key="notice.id", index=True)
    ref: str = ""
    task: str
    lead: str | None = Field(default=None, description="Lead as written in the notice")
    lead_agency_id: int | None = Field(default=None, foreign_key="agency.id")
    leader_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    coordinators: list[str] = _json_col(list)
    report_to: str | None = None
    recurrence: str | None = None
    deadline: dt.datetime | None = _utc_col()
    deadline_text: str | None = None
    deadline_kind: str = "none"
    original_deadline: dt.datetime | None = _utc_col()
    confidence: float = 1.0
    review_flags: list[str] = _json_col(list)
    policy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    state: State = Field(default=State.draft)
    version: int = 0
    pending_extension: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    next_check_at: dt.datetime | None = _utc_col()
    created_at: dt.datetime = _utc_col(nullable=False)
    updated_at: dt.datetime = _utc_col(nullable=False)
    assigned_at: dt.datetime | None = _utc_col()
    acknowledged_at: dt.datetime | None = _utc_col()
    reported_at: dt.datetime | None = _utc_col()
    overdue_at: dt.datetime | None = _utc_col()
    done_at: dt.datetime | None = _utc_col()
    cancelled_at: dt.datetime | None = _utc_col()
    search_text: str = Field(default="", description="Folded ref, lead, task …: see engine.search")


class DirectiveEvent(SQLModel, table=True):
    """One append-only fact in a directive's history."""

    __table_args__ = (UniqueConstraint("directive_id", "seq", name="uq_event_directive_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    directive_id: int = Field(foreign_key="directive.id", index=True)
    seq: int = Field(description="1, 2, 3 … per directive; equals the directive version after it")
    type: str = Field(index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(default="system", description="Who, as shown in the audit trail")
    at: dt.datetime = _utc_col(nullable=False)
    payload: dict[str, Any] = _json_col(dict)


class OutboxStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    held = "held"  # the recipient has not bound Telegram yet: released when they do (engine.outbox)


class Outbox(SQLModel, table=True):
    """A notification to send, written in the transaction of the event that caused it."""

    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, description="Idempotency key: directive, kind, step, recipient")
    kind: str
    directive_id: int | None = Field(default=None, foreign_key="directive.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    payload: dict[str, Any] = _json_col(dict)
    status: OutboxStatus = Field(default=OutboxStatus.pending)
    attempts: int = 0
    not_before: dt.datetime = _utc_col(nullable=False)
    claimed_at: dt.datetime | None = _utc_col()
    claim_token: str | None = Field(default=None, description="Who holds the claim: host:pid:random")
    lease_until: dt.datetime | None = _utc_col()  # a `sending` row is claimable again after this
    sent_at: dt.datetime | None = _utc_col()
    last_error: str | None = None
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: dt.datetime = _utc_col(nullable=False)
