"""`dondoc demo`: the whole product in a minute, on a simulated clock and a throw-away database."""

from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
from pathlib import Path

from rich.console import Console
from sqlmodel import col, select

from config.settings import DATA_DIR, Settings
from dondoc.bootstrap import App, bootstrap
from engine import commands
from engine.delivery import deliver
from engine.digest import queue_daily_digest
from engine.directory import load_default_directory
from engine.errors import DondocError
from engine.ingest.service import ingest_file
from engine.models import Directive, DirectiveEvent, Person, Role, State
from engine.policy import load_policy
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
    policy = load_policy(settings.policy_file)
    with app.session() as session:
        load_default_directory(session, settings.agencies_file)
        office = session.exec(select(Person).where(Person.role == Role.office)).first()
        if office is None:
            raise DondocError("the directory has no office member to assign with")
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
            _script(app, session, office.id)  # type: ignore[arg-type]
            sweep(session, clock.now, policy=policy, calendar=app.calendar)
            queue_daily_digest(session, clock.now, calendar=app.calendar)
            last_event = _print_events(console, session, last_event, clock.now)
            asyncio.run(deliver(session, app.notifier, clock.now, limit=1000, policy=policy, calendar=app.calendar))
        clock.now += dt.timedelta(hours=1)
    with app.session() as session:
        rows = compute_stats(session, clock.now, by="all", calendar=app.calendar)
    console.rule("Kết quả sau 3 tháng")
    for r in rows:
        console.print(f"{r.name}: {r.total} nhiệm vụ — đúng hạn {r.done_on_time}, hoàn thành quá hạn {r.done_late}, "
                      f"trong hạn {r.open_in_time}, quá hạn {r.open_overdue}, không thời hạn {r.no_deadline}")
    console.print(f"Dữ liệu demo: {data_dir} (xem: DONDOC_DATA_DIR={data_dir} dondoc stats)")
    return app


def _print_events(console: Console, session, last_id: int, now: dt.datetime) -> int:
    events = session.exec(select(DirectiveEvent).where(col(DirectiveEvent.id) > last_id,
                                                       DirectiveEvent.type != "Drafted")
                          .order_by(col(DirectiveEvent.id))).all()
    for e in events:
        if e.type != "ReminderSent":
            stamp = local(e.at).format("DD/MM/YYYY HH:mm")
            console.print(f"[dim]{stamp}[/dim] #{e.directive_id} {e.type} ({e.actor})")
        last_id = e.id
    return last_id


def _script(app: App, session, office_id: int) -> None:
    """What people do in the story: leaders acknowledge, one reports, one asks for more time."""
    now = app.now()
    local_now = local(now)
    if local_now.hour != 9:
        return
    day = (local_now.date() - local(START).date()).days
    open_ = session.exec(select(Directive).where(col(Directive.state).in_((State.assigned, State.in_progress)))
                         .order_by(col(Directive.id))).all()
    actions = {
        1: lambda d: _ack(session, d, now),
        9: lambda d: _report(session, d, now),
        10: lambda d: _accept(session, d, office_id, now),
        20: lambda d: _extend(session, d, office_id, now),
    }
    action = actions.get(day)
    if action is None:
        return
    for directive in (open_ if day != 10 else _reported(session))[:4]:
        try:
            action(directive)
        except DondocError as exc:
            app_console = Console(highlight=False)
            app_console.print(f"[yellow]{exc}[/yellow]")


def _reported(session) -> list[Directive]:
    return list(session.exec(select(Directive).where(Directive.state == State.reported)).all())


def _lead_person(session, d: Directive) -> Person | None:
    from engine.people import lead_people

    people = lead_people(session, d)
    return people[0] if people else None


def _ack(session, d: Directive, now: dt.datetime) -> None:
    person = _lead_person(session, d)
    if person:
        commands.acknowledge(session, d.id, actor_id=person.id, now=now)  # type: ignore[arg-type]


def _report(session, d: Directive, now: dt.datetime) -> None:
    person = _lead_person(session, d)
    if person:
        commands.submit_report(session, d.id, actor_id=person.id, now=now,  # type: ignore[arg-type]
                               text="Đã hoàn thành, gửi kèm báo cáo kết quả.")


def _accept(session, d: Directive, office_id: int, now: dt.datetime) -> None:
    commands.accept_report(session, d.id, actor_id=office_id, now=now)  # type: ignore[arg-type]


def _extend(session, d: Directive, office_id: int, now: dt.datetime) -> None:
    person = _lead_person(session, d)
    if person is None or d.deadline is None:
        return
    new = d.deadline + dt.timedelta(days=30)
    commands.request_extension(session, d.id, actor_id=person.id, now=now, new_deadline=new,  # type: ignore[arg-type]
                               reason="Chờ ý kiến thẩm định của các Bộ, ngành Trung ương")
    commands.grant_extension(session, d.id, actor_id=office_id, now=now)  # type: ignore[arg-type]
