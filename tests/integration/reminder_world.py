"""A small directory shared by the reminder tests: office, supervisor, lead agency, coordinator."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pendulum
from sqlmodel import Session, col, select

from dondoc.bootstrap import App
from engine.delivery import DeliveryReport, deliver
from engine.models import Agency, DirectiveEvent, Outbox, Person, Role
from engine.sweep import SweepReport, sweep
from tests.support.factory import Factory

TZ = "Asia/Ho_Chi_Minh"


def at(text: str) -> dt.datetime:
    """A local time 'YYYY-MM-DD HH:MM' in Hà Nội, as aware UTC."""
    return pendulum.parse(text, tz=TZ).in_timezone("UTC")


@dataclass
class World:
    office: Person
    supervisor: Person
    stc: Agency
    leader: Person
    vp: Agency
    vp_leader: Person


def make_world(factory: Factory) -> World:
    supervisor = factory.person("Phan Thế Tuấn", role=Role.supervisor, title="Phó Chủ tịch UBND tỉnh")
    stc = factory.agency("STC", "Sở Tài chính", supervisor_id=supervisor.id)
    vp = factory.agency("VP", "Văn phòng UBND tỉnh")
    leader = factory.person("Nguyễn Văn An", agency=stc, telegram_chat_id=1001)
    vp_leader = factory.person("Lê Thị Bình", agency=vp, telegram_chat_id=1002)
    office = factory.office()
    return World(office, supervisor, stc, leader, vp, vp_leader)


def run_sweep(app: App, session: Session, now: dt.datetime) -> SweepReport:
    return sweep(session, now, policy=app.policy, calendar=app.calendar)


def run_deliver(app: App, session: Session, now: dt.datetime, **kw: object) -> DeliveryReport:
    """One delivery pass at `now`, with the clock standing still while it runs (exact timestamps)."""
    kw.setdefault("clock", lambda: now)
    return asyncio.run(deliver(session, app.notifier, now, policy=app.policy, calendar=app.calendar, **kw))


def outbox(session: Session, kind: str | None = None) -> list[Outbox]:
    session.commit()
    stmt = select(Outbox).order_by(col(Outbox.id)).execution_options(populate_existing=True)
    if kind:
        stmt = stmt.where(Outbox.kind == kind)
    return list(session.exec(stmt).all())


def events(session: Session, directive_id: int, kind: str | None = None) -> list[DirectiveEvent]:
    session.commit()
    stmt = select(DirectiveEvent).where(DirectiveEvent.directive_id == directive_id)
    if kind:
        stmt = stmt.where(DirectiveEvent.type == kind)
    return list(session.exec(stmt.order_by(col(DirectiveEvent.seq))).all())
