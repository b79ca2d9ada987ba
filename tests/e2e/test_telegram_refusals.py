"""Refusals: unbound chats, bad codes, a stranger's press, forged and replayed data, webhook without the secret."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel import select

from config.settings import Settings
from engine.binding import create_code, redeem
from engine.models import Directive, DirectiveEvent, Person, Role
from notifiers.telegram import texts
from notifiers.telegram.bot import Webhook
from tests.support.botapi import FakeBotAPI, free_tcp_port
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock
from tests.support.fixtures import botapi  # noqa: F401
from tests.support.telegram import buttons, running_bot, telegram_app

LEAD, OTHER, STRANGER = 710_000_001, 710_000_002, 710_000_003


def _setup(settings: Settings, fake: FakeBotAPI):
    app = telegram_app(settings, fake, FixedClock(T0), per_chat_interval=0.02)
    with app.session() as s:
        f = Factory(s)
        office = f.office()
        finance, justice = f.agency("STC", "Sở Tài chính"), f.agency("STP", "Sở Tư pháp")
        lead = f.person("Nguyễn Văn An", Role.leader, finance)
        other = f.person("Lê Thị Bình", Role.leader, justice)
        for person, chat in ((lead, LEAD), (other, OTHER)):
            redeem(s, create_code(s, person.id, T0), chat, T0)  # type: ignore[arg-type]
        directive = f.assigned(finance, office, deadline=dt.date(2024, 5, 31), notice=f.notice())
    return app, directive.id, office


def _events(app, d_id: int) -> list[str]:
    with app.session() as s:
        return [e.type for e in s.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == d_id))]


def test_unbound_chats_and_bad_codes_get_polite_answers(botapi: FakeBotAPI, settings: Settings) -> None:  # noqa: F811
    app, _d, _office = _setup(settings, botapi)
    with app.session() as s:
        person = s.exec(select(Person).where(Person.name == "Nguyễn Văn An")).one()
        used = create_code(s, person.id, T0)  # type: ignore[arg-type]
        redeem(s, used, LEAD, T0)
        expired = create_code(s, person.id, T0 - dt.timedelta(hours=80))  # type: ignore[arg-type]

    async def scenario() -> list[str]:
        async with running_bot(app):
            for text in ("/nhiemvu", "Xin chào", "/quahan", "/tonghop", "/start sai-ma-123", f"/start {used}",
                         f"/start {expired}"):
                botapi.inject_message(STRANGER, text)
                await botapi.wait_for_async(lambda n=len(botapi.sent(STRANGER)): len(botapi.sent(STRANGER)) > n)
        return [m.text or "" for m in botapi.sent(STRANGER)]

    replies = asyncio.run(scenario())
    assert replies[:4] == [texts.UNBOUND] * 4
    assert replies[4].startswith("Mã liên kết không đúng")
    assert replies[5].startswith("Mã liên kết này đã được sử dụng")
    assert replies[6].startswith("Mã liên kết đã hết hạn")
    with app.session() as s:
        assert s.exec(select(Person).where(Person.telegram_chat_id == STRANGER)).first() is None
    app.engine.dispose()


def test_stranger_forged_and_replayed_presses_change_nothing(
    botapi: FakeBotAPI, settings: Settings, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    caplog.set_level(logging.WARNING, logger="notifiers.telegram")
    app, d_id, _office = _setup(settings, botapi)

    async def scenario() -> None:
        async with running_bot(app) as application:
            await application.bot_data["drainer"].drain()
            [alert] = botapi.sent(LEAD)
            ack = buttons(alert)["✅ Đã nhận"]
            other_user = botapi.default_user(OTHER)
            stranger = botapi.default_user(STRANGER)
            steps = [(ack, other_user, texts.FOREIGN),  # a bound leader of another agency
                     (ack, stranger, texts.UNBOUND),  # nobody we know
                     ("k.1.2.AAAAAAAAAAAA", None, texts.FORGED),  # made up
                     (ack[:-1] + ("A" if ack[-1] != "A" else "B"), None, texts.FORGED),  # tampered signature
                     ("x" * 64, None, texts.FORGED),
                     (ack[:-1] + "\ud800", None, texts.FORGED),  # a lone surrogate (not encodable)
                     (ack[:5] + "\x00" + ack[6:], None, texts.FORGED)]
            for data, user, expected in steps:
                count = len(botapi.sent(LEAD))
                botapi.inject_callback(LEAD, alert.message_id, data, user=user)
                reply = await botapi.wait_for_async(lambda c=count: botapi.sent(LEAD)[c:], timeout=5)
                assert reply[0].text == expected
            assert _events(app, d_id) == ["Drafted", "Assigned"]
            botapi.inject_callback(LEAD, alert.message_id, ack)  # the real press
            await botapi.wait_for_async(lambda: any("Đã ghi nhận" in (m.text or "") for m in botapi.sent(LEAD)))
            count = len(botapi.sent(LEAD))
            botapi.inject_callback(LEAD, alert.message_id, ack)  # replayed
            reply = await botapi.wait_for_async(lambda: botapi.sent(LEAD)[count:], timeout=5)
            assert reply[0].text == texts.STALE

    asyncio.run(scenario())
    assert _events(app, d_id) == ["Drafted", "Assigned", "Acknowledged"]
    with app.session() as s:
        assert s.get(Directive, d_id).version == 3
    assert len(botapi.answered_callbacks) == 9  # every press answered
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("refused")]
    assert len(refused) == 8 and any("stale" in m for m in refused) and any("signature" in m for m in refused)
    app.engine.dispose()


def test_webhook_requires_the_secret_on_every_request(botapi: FakeBotAPI, settings: Settings) -> None:  # noqa: F811
    app, _d, _office = _setup(settings, botapi)
    port = free_tcp_port()
    hook = Webhook(f"http://127.0.0.1:{port}/telegram", "127.0.0.1", port, secret="bi-mat_webhook-42")
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": LEAD, "type": "private"},
              "from": botapi.default_user(LEAD), "text": "/help",
              "entities": [{"offset": 0, "length": 5, "type": "bot_command"}]}}

    async def scenario() -> tuple[int, int]:
        async with running_bot(app, webhook=hook):
            assert botapi.webhook["secret_token"] == hook.secret
            async with httpx.AsyncClient(timeout=5) as client:
                missing = await client.post(hook.url, json=update)
                wrong = await client.post(hook.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
            await asyncio.sleep(0.3)
            assert botapi.sent(LEAD) == []  # nothing was processed
            botapi.inject_message(LEAD, "/help")  # Telegram's own delivery carries the secret
            await botapi.wait_for_async(lambda: botapi.sent(LEAD), timeout=5)
        return missing.status_code, wrong.status_code

    assert asyncio.run(scenario()) == (403, 403)
    assert botapi.sent(LEAD)[0].text.startswith("Hướng dẫn sử dụng dondoc")
    assert [d.status for d in botapi.webhook_deliveries] == [200]
    app.engine.dispose()


def _post_headers(port: int, headers: dict[str, str]) -> bytes:
    """Send a POST's headers and no body; the answer must come anyway (nothing waits for the body)."""
    lines = ["POST /telegram HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall("\r\n".join(lines).encode())
        return sock.recv(200)


def test_webhook_refuses_on_the_headers_before_reading_a_body(botapi: FakeBotAPI,  # noqa: F811
                                                              settings: Settings) -> None:
    app, _d, _office = _setup(settings, botapi)
    port = free_tcp_port()
    hook = Webhook(f"http://127.0.0.1:{port}/telegram", "127.0.0.1", port, secret="bi-mat_webhook-42")
    big = {"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024)}

    async def scenario() -> list[bytes]:
        async with running_bot(app, webhook=hook):
            answers = [await asyncio.to_thread(_post_headers, port, headers) for headers in (
                big, {**big, "X-Telegram-Bot-Api-Secret-Token": "doan-bua"},
                {**big, "X-Telegram-Bot-Api-Secret-Token": hook.secret})]
            async def chunks() -> AsyncIterator[bytes]:
                for _ in range(64):
                    yield b" " * 65536

            try:  # chunked, no length: the server hangs up at the cap (1 MB) instead of buffering 4 MB
                async with httpx.AsyncClient(timeout=5) as client:
                    streamed = await client.post(hook.url, content=chunks(), headers={
                        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": hook.secret})
                answers.append(f"HTTP/1.1 {streamed.status_code}".encode())
            except httpx.TransportError:
                answers.append(b"HTTP/1.1 closed")
            botapi.inject_message(LEAD, "/help")  # and the real thing still works
            await botapi.wait_for_async(lambda: botapi.sent(LEAD), timeout=5)
        return answers

    answers = asyncio.run(scenario())
    assert [a.split(b"\r\n")[0].split(b" ")[1] for a in answers] == [b"403", b"403", b"413", b"closed"]
    app.engine.dispose()
