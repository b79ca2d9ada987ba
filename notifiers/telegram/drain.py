"""Draining the outbox from the bot: concurrent delivery passes, and JobQueue jobs that fire when
the earliest pending row (a retry, a snooze, the end of quiet hours) falls due."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from telegram.ext import CallbackContext, JobQueue

from engine.delivery import DeliveryReport, deliver
from engine.models import Outbox, OutboxStatus
from notifiers.telegram.notifier import TelegramNotifier
from notifiers.telegram.services import Services

log = logging.getLogger(__name__)
NEXT_DRAIN_JOB = "dondoc.drain.next"


@dataclass
class Drainer:
    """Drains the outbox with several concurrent delivery passes, each in its own short session."""

    services: Services
    notifier: TelegramNotifier
    workers: int = 32
    batch: int = 4
    _lock: asyncio.Lock | None = None
    _again: bool = False

    async def _worker(self) -> DeliveryReport:
        total = DeliveryReport()
        with self.services.session() as session:
            while True:
                report = await deliver(session, self.notifier, self.services.now(), limit=self.batch,
                                       policy=self.services.policy, calendar=self.services.calendar)
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
        if due is None or due > self.services.now():  # one cheap read instead of 32 write transactions
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
        with self.services.session() as session:
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
    delay = max((due - drainer.services.now()).total_seconds(), 0.05)
    if delay > horizon:
        return
    for job in job_queue.get_jobs_by_name(NEXT_DRAIN_JOB):
        job.schedule_removal()
    job_queue.run_once(drain_job, delay, name=NEXT_DRAIN_JOB)


def schedule_snooze(job_queue: JobQueue | None, services: Services, key: str, when: dt.datetime) -> None:
    """A JobQueue job that drains when a snoozed alert falls due (the outbox row is the durable copy)."""
    if job_queue is not None:
        job_queue.run_once(drain_job, max((when - services.now()).total_seconds(), 0.0),
                           name=f"dondoc.snooze.{key}")


def reschedule_snoozes(job_queue: JobQueue | None, services: Services) -> int:
    """At start-up: a job for every snoozed alert still pending (rebuilt from the outbox)."""
    with services.session() as session:
        rows = session.exec(select(Outbox).where(col(Outbox.status) == OutboxStatus.pending,
                                                 col(Outbox.key).contains(":snooze:"))).all()
    for row in rows:
        schedule_snooze(job_queue, services, row.key, row.not_before)
    return len(rows)


def drain_soon(job_queue: JobQueue | None) -> None:
    """Ask for a drain right away (after a command queued notifications)."""
    if job_queue is not None:
        job_queue.run_once(drain_job, 0)
