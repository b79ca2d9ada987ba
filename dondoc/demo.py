"""`dondoc demo`: the whole product in a minute, on a simulated clock and a throw-away database."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from sqlmodel import Session, col, select

from config.settings import DATA_DIR, Settings
from dondoc.bootstrap import App, bootstrap
from engine import commands
from engine.delivery import deliver
from engine.digest import queue_daily_digest
from engine.directory import load_default_directory
from engine.errors import DondocError
from engine.ingest.service import ingest_file
from engine.labels import EVENT_LABELS, label
from engine.models import Directive, DirectiveEvent, Person, Role, State
from engine.people import lead_people
from engine.stats import compute_stats
from engine.sweep import sweep
from engine.timeutil import local
from notifiers.console import ConsoleNotifier

SAMPLE = DATA_DIR / "samples" / "tb-ket-luan-bac-giang-2024-04.txt"
START = dt.datetime(2024, 4, 22, 1, 0, tzinfo=dt.UTC)  # 08:00 Monday 22/4/2024, Hà Nội time


class SimClock:
    """A clock the demo moves forward."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def run_demo(*, days: int = 92, data_dir: Path | None = None, console: Console | None = None) -> App:
    """Ingest the sample notice, assign it, then advance hour by hour, printing what happens."""
    console = console or Console(highlight=False)
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="dondoc-demo-"))
    clock = SimClock(START)
    settings = Settings(data_dir=data_dir, database_url=None, telegram_token=None)
    app = bootstrap(settings, notifier=ConsoleNotifier(console=console, brief=True), clock=clock)
    policy = app.policy
    with app.session() as session:
        load_default_directory(session, settings.agencies_file)
        office = session.exec(select(Person).where(Person.role == Role.office)).first()
        if office is None:
            raise DondocError("Danh bạ chưa có chuyên viên Văn phòng nào để giao nhiệm vụ.")
        report = ingest_file(session, SAMPLE, clock.now, assign_all=True, actor_id=office.id)
    console.rule(f"Nhập thông báo mẫu: {len(report.drafts)} nhiệm vụ, đã giao {len(report.assigned)}")
    if report.left_as_draft:
        ids = ", ".join(f"#{i}" for i in report.left_as_draft)
        console.print(f"{len(report.left_as_draft)} dự thảo chờ văn phòng chọn đơn vị chủ trì (chủ trì tập thể như "
                      f"“các cấp, các ngành, các địa phương” hoặc chưa có trong danh bạ): {ids}")
    last_event = 0
    end = START + dt.timedelta(days=days)
    while clock.now <= end:
        with app.session() as session:
            _script(console, session, clock.now, office.id)  # type: ignore[arg-type]
            sweep(session, clock.now, policy=policy, calendar=app.calendar)
            queue_daily_digest(session, clock.now, calendar=app.calendar)
            last_event = _print_events(console, session, last_event)
            asyncio.run(deliver(session, app.notifier, clock.now, limit=1000, policy=policy, calendar=app.calendar))
        clock.now += dt.timedelta(hours=1)
    with app.session() as session:
        rows = compute_stats(session, clock.now, by="all", calendar=app.calendar)
    console.rule(f"Kết quả sau {days} ngày")
    for r in rows:
        console.print(f"{r.name}: {r.total} nhiệm vụ — đúng hạn {r.done_on_time}, hoàn thành quá hạn {r.done_late}, "
                      f"trong hạn {r.open_in_time}, quá hạn {r.open_overdue}, không thời hạn {r.no_deadline}")
    console.print(f"Dữ liệu demo: {data_dir} (xem: DONDOC_DATA_DIR={data_dir} dondoc stats)")
    return app


def _print_events(console: Console, session: Session, last_id: int) -> int:
    """Print the events recorded since `last_id` (reminders show up as the alerts themselves)."""
    events = session.exec(select(DirectiveEvent).where(col(DirectiveEvent.id) > last_id,
                                                       col(DirectiveEvent.type).not_in(("Drafted", "ReminderSent")))
                          .order_by(col(DirectiveEvent.id))).all()
    for e in events:
        who = "hệ thống" if e.actor == "system" else e.actor
        console.print(f"[dim]{local(e.at).format('DD/MM/YYYY HH:mm')}[/dim] #{e.directive_id} "
                      f"{escape(label(EVENT_LABELS, e.type))} ({escape(who)})")
    return max((e.id for e in events), default=last_id)  # type: ignore[type-var]


def _script(console: Console, session: Session, now: dt.datetime, office_id: int) -> None:
    """What people do in the story, at 09:00 on given days: leaders acknowledge, report, ask for more time."""
    local_now = local(now)
    day = (local_now.date() - local(START).date()).days
    if local_now.hour != 9 or day not in (1, 9, 10, 20):
        return
    wanted = (State.reported,) if day == 10 else (State.assigned, State.in_progress)
    targets = session.exec(select(Directive).where(col(Directive.state).in_(wanted))
                           .order_by(col(Directive.id)).limit(4)).all()
    for d in targets:
        lead = next(iter(lead_people(session, d)), None)
        try:
            if day == 1 and lead:
                commands.acknowledge(session, d.id, actor_id=lead.id, now=now)  # type: ignore[arg-type]
            elif day == 9 and lead:
                commands.submit_report(session, d.id, actor_id=lead.id, now=now,  # type: ignore[arg-type]
                                       text="Đã hoàn thành, gửi kèm báo cáo kết quả.")
            elif day == 10:
                commands.accept_report(session, d.id, actor_id=office_id, now=now)  # type: ignore[arg-type]
            elif day == 20 and lead and d.deadline is not None:
                commands.request_extension(session, d.id, actor_id=lead.id, now=now,  # type: ignore[arg-type]
                                           new_deadline=d.deadline + dt.timedelta(days=30),
                                           reason="Chờ ý kiến thẩm định của các Bộ, ngành Trung ương")
                commands.grant_extension(session, d.id, actor_id=office_id, now=now)  # type: ignore[arg-type]
        except DondocError as exc:  # the story goes on; the refusal is part of what it shows
            console.print(f"[yellow]{escape(str(exc))}[/yellow]")
