"""Running the real dondoc bot (PTB Application) against FakeBotAPI inside a test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pydantic import SecretStr
from telegram.ext import Application

from config.settings import Settings
from dondoc.bootstrap import App, bootstrap
from engine.db import make_engine
from notifiers.telegram.bot import Webhook, build_application, run_bot
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
async def running_bot(app: App, webhook: Webhook | None = None, drain_interval: float = 0.0
                      ) -> AsyncIterator[Application]:
    """Start the bot (polling unless `webhook`), yield its Application, stop it on exit."""
    stop = asyncio.Event()
    application = build_application(app, app.notifier, drain_interval=drain_interval)  # type: ignore[arg-type]
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


def buttons(message: Any) -> dict[str, str]:
    """label → callback data of a sent message's inline keyboard."""
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}
