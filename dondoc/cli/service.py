"""Operator commands: `sweep`, `deliver`, `outbox list`, `demo` and `run` (the whole embedded service)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dondoc.cli.context import DATE_HELP, check_format, console, emit, format_option, local_time, parse_time, say, state

if TYPE_CHECKING:
    from engine.delivery import DeliveryReport

NOW = typer.Option(None, "--now", help=f"Làm như thể lúc này là thời điểm đó. {DATE_HELP}")


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
    import asyncio

    from engine.delivery import deliver
    from engine.errors import DondocError

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
    import logging

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
    status: str | None = typer.Option(None, "--status", help="pending (chờ gửi), sending (đang gửi), sent (đã gửi) "
                                                             "hoặc failed (không gửi được)"),
    fmt: str = format_option(),
    limit: int = typer.Option(200, "--limit", help="Số dòng tối đa, mới nhất trước"),
) -> None:
    """List outbox rows, newest first."""
    from sqlmodel import col, select

    from engine.errors import InvalidInput
    from engine.labels import MESSAGE_KIND_LABELS, OUTBOX_STATUS_LABELS, label
    from engine.models import Outbox, OutboxStatus

    check_format(fmt)
    with state.get_app().session() as session:
        stmt = select(Outbox).order_by(col(Outbox.id).desc()).limit(limit)
        if status:
            try:
                stmt = stmt.where(Outbox.status == OutboxStatus(status))
            except ValueError:
                raise InvalidInput(f"Không có tình trạng “{status}”; chọn một trong: "
                                   f"{', '.join(OUTBOX_STATUS_LABELS)}.") from None
        rows = [{"id": o.id, "key": o.key, "kind": o.kind, "directive_id": o.directive_id, "person_id": o.person_id,
                 "status": o.status.value, "attempts": o.attempts, "not_before": o.not_before.isoformat(),
                 "sent_at": o.sent_at.isoformat() if o.sent_at else None, "last_error": o.last_error}
                for o in session.exec(stmt).all()]
    shown = [{**r, "kind": label(MESSAGE_KIND_LABELS, r["kind"]), "status": label(OUTBOX_STATUS_LABELS, r["status"]),
              "not_before": local_time(r["not_before"]), "sent_at": local_time(r["sent_at"])} for r in rows]
    emit(rows, [("id", "ID"), ("kind", "Loại tin"), ("directive_id", "Nhiệm vụ"), ("person_id", "Người nhận"),
                ("status", "Tình trạng"), ("not_before", "Gửi từ"), ("sent_at", "Đã gửi lúc"),
                ("last_error", "Lỗi")], fmt, title=f"Hộp thư đi ({len(rows)})", table_rows=shown)


def demo(
    days: int = typer.Option(92, "--days", help="Số ngày mô phỏng"),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Giữ dữ liệu demo ở thư mục này (mặc định: "
                                                                  "thư mục tạm)"),
) -> None:
    """Ingest the sample notice, assign it and fast-forward three months on a simulated clock."""
    from dondoc.demo import run_demo

    run_demo(days=days, data_dir=data_dir, console=console)


def run_cmd(
    bot: bool = typer.Option(True, "--bot/--no-bot", help="Chạy bot Telegram khi đã có token"),
    fast_interval: float = typer.Option(3.0, "--fast-interval", help="Số giây giữa hai lần gửi tin trong hộp thư đi"),
    clock_offset: float = typer.Option(0.0, "--clock-offset", hidden=True,
                                       help="Dời đồng hồ SỐ GIÂY (diễn tập và thử sự cố)"),
) -> None:
    """Run the whole service: scheduled flows on a local Prefect server, delivery, and the bot."""
    from config.settings import Settings
    from dondoc.runlock import hold_run_lock
    from dondoc.runtime import configure_logging, run
    from engine.errors import InvalidInput
    from engine.timeutil import now_utc

    if state.now_text:
        raise InvalidInput("Dịch vụ chạy theo đồng hồ thật: bỏ --now/DONDOC_NOW (xem --clock-offset).")
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
    app.command("sweep", help="Xử lý các nhiệm vụ đến lượt: đánh dấu quá hạn, nhắc hạn, báo cáo lãnh đạo.")(sweep_cmd)
    app.command("deliver", help="Gửi các tin đã đến giờ trong hộp thư đi.")(deliver_cmd)
    outbox = typer.Typer(help="Hộp thư đi: các tin chờ gửi, đã gửi, không gửi được.", no_args_is_help=True)
    outbox.command("list", help="Liệt kê tin trong hộp thư đi, mới nhất trước.")(outbox_list)
    app.add_typer(outbox, name="outbox")
    app.command("demo", help="Chạy thử: nhập thông báo mẫu, giao việc và tua nhanh ba tháng.")(demo)
    app.command("run", help="Chạy toàn bộ dịch vụ: lịch Prefect, gửi tin và bot Telegram.")(run_cmd)
