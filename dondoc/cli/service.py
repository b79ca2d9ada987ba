"""Operator commands: `sweep`, `deliver`, `outbox list`, `demo` and `run` (the whole embedded service)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import typer
from sqlmodel import col, select

from dondoc.cli.context import console, emit, parse_time, say, state
from engine.errors import InvalidInput
from engine.models import Outbox, OutboxStatus
from engine.timeutil import now_utc

NOW = typer.Option(None, "--now", help="Act as if it were this time (ISO 8601)")


def _now(text: str | None):
    return parse_time(text) if text else state.get_app().now()


def sweep_cmd(now: str | None = NOW) -> None:
    """Advance every directive that is due: overdue marks, reminders, escalations."""
    from engine.sweep import sweep

    app = state.get_app()
    with app.session() as session:
        report = sweep(session, _now(now), policy=app.policy, calendar=app.calendar)
    say(f"Sweep: {report}")


def deliver_cmd(now: str | None = NOW, limit: int = typer.Option(1000, "--limit")) -> None:
    """Send due notifications through the configured notifier."""
    from engine.delivery import deliver

    app = state.get_app()
    with app.session() as session:
        report = asyncio.run(deliver(session, app.notifier, _now(now), limit=limit,
                                     policy=app.policy, calendar=app.calendar))
    say(f"Deliver: {report}")


def outbox_list(
    status: str | None = typer.Option(None, "--status", help="pending, sending, sent or failed"),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json"),
    limit: int = typer.Option(200, "--limit"),
) -> None:
    """List outbox rows, newest first."""
    with state.get_app().session() as session:
        stmt = select(Outbox).order_by(col(Outbox.id).desc()).limit(limit)
        if status:
            try:
                stmt = stmt.where(Outbox.status == OutboxStatus(status))
            except ValueError:
                raise InvalidInput(f"unknown status '{status}' (pending, sending, sent, failed)") from None
        rows = [{"id": o.id, "key": o.key, "kind": o.kind, "directive_id": o.directive_id, "person_id": o.person_id,
                 "status": o.status.value, "attempts": o.attempts, "not_before": o.not_before.isoformat(),
                 "sent_at": o.sent_at.isoformat() if o.sent_at else None, "last_error": o.last_error}
                for o in session.exec(stmt).all()]
    emit(rows, [("id", "ID"), ("kind", "Loại"), ("directive_id", "Nhiệm vụ"), ("person_id", "Người nhận"),
                ("status", "Trạng thái"), ("not_before", "Gửi từ"), ("last_error", "Lỗi")], fmt,
         title=f"Hộp thư đi ({len(rows)})")


def demo(
    days: int = typer.Option(92, "--days", help="How many simulated days"),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Keep the demo database here (default: temp)"),
) -> None:
    """Ingest the sample notice, assign it and fast-forward three months on a simulated clock."""
    from dondoc.demo import run_demo

    run_demo(days=days, data_dir=data_dir, console=console)


def run_cmd(
    bot: bool = typer.Option(True, "--bot/--no-bot", help="Run the Telegram bot when a token is configured"),
    fast_interval: float = typer.Option(3.0, "--fast-interval", help="Seconds between in-process outbox drains"),
    clock_offset: float = typer.Option(0.0, "--clock-offset", hidden=True,
                                       help="Shift the clock by SECONDS (rehearsals and crash tests)"),
) -> None:
    """Run the whole service: scheduled flows on a local Prefect server, delivery, and the bot."""
    from config.settings import Settings
    from dondoc.runlock import hold_run_lock
    from dondoc.runtime import configure_logging, run

    if state.now_text:
        raise InvalidInput("a running service follows the real clock: drop --now/DONDOC_NOW (see --clock-offset)")
    lock = hold_run_lock(Settings().data_dir)  # before anything starts: a second run refuses at once
    configure_logging()
    app = state.get_app()
    if clock_offset:
        offset = dt.timedelta(seconds=clock_offset)
        app.clock = lambda: now_utc() + offset
    has_token = app.settings.telegram_token is not None
    with_bot = bot and has_token
    say("dondoc đang chạy — Ctrl-C để dừng." + (
        "" if with_bot else " (Bot tắt theo --no-bot; thông báo vẫn gửi qua Telegram.)" if has_token
        else " (Không có token Telegram: thông báo in ra màn hình.)"))
    try:
        run(app, with_bot=with_bot, fast_interval=fast_interval)
    finally:
        lock.close()


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    app.command("sweep")(sweep_cmd)
    app.command("deliver")(deliver_cmd)
    outbox = typer.Typer(help="Hộp thư đi.", no_args_is_help=True)
    outbox.command("list")(outbox_list)
    app.add_typer(outbox, name="outbox")
    app.command("demo")(demo)
    app.command("run")(run_cmd)
