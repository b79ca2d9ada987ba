"""`dondoc bot`, `dondoc people invite PERSON` and `dondoc people unbind PERSON`."""

from __future__ import annotations

import asyncio
import logging

import typer

from dondoc.cli.context import console, state
from dondoc.cli.directory import people

log = logging.getLogger("dondoc.bot")
MAX_INVITE_HOURS = 720  # 30 days: an unused link should not stay valid for ever


def _require_token() -> None:
    from engine.errors import InvalidInput

    if state.get_app().settings.telegram_token is None:
        raise InvalidInput("Chưa đặt DONDOC_TELEGRAM_TOKEN: bot cần token do @BotFather cấp.")


def _bot_username() -> str:
    app = state.get_app()
    if app.settings.telegram_bot_username:
        return app.settings.telegram_bot_username.lstrip("@")
    _require_token()
    from notifiers.telegram.notifier import TelegramNotifier

    async def ask() -> str:
        async with TelegramNotifier.from_settings(app.settings) as notifier:
            return (await notifier.bot.get_me()).username

    return asyncio.run(ask())


def invite(person: str = typer.Argument(..., help="Mã số hoặc đúng họ tên trong danh bạ"),
           hours: int = typer.Option(72, "--hours", help=f"Số giờ đường liên kết còn hiệu lực (1–{MAX_INVITE_HOURS})")
           ) -> None:
    """Print a one-time deep link that binds the person's Telegram chat."""
    import datetime as dt

    from engine.binding import create_code
    from engine.errors import InvalidInput
    from engine.people import find_person

    if not 1 <= hours <= MAX_INVITE_HOURS:
        raise InvalidInput(f"--hours phải từ 1 đến {MAX_INVITE_HOURS} giờ (nhận được {hours})")
    app = state.get_app()
    username = _bot_username()  # first: a rejected token must not leave an unused code behind
    with app.session() as session:
        who = find_person(session, person)
        code = create_code(session, who.id, app.now(), dt.timedelta(hours=hours))  # type: ignore[arg-type]
    link = f"https://t.me/{username}?start={code}"
    console.print(f"Đường liên kết cho {who.name} (dùng một lần, hiệu lực {hours} giờ):")
    console.print(link, soft_wrap=True)


def unbind_cmd(person: str = typer.Argument(..., help="Mã số hoặc đúng họ tên trong danh bạ")) -> None:
    """Forget the person's Telegram chat (they can bind again with a new invite)."""
    from engine.binding import unbind
    from engine.people import find_person

    app = state.get_app()
    with app.session() as session:
        who = find_person(session, person)
        previous = unbind(session, who.id)  # type: ignore[arg-type]
    console.print(f"Đã hủy liên kết Telegram của {who.name}." if previous else
                  f"{who.name} chưa liên kết Telegram.")


def bot(
    webhook: str | None = typer.Option(None, "--webhook", help="Địa chỉ HTTPS công khai để Telegram gửi cập nhật tới"),
    listen: str = typer.Option("127.0.0.1", "--listen", help="Địa chỉ máy chủ webhook lắng nghe"),
    port: int = typer.Option(8443, "--port", help="Cổng máy chủ webhook lắng nghe"),
) -> None:
    """Run the Telegram bot alone (long polling, or webhook with --webhook); it also drains the outbox."""
    from dondoc.bootstrap import telegram_notifier
    from notifiers.telegram.bot import build_application, run_bot, webhook_for

    _require_token()
    app = state.get_app()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    hook = webhook_for(app.settings, webhook, listen, port) if webhook else None

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        import signal

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_bot(build_application(app, telegram_notifier(app), drain_interval=5.0), stop, hook)

    console.print("Bot Telegram đang chạy — Ctrl-C để dừng." + (f" Webhook: {webhook}" if webhook else ""))
    asyncio.run(main())


def register(app: typer.Typer) -> None:
    """Attach `bot` to the main app and `invite`/`unbind` to `people`."""
    app.command("bot", help="Chạy riêng bot Telegram (long polling, hoặc webhook với --webhook); bot cũng gửi tin "
                            "trong hộp thư đi.")(bot)
    people.command("invite", help="In đường liên kết dùng một lần để một người liên kết Telegram.")(invite)
    people.command("unbind", help="Hủy liên kết Telegram của một người (có thể mời lại).")(unbind_cmd)
