"""Operator commands: `sweep`, `deliver`, `outbox list`, `demo` and `run` (the whole embedded service)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from sqlmodel import col, select

from dondoc.cli.context import console, emit, parse_time, say, state
from engine.errors import DondocError, InvalidInput
from engine.models import Outbox, OutboxStatus
from engine.timeutil import now_utc

if TYPE_CHECKING:
    from engine.delivery import DeliveryReport

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


def deliver_cmd(now: str | None = NOW,
                limit: int = typer.Option(1000, "--limit", help="Gửi nhiều nhất ngần này tin")) -> None:
    """Send due notifications through the configured notifier."""
    from engine.delivery import deliver

    app = state.get_app()
    with app.session() as session, _quiet_delivery_log():
        report = asyncio.run(deliver(session, app.notifier, _now(now), limit=limit,
                                     policy=app.policy, calendar=app.calendar))
    for line in delivery_lines(report):
        console.print(line, soft_wrap=True)
    if report.sent == 0 and report.errors:
        raise DondocError("không gửi được tin nào; kiểm tra kết nối tới Bot API (DONDOC_TELEGRAM_API_URL) "
                          "và token, rồi chạy lại `dondoc deliver`")


@contextlib.contextmanager
def _quiet_delivery_log() -> Iterator[None]:
    """The summary below says what failed; the per-kind log lines (and tracebacks) only with DONDOC_DEBUG."""
    logger = logging.getLogger("engine.delivery")
    previous = logger.level
    if not os.environ.get("DONDOC_DEBUG"):
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def delivery_lines(report: DeliveryReport) -> list[str]:
    """A delivery pass in Vietnamese: the summary, then one line per kind of failure."""
    if not report.claimed:
        return ["Gửi thông báo: không có tin nào đến hạn gửi."]
    parts = [f"đã gửi {report.sent}/{report.claimed} tin"]
    for count, text in ((report.retried, "tin sẽ thử lại"), (report.failed, "tin không gửi được"),
                        (report.held, "tin chờ người nhận liên kết Telegram"),
                        (report.deferred, "tin để lượt sau" if report.interrupted else "tin hoãn đến giờ được gửi"),
                        (report.superseded, "nhắc nhở cũ gộp vào nhắc nhở mới nhất"),
                        (report.skipped, "tin bỏ qua vì không còn phù hợp"),
                        (report.lost, "tin đã chuyển cho tiến trình gửi khác")):
        if count:
            parts.append(f"{count} {text}")
    lines = ["Gửi thông báo: " + "; ".join(parts) + "."]
    for kind, count in report.errors.items():
        lines.append(f"  • Lỗi {kind}: {count} tin — {report.examples.get(kind, '')}")
    if report.interrupted:
        lines.append(f"  • Dừng lượt gửi sau nhiều lần lỗi {report.interrupted} liên tiếp: máy chủ gửi tin "
                     "có thể không truy cập được; các tin còn lại sẽ được gửi ở lượt sau.")
    return lines


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
