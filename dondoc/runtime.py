"""`dondoc run`: the whole service in one process, on SQLite, with no set-up.

Which scheduler does what, and why:

- **Prefect** is the durable, observable backbone. A local Prefect server (supervised child on
  loopback, see `dondoc.prefect_server`; or the one at `PREFECT_API_URL`) holds the schedules and the
  run history; this process serves the four flows as deployments (`flows.SCHEDULES`, the same crons
  as prefect.yaml, in Asia/Ho_Chi_Minh): advance_deadlines every 5 minutes, deliver_notifications
  every minute, daily_digest at 07:30 (the flow skips non-working days), ingest_notice on demand.
  Each run is a subprocess and costs ~0.2 s (async) of Prefect overhead, so Prefect is minute-grained.
- **APScheduler** (AsyncIOScheduler, in this process) is the fast loop: it drains the outbox every
  few seconds, so a reply to a button press or a message queued by a command goes out at once. It
  stores nothing: its one job has a fixed id, `replace_existing=True`, and is rebuilt at start-up.
  The Telegram bot's JobQueue (also APScheduler) keeps per-chat timers such as snoozes.

Both call the same idempotent engine functions, which claim work with row locks; running both, or
two of either, never queues a reminder twice. Delivery is at-least-once: a crash between send and
record can repeat that one message after the claim lease expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config.settings import Settings
from dondoc.bootstrap import App, bootstrap
from dondoc.prefect_server import LocalPrefectServer, apply_offline_env, build_deployments, drop_missed_runs
from engine.errors import DondocError
from engine.notify import Delivered, Notification, Notifier

log = logging.getLogger("dondoc.run")

ExtraTask = Callable[[App, asyncio.Event], Awaitable[None]]
FAST_JOB_ID = "dondoc.fast-deliver"


def run(app_or_settings: App | Settings, *, with_bot: bool = True, stop_event: asyncio.Event | None = None,
        extra_tasks: Sequence[ExtraTask] = (), fast_interval: float = 3.0) -> None:
    """Run until Ctrl-C, SIGTERM or `stop_event`; `extra_tasks` (the bot) run only `with_bot`."""
    asyncio.run(arun(app_or_settings, with_bot=with_bot, stop_event=stop_event,
                     extra_tasks=extra_tasks, fast_interval=fast_interval))


async def arun(app_or_settings: App | Settings, *, with_bot: bool = True,
               stop_event: asyncio.Event | None = None, extra_tasks: Sequence[ExtraTask] = (),
               fast_interval: float = 3.0) -> None:
    """The async body of `run`, for callers that already own an event loop."""
    settings = app_or_settings.settings if isinstance(app_or_settings, App) else app_or_settings
    export_settings(settings)
    apply_offline_env(settings)  # before prefect is imported below
    app = app_or_settings if isinstance(app_or_settings, App) else bootstrap(settings)
    install_test_hooks(app)
    stop = stop_event or asyncio.Event()
    loop = asyncio.get_running_loop()
    take_signals(stop)
    scheduler = start_fast_loop(app, fast_interval)
    server = None if os.environ.get("PREFECT_API_URL") else LocalPrefectServer(settings.prefect_home)
    extra = (list(extra_tasks) or bot_tasks(app)) if with_bot else []
    if settings.web_enabled:
        from web.server import web_task

        extra = [*extra, web_task]
    tasks = [asyncio.create_task(task(app, stop), name=getattr(task, "__name__", "extra")) for task in extra]
    failure: str | None = None
    try:
        if server is not None:
            server.start()
            tasks.append(asyncio.create_task(supervise(server, stop), name="prefect-server"))
        tasks.append(asyncio.create_task(serve_flows(server, stop), name="prefect-serve"))
        waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done - {waiter}:
            if not task.cancelled() and task.exception() is not None:
                log.error("%s failed: %r; stopping", task.get_name(), task.exception())
                failure = failure or f"{task.get_name()} failed: {task.exception()!r}"
        waiter.cancel()
    finally:
        log.info("stopping")
        stop.set()
        for task in tasks:
            task.cancel()
        # The runner pauses its deployments on the way out; an unreachable server must not hang us.
        _, stuck = await asyncio.wait(tasks, timeout=20) if tasks else (set(), set())
        for task in stuck:
            log.warning("%s did not stop within 20 s; leaving it", task.get_name())
        scheduler.shutdown(wait=False)
        if server is not None:
            server.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        log.info("stopped")
    if failure:  # a part of the service died: say so and exit non-zero, after stopping the rest
        raise DondocError(f"Dịch vụ đã dừng vì {failure}")


def take_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set `stop`; called again after Prefect's runner installs its own handler."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


def export_settings(settings: Settings) -> None:
    """Put the non-secret settings in the environment, so flow-run subprocesses see the same ones."""
    os.environ["DONDOC_DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ["DONDOC_POLICY_FILE"] = str(settings.policy_file)
    os.environ["DONDOC_TIMEZONE"] = settings.timezone
    if settings.database_url:
        os.environ["DONDOC_DATABASE_URL"] = settings.database_url


def start_fast_loop(app: App, interval: float) -> AsyncIOScheduler:
    """Start the in-process APScheduler job that drains the outbox every `interval` seconds."""
    scheduler = AsyncIOScheduler(timezone=app.settings.timezone)
    scheduler.add_job(drain_outbox, "interval", seconds=interval, args=[app], id=FAST_JOB_ID,
                      name="drain the outbox", replace_existing=True, max_instances=1, coalesce=True,
                      next_run_time=dt.datetime.now(dt.UTC))
    scheduler.start()
    return scheduler


async def drain_outbox(app: App) -> None:
    """One pass of the fast loop: deliver whatever is due now."""
    from engine.delivery import deliver
    from engine.policy import load_policy

    try:
        policy = load_policy(app.settings.policy_file, timezone=app.settings.timezone)  # re-read: edits apply
        with app.session() as session:
            report = await deliver(session, app.notifier, app.now(), policy=policy, calendar=app.calendar)
    except Exception:
        log.exception("fast delivery pass failed; the next pass retries")
        return
    if any(v for v in getattr(report, "__dict__", {}).values() if isinstance(v, int)):
        log.info("fast loop delivered: %s", report)


async def supervise(server: LocalPrefectServer, stop: asyncio.Event, max_restarts: int = 5) -> None:
    """Restart the Prefect server (same port) if it dies; give up after `max_restarts`."""
    restarts = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if stop.is_set() or server.running():
            continue
        if restarts >= max_restarts:
            raise RuntimeError(f"prefect server keeps dying; see {server.log_path}")
        restarts += 1
        log.warning("prefect server exited (%s); restart %d", server.process.poll(), restarts)
        server.start()


async def serve_flows(server: LocalPrefectServer | None, stop: asyncio.Event) -> None:
    """Wait for the server, then serve the four flows as scheduled deployments until cancelled."""
    if server is not None:
        took = await server.wait_healthy()
        os.environ["PREFECT_API_URL"] = server.api_url
        log.info("prefect server healthy at %s after %.1f s", server.api_url, took)
    from prefect.runner import Runner
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = os.environ["PREFECT_API_URL"]
    with temporary_settings(updates={PREFECT_API_URL: url}):  # in case prefect was imported earlier
        deployments = await build_deployments()
        await drop_missed_runs()
        runner = Runner(name="dondoc-embedded", pause_on_shutdown=True)
        for deployment in deployments:
            await runner.add_deployment(deployment)
        serving = asyncio.create_task(runner.start())
        await asyncio.sleep(0)  # start() replaces the SIGTERM handler on its first step ...
        take_signals(stop)  # ... take it back: our shutdown stops the runner and the server together
        log.info("serving %d deployments at %s", len(deployments), url)
        await serving


class HookedNotifier:
    """Test hooks (env): log each send to DONDOC_TEST_SEND_LOG; hang before/after the first send.

    DONDOC_TEST_HOLD=before|after blocks that send forever after touching DONDOC_TEST_HOLD_FILE,
    so a crash test can SIGKILL the process between claim and send, or between send and record.
    """

    def __init__(self, inner: Notifier, send_log: str | None, hold: str | None,
                 hold_file: str | None) -> None:
        self.inner, self.send_log, self.hold, self.hold_file = inner, send_log, hold, hold_file

    async def send(self, notification: Notification) -> Delivered:
        if self.hold == "before":
            await self._hang()
        delivered = await self.inner.send(notification)
        if self.send_log:
            with open(self.send_log, "a", encoding="utf-8") as out:
                out.write(json.dumps({"outbox_id": notification.outbox_id, "kind": notification.kind,
                                      "pid": os.getpid()}) + "\n")
        if self.hold == "after":
            await self._hang()
        return delivered

    async def _hang(self) -> None:
        if self.hold_file:
            Path(self.hold_file).write_text(str(os.getpid()))
        await asyncio.Event().wait()


def install_test_hooks(app: App) -> None:
    """Wrap the notifier when the DONDOC_TEST_* hooks are set (never in production)."""
    send_log, hold = os.environ.get("DONDOC_TEST_SEND_LOG"), os.environ.get("DONDOC_TEST_HOLD")
    if (send_log or hold) and app.settings.environment != "production":
        app.notifier = HookedNotifier(app.notifier, send_log, hold, os.environ.get("DONDOC_TEST_HOLD_FILE"))


def configure_logging() -> None:
    """One line per event on stderr; per-request and per-pass loggers quieted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("apscheduler", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def bot_tasks(app: App) -> list[ExtraTask]:
    """The Telegram bot as an extra task when a token is configured, else nothing."""
    if app.settings.telegram_token is None:
        return []
    from dondoc.bootstrap import telegram_notifier
    from notifiers.telegram.bot import build_application, run_bot

    async def telegram_bot(app: App, stop_event: asyncio.Event) -> None:
        await run_bot(build_application(app, telegram_notifier(app)), stop_event)

    return [telegram_bot]
