"""Telegram delivery benchmark against the local Bot API server (FakeBotAPI).

1. Sustained delivery rate: 1,000 messages to 200 chats through engine.delivery + TelegramNotifier with
   Telegram's limits (≈30/s overall, 1/s per chat) and the server enforcing them. Goal ≥ 28 msg/s, no
   per-chat violation.
2. Button presses: p95 from a press arriving to the state committed and the query answered (goal
   < 50 ms), and to the message edit that follows (it queues behind Telegram's rate limits).
3. A flood: 1,000 guessed /start codes from one chat while 30 other leaders press a button each; p95
   from press to reply for the others (goal < 1 s), and how many messages the flooding chat got.

Run: .venv/bin/python -m benchmarks.bench_telegram
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from config.settings import Settings
from engine import commands
from engine.binding import create_code, redeem
from engine.models import Person, Role
from engine.outbox import enqueue
from tests.support.botapi import FakeBotAPI
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock
from tests.support.telegram import buttons, running_bot, telegram_app

CHATS, ROUNDS, PRESSES = 200, 5, 60


class RealTimeClock:
    """Starts at a given instant and moves with the wall clock (retries must fall due)."""

    def __init__(self, start: dt.datetime) -> None:
        self.start, self.t0 = start, time.monotonic()

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self.t0)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def delivery_rate(root: Path) -> None:
    """1,000 messages to 200 chats at Telegram's limits."""
    with FakeBotAPI() as fake:
        settings = Settings(data_dir=root / "rate", environment="test", secret="bench-secret")  # type: ignore[arg-type]
        app = telegram_app(settings, fake, RealTimeClock(T0))
        with app.session() as s:
            people = [Person(name=f"Giám đốc Sở số {i}", role=Role.leader, telegram_chat_id=900_000_000 + i)
                      for i in range(CHATS)]
            s.add_all(people)
            s.commit()
            for r in range(ROUNDS):
                for i, p in enumerate(people):
                    enqueue(s, key=f"bench:{r}:{i}", kind="digest", person_id=p.id, directive_id=None,
                            payload={"date": "2024-04-22", "scope": "agency", "title": f"tin {r} chat {i}",
                                     "counts": {}, "items": []}, not_before=T0, now=T0)
            s.commit()
        fake.flood_control(per_chat_interval=1.0, global_per_second=30)

        async def run() -> float:
            async with running_bot(app) as application:
                started = time.monotonic()
                # Drain, and again once refused sends (429 → retry_after) fall due, as the bot's job does.
                while len(fake.sent()) < CHATS * ROUNDS and time.monotonic() - started < 120:
                    await application.bot_data["drainer"].drain()
                    if len(fake.sent()) < CHATS * ROUNDS:
                        await asyncio.sleep(0.2)
                return time.monotonic() - started

        took = asyncio.run(run())
        sent = len(fake.sent())
        print(f"delivery: {sent} messages to {CHATS} chats in {took:.1f} s = {sent / took:.1f} msg/s; "
              f"per-chat spacing violations: {len(fake.spacing_violations(1.0))}; "
              f"429 refusals by the server: {len(fake.flood_violations)}")
        app.engine.dispose()


def press_latency(root: Path) -> None:
    """p95 from press to answer, and to commit (seen as the edit that follows it)."""
    with FakeBotAPI() as fake:
        settings = Settings(data_dir=root / "press", environment="test", secret="bench-secret")  # type: ignore[arg-type]
        app = telegram_app(settings, fake, FixedClock(T0))
        chats = []
        with app.session() as s:
            f = Factory(s)
            office = f.office()
            for i in range(PRESSES):
                agency = f.agency(f"B{i}", f"Sở Thử nghiệm {i}")
                person = f.person(f"Giám đốc {i}", Role.leader, agency)
                redeem(s, create_code(s, person.id, T0), 950_000_000 + i, T0)  # type: ignore[arg-type]
                f.assigned(agency, office, deadline=dt.date(2024, 6, 28))
                chats.append(950_000_000 + i)

        # Stamp each command's commit (handle() commits before it returns) to time press → committed.
        commit_times: list[float] = []
        real_handle = commands.handle

        def timed_handle(*args: Any, **kwargs: Any) -> commands.Outcome:
            outcome = real_handle(*args, **kwargs)
            commit_times.append(time.time())
            return outcome

        commands.handle = timed_handle  # type: ignore[assignment]

        async def run() -> tuple[list[float], list[float]]:
            committed: list[float] = []
            edited: list[float] = []
            async with running_bot(app) as application:
                await application.bot_data["drainer"].drain()
                await asyncio.sleep(1.1)  # let each chat's spacing pass, as a real leader would
                for chat in chats:
                    [alert] = fake.sent(chat)
                    injected = time.time()
                    fake.inject_callback(chat, alert.message_id, buttons(alert)["✅ Đã nhận"])
                    edit = await fake.wait_for_async(lambda c=chat: fake.sent(c)[0].edits, timeout=5,
                                                     interval=0.001)
                    edited.append(edit[0].timestamp - injected)
                    answered = fake.answered_callbacks[-1].latency
                    committed.append(max(commit_times[-1] - injected, answered))
                    await asyncio.sleep(0.02)
            return committed, edited

        try:
            committed, edited = asyncio.run(run())
        finally:
            commands.handle = real_handle  # type: ignore[assignment]
        answered = [a.latency for a in fake.answered_callbacks]
        print(f"presses: {len(answered)}; answered p50 {statistics.median(answered) * 1000:.1f} ms, "
              f"p95 {_p95(answered) * 1000:.1f} ms; committed and answered p50 "
              f"{statistics.median(committed) * 1000:.1f} ms, p95 {_p95(committed) * 1000:.1f} ms; "
              f"message edited (after Telegram's rate limiter) p50 {statistics.median(edited) * 1000:.1f} ms, "
              f"p95 {_p95(edited) * 1000:.1f} ms")
        app.engine.dispose()


def flood(root: Path, guesses: int = 1000, others: int = 30) -> None:
    """Other chats' press → reply latency while one chat floods the bot with guessed codes."""
    with FakeBotAPI() as fake:
        settings = Settings(data_dir=root / "flood", environment="test", secret="bench-secret")  # type: ignore[arg-type]
        app = telegram_app(settings, fake, FixedClock(T0))
        chats = [960_000_000 + i for i in range(others)]
        with app.session() as s:
            f = Factory(s)
            office = f.office()
            for i, chat in enumerate(chats):
                agency = f.agency(f"F{i}", f"Sở Thử nghiệm {i}")
                f.person(f"Giám đốc {i}", Role.leader, agency, telegram_chat_id=chat)
                f.assigned(agency, office, deadline=dt.date(2024, 6, 28))
        guesser = 969_999_999

        def guess() -> None:
            for _ in range(guesses):
                fake.inject_message(guesser, f"/start {secrets.token_urlsafe(24)}")

        async def run() -> list[float]:
            latencies = []
            async with running_bot(app) as application:
                await application.bot_data["drainer"].drain()
                await asyncio.sleep(1.1)
                thread = threading.Thread(target=guess)
                thread.start()
                for chat in chats:
                    [alert] = fake.sent(chat)
                    pressed = time.time()  # Edit.timestamp is wall-clock time
                    fake.inject_callback(chat, alert.message_id, buttons(alert)["🔔 Nhắc lại sau"])
                    edits = await fake.wait_for_async(lambda c=chat: fake.sent(c)[0].edits, timeout=10,
                                                      interval=0.001)
                    latencies.append(edits[0].timestamp - pressed)
                await asyncio.to_thread(thread.join)
                await fake.wait_for_async(lambda: not fake.pending_updates, timeout=30)
            return latencies

        latencies = asyncio.run(run())
        print(f"flood: {guesses} guessed /start from one chat; {len(fake.sent(guesser))} messages sent to it; "
              f"other chats' press → edit p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p95 {_p95(latencies) * 1000:.0f} ms")
        app.engine.dispose()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        delivery_rate(Path(tmp))
        press_latency(Path(tmp))
        flood(Path(tmp))
