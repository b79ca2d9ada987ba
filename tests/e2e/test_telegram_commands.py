"""/nhiemvu, /quahan, /tonghop and Nhắc lại sau, through the real Application against the local Bot API server."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import col, select

from config.settings import Settings
from dondoc.bootstrap import App
from engine import commands
from engine.binding import create_code
from engine.models import Outbox, Role
from tests.support.botapi import FakeBotAPI, SentMessage
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock
from tests.support.telegram import buttons, running_bot, telegram_app

LEADER, OFFICE = 630_000_001, 640_000_001


def _world(app: App) -> tuple[dict[int, str], int, int]:
    with app.session() as s:
        f = Factory(s)
        stc = f.agency("STC", "Sở Tài chính")
        office = f.office()
        leader = f.person("Nguyễn Văn Tài", Role.leader, stc)
        overdue = f.assigned(stc, office, deadline=dt.date(2024, 4, 19), task="Quyết toán vốn đầu tư năm 2023")
        in_time = f.assigned(stc, office, deadline=dt.date(2024, 6, 28), task="Hoàn thiện hồ sơ Nghị quyết mức chi")
        commands.mark_overdue(s, overdue.id, now=T0)
        codes = {LEADER: create_code(s, leader.id, T0), OFFICE: create_code(s, office.id, T0)}  # type: ignore[arg-type]
    return codes, overdue.id, in_time.id


async def _next(fake: FakeBotAPI, chat: int, count: int) -> str:
    await fake.wait_for_async(lambda: len(fake.sent(chat)) >= count, timeout=10)
    return fake.sent(chat)[count - 1].text or ""


def test_lists_and_province_summary(botapi: FakeBotAPI, settings: Settings) -> None:
    clock = FixedClock(T0)
    app = telegram_app(settings, botapi, clock, per_chat_interval=0.02)
    codes, _, _ = _world(app)

    async def scenario() -> None:
        async with running_bot(app):
            for chat in (LEADER, OFFICE):
                botapi.inject_message(chat, f"/start {codes[chat]}")
                await _next(botapi, chat, 1)
            botapi.inject_message(LEADER, "/nhiemvu")
            listing = await _next(botapi, LEADER, 2)
            assert "Quyết toán vốn đầu tư năm 2023" in listing and "Hoàn thiện hồ sơ Nghị quyết mức chi" in listing
            assert len(buttons(botapi.sent(LEADER)[1])) == 2  # one 'view' button per directive
            botapi.inject_message(LEADER, "/quahan")
            overdue = await _next(botapi, LEADER, 3)
            assert "Quyết toán vốn đầu tư năm 2023" in overdue and "Nghị quyết mức chi" not in overdue
            botapi.inject_message(LEADER, "/tonghop")
            assert await _next(botapi, LEADER, 4) == "Thao tác này chỉ dành cho Văn phòng UBND tỉnh."
            botapi.inject_message(OFFICE, "/tonghop")
            summary = await _next(botapi, OFFICE, 2)
            assert "Sở Tài chính" in summary and "1" in summary

    asyncio.run(scenario())
    app.engine.dispose()


def test_snooze_queues_the_alert_again_and_it_comes_back(botapi: FakeBotAPI, settings: Settings) -> None:
    clock = FixedClock(T0)
    app = telegram_app(settings, botapi, clock, per_chat_interval=0.02)
    codes, _, in_time_id = _world(app)

    async def scenario() -> None:
        async with running_bot(app) as application:
            drainer = application.bot_data["drainer"]
            botapi.inject_message(LEADER, f"/start {codes[LEADER]}")
            await _next(botapi, LEADER, 1)
            await drainer.drain()  # the two assignment alerts
            alert = next(m for m in botapi.sent(LEADER) if "Hoàn thiện hồ sơ" in (m.text or ""))
            botapi.inject_callback(LEADER, alert.message_id, buttons(alert)["🔔 Nhắc lại sau"])
            await botapi.wait_for_async(lambda: list(buttons(botapi.sent(LEADER)[alert_index(alert)]))
                                        == ["⏰ 1 giờ", "🌅 8:00 sáng mai"], timeout=10)
            choice = buttons(botapi.sent(LEADER)[alert_index(alert)])["⏰ 1 giờ"]
            sent_before = len(botapi.sent(LEADER))
            botapi.inject_callback(LEADER, alert.message_id, choice)
            await _next(botapi, LEADER, sent_before + 1)
            with app.session() as s:
                snoozed = s.exec(select(Outbox).where(col(Outbox.key).contains(":snooze:"))).one()
                assert snoozed.not_before == T0 + dt.timedelta(hours=1) and snoozed.directive_id == in_time_id
            await drainer.drain()
            assert len(botapi.sent(LEADER)) == sent_before + 1  # not yet
            clock.advance(hours=1)
            await drainer.drain()
            again = botapi.sent(LEADER)[-1]
            assert "Hoàn thiện hồ sơ" in (again.text or "") and "🔔 Nhắc lại sau" in buttons(again)

    def alert_index(alert: SentMessage) -> int:
        return next(i for i, m in enumerate(botapi.sent(LEADER)) if m.message_id == alert.message_id)

    asyncio.run(scenario())
    app.engine.dispose()
