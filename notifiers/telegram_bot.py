"""The Telegram bot: builds PTB's Application on the notifier's bot, drains the outbox from its
JobQueue, and runs by long polling or by webhook until told to stop."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlmodel import col, select
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackContext, JobQueue

from dondoc.bootstrap import App
from engine.delivery import DeliveryReport, deliver
from engine.models import Outbox, OutboxStatus, Person
from engine.people import OFFICE_ROLES
from notifiers.telegram_notifier import TelegramNotifier

log = logging.getLogger(__name__)
COMMANDS = [BotCommand("nhiemvu", "Nhiệm vụ đang mở của tôi"), BotCommand("quahan", "Nhiệm vụ quá hạn"),
            BotCommand("help", "Hướng dẫn sử dụng")]
OFFICE_COMMANDS = [*COMMANDS, BotCommand("tonghop", "Tổng hợp toàn tỉnh")]
NEXT_DRAIN_JOB = "dondoc.drain.next"


@dataclass
class Webhook:
    """Webhook mode: Telegram posts to `url`; PTB listens on `listen:port` and checks `secret`."""

    url: str
    listen: str = "127.0.0.1"
    port: int = 8443
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


@dataclass
class Drainer:
    """Drains the outbox with several concurrent delivery passes, each in its own short session."""

    app: App
    notifier: TelegramNotifier
    workers: int = 32
    batch: int = 4
    _lock: asyncio.Lock | None = None
    _again: bool = False

    async def _worker(self) -> DeliveryReport:
        total = DeliveryReport()
        with self.app.session() as session:
            while True:
                report = await deliver(session, self.notifier, self.app.now(), limit=self.batch,
                                       policy=self.app.policy, calendar=self.app.calendar)
                for name in ("claimed", "sent", "retried", "failed", "skipped"):
                    setattr(total, name, getattr(total, name) + getattr(report, name))
                if not report.claimed:
                    return total

    async def drain(self) -> DeliveryReport | None:
        """Deliver everything due now; a call during a running drain makes that drain look again."""
        self._lock = self._lock or asyncio.Lock()
        self._again = True
        if self._lock.locked():
            return None
        due = self.next_due()
        if due is None or due > self.app.now():  # one cheap read instead of 32 write transactions
            return DeliveryReport()
        total = DeliveryReport()
        async with self._lock:
            while self._again:
                self._again = False
                for report in await asyncio.gather(*(self._worker() for _ in range(self.workers))):
                    for name in ("claimed", "sent", "retried", "failed", "skipped"):
                        setattr(total, name, getattr(total, name) + getattr(report, name))
        if total.claimed:
            log.info("bot delivered: %s", total)
        return total

    def next_due(self) -> dt.datetime | None:
        """When the earliest pending row falls due (retries, snoozes, quiet hours)."""
        with self.app.session() as session:
            return session.exec(select(func.min(col(Outbox.not_before)))
                                .where(col(Outbox.status) == OutboxStatus.pending)).first()


async def drain_job(context: CallbackContext) -> None:
    """JobQueue job: drain now, then schedule the next drain for the earliest pending row."""
    drainer: Drainer = context.bot_data["drainer"]
    try:
        await drainer.drain()
    except Exception:
        log.exception("outbox drain failed; the next one retries")
    schedule_next(context.job_queue, drainer)


def schedule_next(job_queue: JobQueue | None, drainer: Drainer, horizon: float = 3600.0) -> None:
    """Replace the 'next drain' job with one at the earliest pending row's time (within `horizon`)."""
    if job_queue is None:
        return
    due = drainer.next_due()
    if due is None:
        return
    delay = max((due - drainer.app.now()).total_seconds(), 0.05)
    if delay > horizon:
        return
    for job in job_queue.get_jobs_by_name(NEXT_DRAIN_JOB):
        job.schedule_removal()
    job_queue.run_once(drain_job, delay, name=NEXT_DRAIN_JOB)


def schedule_snooze(job_queue: JobQueue | None, app: App, key: str, when: dt.datetime) -> None:
    """A JobQueue job that drains when a snoozed alert falls due (the outbox row is the durable copy)."""
    if job_queue is not None:
        job_queue.run_once(drain_job, max((when - app.now()).total_seconds(), 0.0), name=f"dondoc.snooze.{key}")


def reschedule_snoozes(job_queue: JobQueue | None, app: App) -> int:
    """At start-up: a job for every snoozed alert still pending (rebuilt from the outbox)."""
    with app.session() as session:
        rows = session.exec(select(Outbox).where(col(Outbox.status) == OutboxStatus.pending,
                                                 col(Outbox.key).contains(":snooze:"))).all()
    for row in rows:
        schedule_snooze(job_queue, app, row.key, row.not_before)
    return len(rows)


def drain_soon(job_queue: JobQueue | None) -> None:
    """Ask for a drain right away (after a command queued notifications)."""
    if job_queue is not None:
        job_queue.run_once(drain_job, 0)


def build_application(app: App, notifier: TelegramNotifier | None = None, *,
                      drain_interval: float = 30.0) -> Application:
    """The PTB Application with our handlers, sharing the notifier's bot (and so its rate limiter)."""
    from notifiers.telegram_handlers import install

    if notifier is None:
        notifier = app.notifier if isinstance(app.notifier, TelegramNotifier) else \
            TelegramNotifier.from_settings(app.settings)
    application = ApplicationBuilder().bot(notifier.bot).concurrent_updates(True).build()
    application.bot_data["app"] = app
    application.bot_data["secret"] = app.settings.secret.get_secret_value()
    application.bot_data["drainer"] = Drainer(app, notifier)
    install(application)
    if application.job_queue is not None and drain_interval > 0:
        application.job_queue.run_repeating(drain_job, drain_interval, first=0.0, name="dondoc.drain.periodic")
    return application


async def set_commands(application: Application, app: App) -> None:
    """The command menu: everyone's, plus /tonghop in the chats of bound office members."""
    try:
        await application.bot.set_my_commands(COMMANDS)
        with app.session() as session:
            chats = session.exec(select(Person.telegram_chat_id).where(
                col(Person.role).in_(OFFICE_ROLES), col(Person.telegram_chat_id).is_not(None))).all()
        for chat_id in chats:
            await application.bot.set_my_commands(OFFICE_COMMANDS, scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)


async def run_bot(application: Application, stop_event: asyncio.Event, webhook: Webhook | None = None,
                  started: asyncio.Event | None = None) -> None:
    """Run an Application by polling (default) or webhook until `stop_event` is set (`started` once up)."""
    async with application:
        await application.start()
        await set_commands(application, application.bot_data["app"])
        reschedule_snoozes(application.job_queue, application.bot_data["app"])
        assert application.updater is not None
        if webhook is None:
            await application.updater.start_polling(timeout=10, allowed_updates=Update.ALL_TYPES)
        else:
            await application.updater.start_webhook(
                listen=webhook.listen, port=webhook.port, url_path=webhook.path, webhook_url=webhook.url,
                secret_token=webhook.secret, allowed_updates=Update.ALL_TYPES)
        log.info("bot running (%s)", "webhook" if webhook else "polling")
        if started is not None:
            started.set()
        try:
            await stop_event.wait()
        finally:
            await application.updater.stop()
            await application.stop()


async def bot_task(app: App, stop_event: asyncio.Event) -> None:
    """For dondoc.runtime: run the bot by long polling until stop_event is set."""
    await run_bot(build_application(app), stop_event)
