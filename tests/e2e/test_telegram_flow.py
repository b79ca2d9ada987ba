"""End to end on the seed notice: bind, alert, Đã nhận, extension asked and approved, report with a file, accepted."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from pathlib import Path

import pytest
from sqlmodel import col, select

from config.settings import DATA_DIR, Settings
from engine import commands
from engine.binding import create_code
from engine.directory import load_default_directory
from engine.ingest.service import ingest_file
from engine.models import Directive, DirectiveEvent, Outbox, Person, State
from engine.report_files import report_file
from tests.support.botapi import FakeBotAPI
from tests.support.factory import T0
from tests.support.fakes import FixedClock
from tests.support.fixtures import botapi  # noqa: F401
from tests.support.telegram import buttons, running_bot, telegram_app

SAMPLE = DATA_DIR / "samples" / "tb-ket-luan-bac-giang-2024-04.txt"
LEADER_CHAT, OFFICE_CHAT, OFFICE2_CHAT = 610_000_001, 620_000_002, 620_000_003
PDF = b"%PDF-1.7\n" + "Báo cáo kết quả hoàn thiện hồ sơ".encode() * 40


def _texts(fake: FakeBotAPI, chat: int) -> list[str]:
    return [m.text or "" for m in fake.sent(chat)]


async def _reply(fake: FakeBotAPI, chat: int, count: int) -> str:
    await fake.wait_for_async(lambda: len(fake.sent(chat)) >= count, timeout=10)
    return fake.sent(chat)[count - 1].text or ""


def test_leader_and_office_work_a_directive_through_telegram(
    botapi: FakeBotAPI, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FixedClock(T0)
    app = telegram_app(settings, botapi, clock, per_chat_interval=0.02)
    with app.session() as s:
        load_default_directory(s, app.settings.agencies_file)
        office, office2 = s.exec(select(Person).where(Person.role == "office").order_by(col(Person.id))).all()[:2]
        report = ingest_file(s, SAMPLE, T0, actor_id=office.id)
        directive = s.exec(select(Directive).where(Directive.notice_id == report.notice_id,
                                                   Directive.ref == "2")).one()
        leader = s.exec(select(Person).where(Person.agency_id == directive.lead_agency_id)).one()
        codes = {p.id: create_code(s, p.id, T0) for p in (leader, office, office2)}  # type: ignore[misc]
    d_id = directive.id

    async def scenario() -> None:
        async with running_bot(app) as application:
            drainer = application.bot_data["drainer"]
            # Binding: three people follow their deep links.
            for chat, person in ((LEADER_CHAT, leader), (OFFICE_CHAT, office), (OFFICE2_CHAT, office2)):
                botapi.inject_message(chat, f"/start {codes[person.id]}")
                assert "Liên kết thành công" in await _reply(botapi, chat, 1)
            # Assignment → alert through engine.delivery.deliver + TelegramNotifier.
            with app.session() as s:
                commands.assign(s, d_id, actor_id=office.id, now=T0)
            await drainer.drain()
            alert = botapi.sent(LEADER_CHAT)[1]
            assert alert.text.startswith("📌 Nhiệm vụ mới") and "Sở Tài chính" in alert.text
            assert list(buttons(alert)) == ["✅ Đã nhận", "📝 Báo cáo kết quả", "⏳ Xin gia hạn", "🔔 Nhắc lại sau"]

            clock.now = T0 + dt.timedelta(minutes=14)
            botapi.inject_callback(LEADER_CHAT, alert.message_id, buttons(alert)["✅ Đã nhận"])
            assert await _reply(botapi, LEADER_CHAT, 3) == \
                "✅ Đã ghi nhận: Sở Tài chính đã nhận nhiệm vụ (mục 2) lúc 09:14, 22/4/2024."
            edited = botapi.sent(LEADER_CHAT)[1]
            assert "Trạng thái: đang thực hiện" in edited.text and edited.edits
            assert list(buttons(edited)) == ["📝 Báo cáo kết quả", "⏳ Xin gia hạn"]

            # Extension: date, then reason; the office approves from its own message.
            botapi.inject_callback(LEADER_CHAT, alert.message_id, buttons(edited)["⏳ Xin gia hạn"])
            assert "nhập hạn mới" in await _reply(botapi, LEADER_CHAT, 4)
            botapi.inject_message(LEADER_CHAT, "cuối tháng 6")  # before the current deadline (31/7)
            assert await _reply(botapi, LEADER_CHAT, 5) == \
                "Hạn đề nghị phải sau hạn hiện tại (31/7/2024). Vui lòng nhập lại."
            botapi.inject_message(LEADER_CHAT, "30/8")
            assert "thứ Sáu, 30/8/2024" in await _reply(botapi, LEADER_CHAT, 6)
            botapi.inject_message(LEADER_CHAT, "Cần lấy thêm ý kiến của các sở, ngành")
            assert "đề nghị gia hạn nhiệm vụ (mục 2) đến 30/8/2024" in await _reply(botapi, LEADER_CHAT, 7)
            request = (await botapi.wait_for_async(lambda: [m for m in botapi.sent(OFFICE_CHAT)
                                                            if "xin gia hạn" in (m.text or "")], timeout=10))[0]
            assert "Lý do: Cần lấy thêm ý kiến" in request.text
            botapi.inject_callback(OFFICE_CHAT, request.message_id, buttons(request)["Duyệt"])
            granted = await botapi.wait_for_async(lambda: [m for m in botapi.sent(LEADER_CHAT)
                                                           if "Đã được gia hạn" in (m.text or "")], timeout=10)

            # The old alert's buttons are stale now; the report goes through the new message.
            botapi.inject_callback(LEADER_CHAT, alert.message_id, buttons(edited)["📝 Báo cáo kết quả"])
            await botapi.wait_for_async(lambda: any("không còn hiệu lực" in t for t in _texts(botapi, LEADER_CHAT)))
            botapi.inject_callback(LEADER_CHAT, granted[0].message_id, buttons(granted[0])["📝 Báo cáo kết quả"])
            await botapi.wait_for_async(lambda: "gửi nội dung báo cáo" in _texts(botapi, LEADER_CHAT)[-1])
            botapi.inject_document(LEADER_CHAT, "Báo cáo kết quả mục 2.pdf", PDF,
                                   caption="Đã hoàn thiện hồ sơ, trình Thường trực HĐND tỉnh.")
            await botapi.wait_for_async(lambda: "đã báo cáo kết quả" in _texts(botapi, LEADER_CHAT)[-1], timeout=10)

            submitted = (await botapi.wait_for_async(lambda: [m for m in botapi.sent(OFFICE_CHAT)
                                                              if "đã báo cáo kết quả" in (m.text or "")
                                                              and m.reply_markup], timeout=10))[0]
            assert "Tệp đính kèm: Báo cáo kết quả mục 2.pdf" in submitted.text
            botapi.inject_callback(OFFICE_CHAT, submitted.message_id, buttons(submitted)["✅ Chấp nhận"])
            await botapi.wait_for_async(lambda: any("xác nhận hoàn thành" in t for t in _texts(botapi, LEADER_CHAT)),
                                        timeout=10)

    asyncio.run(scenario())

    with app.session() as s:
        final = s.get(Directive, d_id)
        events = s.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == d_id)
                        .order_by(col(DirectiveEvent.seq))).all()
        person = s.get(Person, leader.id)
        sent_alert = s.exec(select(Outbox).where(Outbox.directive_id == d_id, Outbox.kind == "assigned")).one()
        stored = report_file(s, hashlib.sha256(PDF).hexdigest())
    assert final.state == State.done and person.telegram_chat_id == LEADER_CHAT
    assert final.deadline.isoformat() == "2024-08-30T16:59:59+00:00"  # end of 30/8 in Hà Nội
    assert events[3].payload["new_deadline"] == final.deadline.isoformat()
    assert final.original_deadline.isoformat() == "2024-07-31T16:59:59+00:00"  # history kept
    assert [e.type for e in events] == ["Drafted", "Assigned", "Acknowledged", "ExtensionRequested",
                                        "ExtensionGranted", "ReportSubmitted", "ReportAccepted"]
    assert events[2].actor_id == leader.id and events[4].actor_id == office.id
    attachment = events[5].payload["attachment"]
    digest = hashlib.sha256(PDF).hexdigest()
    assert attachment["sha256"] == digest and attachment["size"] == len(PDF)
    assert stored == PDF  # in the database, where every replica reads it
    assert sent_alert.message_id == botapi.sent(LEADER_CHAT)[1].message_id
    assert all(a.latency < 2 for a in botapi.answered_callbacks)
    assert len(botapi.answered_callbacks) == 6  # every press answered, including the stale one
    assert botapi.server_errors == []
    assert botapi.token not in caplog.text and "<token>" in caplog.text  # httpx logged URLs, redacted
    app.engine.dispose()
