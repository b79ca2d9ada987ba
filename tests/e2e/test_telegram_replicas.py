"""Two bot replicas behind one webhook (a proxy sends each update to either): a two-step input started on
one replica is finished on the other, report files are read from the database, and production refuses a
webhook without DONDOC_WEBHOOK_SECRET."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

import pytest
from pydantic import SecretStr
from sqlmodel import col, select
from starlette.testclient import TestClient

from config.settings import Settings
from engine.models import DirectiveEvent, Person, Role
from engine.report_files import report_file
from notifiers.telegram.bot import Webhook
from tests.support.botapi import FakeBotAPI, free_tcp_port
from tests.support.cli import CLI
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock
from tests.support.telegram import buttons, running_bot, telegram_app
from tests.web.conftest import Browser, login
from web.app import create_app

LEAD, OFFICE = 660_000_001, 660_000_002
HOOK_SECRET = "Kq7-webhook_chung-cho-moi-ban-sao-9Zx"
REPORT = b"%PDF-1.7\n" + "Báo cáo quyết toán vốn đầu tư năm 2023".encode() * 50


def test_a_two_step_input_survives_a_change_of_replica(botapi: FakeBotAPI, settings: Settings) -> None:
    shared = settings.model_copy(update={"webhook_secret": SecretStr(HOOK_SECRET)})
    clock = FixedClock(T0)
    one, two = (telegram_app(shared, botapi, clock, per_chat_interval=0.02) for _ in range(2))
    with one.session() as s:
        make = Factory(s)
        stc = make.agency("STC", "Sở Tài chính")
        make.person("Nguyễn Văn Tài", Role.leader, stc, telegram_chat_id=LEAD)
        office = make.person("Trần Thị Hoa", Role.office, telegram_chat_id=OFFICE)
        d_id = make.assigned(stc, office, deadline=dt.date(2024, 6, 28), task="Quyết toán vốn năm 2023").id
    hooks = [Webhook(f"http://127.0.0.1:{port}/telegram", "127.0.0.1", port, secret=HOOK_SECRET)
             for port in (free_tcp_port(), free_tcp_port())]

    async def said(count: int) -> str:
        await botapi.wait_for_async(lambda: len(botapi.sent(LEAD)) >= count, timeout=10)
        return botapi.sent(LEAD)[count - 1].text or ""

    async def scenario() -> None:
        async with contextlib.AsyncExitStack() as stack:
            first = await stack.enter_async_context(running_bot(one, webhook=hooks[0]))
            await stack.enter_async_context(running_bot(two, webhook=hooks[1]))
            assert botapi.webhook["secret_token"] == HOOK_SECRET  # both replicas registered the same one
            await first.bot_data["drainer"].drain()
            alert = botapi.sent(LEAD)[0]
            steps = [(0, "⏳ Xin gia hạn", "nhập hạn mới"), (1, "30/8/2024", "Vui lòng nhập lý do"),
                     (0, "Chờ ý kiến thẩm định của Sở Kế hoạch và Đầu tư", "đề nghị gia hạn"),
                     (1, "📝 Báo cáo kết quả", "gửi nội dung báo cáo"), (0, REPORT, "đã báo cáo kết quả")]
            for replica, what, reply in steps:
                botapi.route_webhook(hooks[replica].url)
                count = len(botapi.sent(LEAD))
                if isinstance(what, bytes):
                    botapi.inject_document(LEAD, "Báo cáo quyết toán.pdf", what, caption="Đã hoàn thành.")
                elif what in buttons(botapi.sent(LEAD)[0]):
                    botapi.inject_callback(LEAD, alert.message_id, buttons(botapi.sent(LEAD)[0])[what])
                else:
                    botapi.inject_message(LEAD, what)
                assert reply in await said(count + 1), what
            delivered = {d.update_id: d.status for d in botapi.webhook_deliveries}
            assert set(delivered.values()) == {200}

    asyncio.run(scenario())
    with two.session() as s:
        events = s.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == d_id)
                        .order_by(col(DirectiveEvent.seq))).all()
        assert [e.type for e in events] == ["Drafted", "Assigned", "ExtensionRequested", "ReportSubmitted"]
        assert events[-2].payload["reason"] == "Chờ ý kiến thẩm định của Sở Kế hoạch và Đầu tư"
        assert report_file(s, events[-1].payload["attachment"]["sha256"]) == REPORT
        office_member = s.get(Person, office.id)
    with TestClient(create_app(two)) as client:  # the web app, on whichever host, serves the same file
        browser = Browser(client)
        browser.get("/dang-nhap")
        login(browser, two, office_member)  # type: ignore[arg-type]
        download = browser.get(f"/nhiem-vu/{d_id}/tep/{events[-1].seq}")
    assert download.status_code == 200 and download.content == REPORT
    assert "filename*=utf-8''B%C3%A1o" in download.headers["content-disposition"]
    assert botapi.server_errors == []
    one.engine.dispose()
    two.engine.dispose()


def test_production_webhook_needs_the_shared_secret(botapi: FakeBotAPI, tmp_path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"DONDOC_ENVIRONMENT": "production", "DONDOC_DATA_DIR": str(tmp_path),
                        "DONDOC_SECRET": "Xk3v9-Qm2Lp7_Rt8Wz4Nc6Hd1Yb5Fg0Js", "DONDOC_TELEGRAM_TOKEN": botapi.token,
                        "DONDOC_TELEGRAM_API_URL": botapi.root}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DONDOC_WEBHOOK_SECRET", raising=False)
    monkeypatch.delenv("DONDOC_DATABASE_URL", raising=False)
    result = CLI(capsys, monkeypatch)("bot", "--webhook", "https://dondoc.example.gov.vn/telegram")
    assert result.code == 1 and "DONDOC_WEBHOOK_SECRET" in result.err
    assert botapi.calls("setWebhook") == []
