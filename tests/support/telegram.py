"""Running the real dondoc bot (PTB Application) against FakeBotAPI inside a test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar

from pydantic import SecretStr
from telegram.ext import Application

from config.settings import Settings
from dondoc.bootstrap import App, bootstrap
from engine.db import make_engine
from notifiers.telegram.bot import Webhook, build_application, run_bot
from notifiers.telegram.limits import ChatLimiter
from notifiers.telegram.notifier import TelegramNotifier
from tests.support.botapi import FakeBotAPI


def telegram_settings(settings: Settings, fake: FakeBotAPI, **changes: Any) -> Settings:
    """The test settings pointed at the fake Bot API server."""
    return settings.model_copy(update={"telegram_token": SecretStr(fake.token), "telegram_api_url": fake.root,
                                       "telegram_bot_username": None, **changes})


def telegram_app(settings: Settings, fake: FakeBotAPI, clock: Any, **limits: Any) -> App:
    """An App whose notifier is a TelegramNotifier talking to `fake`."""
    tg = telegram_settings(settings, fake)
    notifier = TelegramNotifier.from_settings(tg, **limits)
    return bootstrap(tg, notifier=notifier, clock=clock, engine=make_engine(tg.resolved_database_url))


@contextlib.asynccontextmanager
async def running_bot(app: App, webhook: Webhook | None = None, drain_interval: float = 0.0,
                      limiter: ChatLimiter | None = None) -> AsyncIterator[Application]:
    """Start the bot (polling unless `webhook`), yield its Application, stop it on exit."""
    stop = asyncio.Event()
    application = build_application(app, app.notifier, drain_interval=drain_interval,  # type: ignore[arg-type]
                                    limiter=limiter)
    started = asyncio.Event()
    task = asyncio.create_task(run_bot(application, stop, webhook, started))
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait([task, waiter], timeout=10, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        await task  # raises what went wrong
    try:
        yield application
    finally:
        stop.set()
        await task


T = TypeVar("T")


class BotThread:
    """The bot running in its own thread and event loop, for synchronous tests (hypothesis properties)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, application: Application) -> None:
        self.loop, self.application = loop, application

    def call(self, coroutine: Awaitable[T], timeout: float = 30) -> T:
        """Run a coroutine on the bot's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)  # type: ignore[arg-type]


@contextlib.contextmanager
def bot_in_thread(app: App, **options: Any) -> Iterator[BotThread]:
    """Start `running_bot(app, **options)` in a thread; stop it and join the thread on exit."""
    loop = asyncio.new_event_loop()
    started, stop = threading.Event(), asyncio.Event()
    holder: dict[str, Application] = {}

    async def main() -> None:
        async with running_bot(app, **options) as application:
            holder["application"] = application
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), name="dondoc-test-bot")
    thread.start()
    try:
        if not started.wait(15):
            raise RuntimeError("the bot did not start")
        yield BotThread(loop, holder["application"])
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()


def buttons(message: Any) -> dict[str, str]:
    """label → callback data of a sent message's inline keyboard."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}
