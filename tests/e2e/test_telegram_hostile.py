"""A chat that floods the bot or guesses codes, a file bigger than it claims, a bad --hours: bounded answers,
and the other chats keep their latency."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import statistics
import threading
import time

import pytest
from sqlmodel import select

from config.settings import Settings
from engine.binding import MAX_FAILURES, create_code
from engine.models import BindingGuard, DirectiveEvent, Outbox, ReportFile, Role
from notifiers.telegram import texts
from notifiers.telegram.inputs import MAX_DOWNLOAD, TOO_BIG
from tests.support.botapi import FakeBotAPI
from tests.support.cli import CLI
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock
from tests.support.telegram import buttons, running_bot, telegram_app

LEADER, OFFICE, GUESSER = 670_000_001, 670_000_002, 670_000_003
FLOOD = 1000


def _world(settings: Settings, fake: FakeBotAPI):
    app = telegram_app(settings, fake, FixedClock(T0), per_chat_interval=0.02)
    with app.session() as s:
        make = Factory(s)
        stc = make.agency("STC", "Sở Tài chính")
        make.person("Nguyễn Văn Tài", Role.leader, stc, telegram_chat_id=LEADER)
        office = make.person("Trần Thị Hoa", Role.office, telegram_chat_id=OFFICE)
        d_id = make.assigned(stc, office, deadline=dt.date(2024, 6, 28), task="Quyết toán vốn đầu tư năm 2023").id
        create_code(s, office.id, app.now())  # a real code exists; the guesser does not have it  # type: ignore[arg-type]
    return app, d_id


def test_a_flood_of_guessed_codes_is_bounded_and_other_chats_keep_their_latency(
        botapi: FakeBotAPI, settings: Settings) -> None:
    app, _d_id = _world(settings, botapi)
    latencies: list[float] = []

    def flood() -> None:
        for _ in range(FLOOD):
            botapi.inject_message(GUESSER, f"/start {secrets.token_urlsafe(24)}")
            time.sleep(0.001)

    async def scenario() -> None:
        async with running_bot(app) as application:
            await application.bot_data["drainer"].drain()  # the assignment alert
            botapi.inject_message(LEADER, "/nhiemvu")
            listing = (await botapi.wait_for_async(lambda: [m for m in botapi.sent(LEADER) if "📋" in (m.text or "")],
                                                   timeout=10))[0]
            view = next(iter(buttons(listing).values()))
            guesser = threading.Thread(target=flood)
            guesser.start()
            for _ in range(12):  # within the leader's own limit
                count, pressed = len(botapi.sent(LEADER)), time.monotonic()
                botapi.inject_callback(LEADER, listing.message_id, view)
                reply = await botapi.wait_for_async(lambda c=count: botapi.sent(LEADER)[c:], timeout=10)
                latencies.append(reply[0].sent_at - pressed)
            await asyncio.to_thread(guesser.join)
            await botapi.wait_for_async(lambda: not botapi.pending_updates, timeout=20)
            await asyncio.sleep(0.3)  # the last replies of the flood, if any
            await application.bot_data["drainer"].drain()  # the office's alert about the lock

    asyncio.run(scenario())
    replies = [m.text for m in botapi.sent(GUESSER)]
    assert replies.count(texts.TOO_FAST) == 1 and len(replies) == MAX_FAILURES + 2, replies
    assert sum("tạm bị khóa" in (r or "") for r in replies) == 1
    told = [m.text or "" for m in botapi.sent(OFFICE) if "🔒" in (m.text or "")]
    assert len(told) == 1 and f"{GUESSER}" in told[0] and "5 lần" in told[0]
    with app.session() as s:
        guard = s.get(BindingGuard, GUESSER)
        assert guard is not None and guard.locked_until is not None and guard.locked_until > app.now()
        assert len(s.exec(select(Outbox).where(Outbox.kind == "binding_locked")).all()) == 1
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[-1]
    print(f"\nflood of {FLOOD} /start in one chat: other chat's press→reply p95 {p95 * 1000:.0f} ms, "
          f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} presses")
    assert p95 < 1.0
    app.engine.dispose()


def test_a_file_bigger_than_it_claims_is_refused_while_downloading(botapi: FakeBotAPI, settings: Settings) -> None:
    app, d_id = _world(settings, botapi)

    async def scenario() -> None:
        async with running_bot(app) as application:
            await application.bot_data["drainer"].drain()
            alert = botapi.sent(LEADER)[0]
            botapi.inject_callback(LEADER, alert.message_id, buttons(alert)["📝 Báo cáo kết quả"])
            await botapi.wait_for_async(lambda: len(botapi.sent(LEADER)) >= 2, timeout=10)
            botapi.inject_document(LEADER, "bao-cao.pdf", b"%PDF-1.7\n" + b"0" * MAX_DOWNLOAD, caption="Báo cáo",
                                   declared_size=1000)
            await botapi.wait_for_async(lambda: len(botapi.sent(LEADER)) >= 3, timeout=20)

    asyncio.run(scenario())
    assert botapi.sent(LEADER)[2].text == TOO_BIG
    with app.session() as s:
        assert s.exec(select(ReportFile)).all() == []
        assert "ReportSubmitted" not in [e.type for e in s.exec(select(DirectiveEvent)
                                                                 .where(DirectiveEvent.directive_id == d_id))]
    app.engine.dispose()


@pytest.mark.parametrize("hours", ["-5", "0", "721"])
def test_invite_hours_must_be_positive_and_bounded(hours: str, tmp_path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DONDOC_TELEGRAM_BOT_USERNAME", "dondoc_bot")
    monkeypatch.delenv("DONDOC_DATABASE_URL", raising=False)
    cli = CLI(capsys, monkeypatch)
    assert cli("people", "add", "Nguyễn Văn Tài", "--role", "leader", "--agency", "STC").code == 0
    result = cli("people", "invite", "Nguyễn Văn Tài", "--hours", hours)
    assert result.code == 1 and "--hours phải từ 1 đến 720 giờ" in result.err and "t.me" not in result.out
