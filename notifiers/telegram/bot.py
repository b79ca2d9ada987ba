"""The Telegram bot: builds PTB's Application on the notifier's bot, drains the outbox from its
JobQueue, and runs by long polling or by webhook until told to stop."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from config.settings import Settings
from engine.errors import InvalidInput
from notifiers.telegram.drain import Drainer, drain_job, reschedule_snoozes
from notifiers.telegram.handlers import install, set_commands
from notifiers.telegram.limits import ChatLimiter
from notifiers.telegram.notifier import TelegramNotifier, open_bot
from notifiers.telegram.services import Services
from notifiers.telegram.webhook import WebhookServer

log = logging.getLogger(__name__)


@dataclass
class Webhook:
    """Webhook mode: Telegram posts to `url`; our endpoint listens on `listen:port` and checks `secret`."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


def webhook_for(settings: Settings, url: str, listen: str = "127.0.0.1", port: int = 8443) -> Webhook:
    """Webhook mode with DONDOC_WEBHOOK_SECRET; required in production, where every replica registers the
    same secret (a random one per start would make replicas overwrite each other's and refuse updates)."""
    if settings.webhook_secret is not None:
        return Webhook(url, listen, port, secret=settings.webhook_secret.get_secret_value())
    if settings.environment == "production":
        raise InvalidInput("Chế độ webhook ở môi trường production cần DONDOC_WEBHOOK_SECRET (ít nhất 32 ký tự "
                           "ngẫu nhiên, giống nhau trên mọi bản sao của bot).")
    log.warning("DONDOC_WEBHOOK_SECRET is not set: this process registers a random webhook secret, "
                "so only one bot replica can run")
    return Webhook(url, listen, port)


def build_application(services: Services, notifier: TelegramNotifier, *, drain_interval: float = 30.0,
                      limiter: ChatLimiter | None = None) -> Application:
    """The PTB Application with our handlers, sharing the notifier's bot (and so its rate limiter)."""
    application = ApplicationBuilder().bot(notifier.bot).concurrent_updates(True).build()
    application.bot_data["services"] = services
    application.bot_data["secret"] = services.settings.secret.get_secret_value()
    application.bot_data["drainer"] = Drainer(services, notifier)
    install(application, limiter)
    if application.job_queue is not None and drain_interval > 0:
        application.job_queue.run_repeating(drain_job, drain_interval, first=0.0, name="dondoc.drain.periodic")
    return application


async def run_bot(application: Application, stop_event: asyncio.Event, webhook: Webhook | None = None,
                  started: asyncio.Event | None = None) -> None:
    """Run an Application by polling (default) or webhook until `stop_event` is set (`started` once up)."""
    services: Services = application.bot_data["services"]
    await open_bot(application.bot)  # a rejected token: TokenRejected, not PTB's text with the token in it
    async with application:
        await application.start()
        await set_commands(application, services)
        reschedule_snoozes(application.job_queue, services)
        assert application.updater is not None
        server = None
        try:
            if webhook is None:
                await application.updater.start_polling(timeout=10, allowed_updates=Update.ALL_TYPES)
            else:  # our server, not PTB's: it refuses on the headers, before reading a body
                server = WebhookServer(application.bot, application.update_queue, webhook.secret, webhook.path,
                                       webhook.listen, webhook.port)
                server.start()
                await application.bot.set_webhook(webhook.url, secret_token=webhook.secret,
                                                  allowed_updates=Update.ALL_TYPES)
            log.info("bot running (%s)", "webhook" if webhook else "polling")
            if started is not None:
                started.set()
            await stop_event.wait()
        finally:
            if server is not None:
                await server.stop()
            if application.updater.running:
                await application.updater.stop()
            await application.stop()

