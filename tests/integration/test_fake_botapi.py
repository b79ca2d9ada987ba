"""The real python-telegram-bot Application runs against our local Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import hashlib
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from telegram import BotCommand, BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support.botapi import FakeBotAPI, free_tcp_port

CHAT = 501_234_567


def build_app(fake: FakeBotAPI, *, read_timeout: float | None = None) -> Application:
    builder = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(f"{fake.root}/bot")
        .base_file_url(f"{fake.root}/file/bot")
    )
    if read_timeout is not None:
        builder = builder.read_timeout(read_timeout)
    return builder.build()


@contextlib.asynccontextmanager
async def polling(app: Application, **kwargs: object) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        await app.updater.start_polling(**kwargs)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in pairs]])


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else float(retry_after)


def method_names(fake: FakeBotAPI) -> list[str]:
    return [r.method for r in fake.requests]


# --------------------------------------------------------------------------- raw HTTP surface


def test_http_surface_follows_telegram(botapi: FakeBotAPI) -> None:
    with httpx.Client(base_url=botapi.root, timeout=5) as client:
        wrong = client.post("/bot123:wrong/getMe")
        assert wrong.status_code == 401
        assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}

        unknown = client.post(f"/bot{botapi.token}/sendTelepathy")
        assert unknown.status_code == 404
        assert unknown.json()["error_code"] == 404

        me = client.get(f"/bot{botapi.token}/getMe").json()
        assert me["ok"] and me["result"]["is_bot"] and me["result"]["id"] == int(botapi.token.split(":")[0])

        # A JSON body (not PTB's encoding) is accepted too; objects stay objects.
        markup = {"inline_keyboard": [[{"text": "Đã nhận", "callback_data": "ack:1"}]]}
        first = client.post(f"/bot{botapi.token}/sendMessage",
                            json={"chat_id": 42, "text": "Một", "reply_markup": markup}).json()["result"]
        second = client.post(f"/bot{botapi.token}/sendMessage", data={"chat_id": "42", "text": "Hai"}).json()
        other = client.post(f"/bot{botapi.token}/sendMessage", data={"chat_id": "43", "text": "Ba"}).json()
        assert first["chat"] == {"id": 42, "type": "private"}
        assert first["from"]["id"] == botapi.bot_user["id"] and isinstance(first["date"], int)
        assert first["reply_markup"] == markup
        ids = (first["message_id"], second["result"]["message_id"], other["result"]["message_id"])
        assert ids == (1, 2, 1)  # per-chat sequences

        started = time.monotonic()
        empty = client.post(f"/bot{botapi.token}/getUpdates", data={"timeout": "0"}).json()
        assert empty == {"ok": True, "result": []} and time.monotonic() - started < 0.5

        missing = client.get(f"/file/bot{botapi.token}/documents/nothing.pdf")
        assert missing.status_code == 404
    assert botapi.server_errors == []


def test_get_updates_long_polls_and_confirms_by_offset(botapi: FakeBotAPI) -> None:
    url = f"{botapi.root}/bot{botapi.token}/getUpdates"
    with httpx.Client(timeout=5) as client:
        started = time.monotonic()
        assert client.post(url, data={"timeout": "1"}).json()["result"] == []
        assert 0.9 <= time.monotonic() - started < 2

        threading.Timer(0.3, botapi.inject_message, args=(CHAT, "Xin chào")).start()
        started = time.monotonic()
        updates = client.post(url, data={"timeout": "5"}).json()["result"]
        assert 0.25 <= time.monotonic() - started < 1.5
        assert [u["message"]["text"] for u in updates] == ["Xin chào"]
        assert updates[0]["message"]["from"]["first_name"]  # a Vietnamese-named default user

        botapi.inject_message(CHAT, "Hai")
        again = client.post(url, data={"timeout": "0", "limit": "1"}).json()["result"]
        assert again == updates  # not confirmed yet, so delivered again; limit honoured
        confirmed = client.post(url, data={"offset": str(updates[0]["update_id"] + 1)}).json()["result"]
        assert [u["message"]["text"] for u in confirmed] == ["Hai"]


# --------------------------------------------------------------------------- polling mode


def test_polling_start_command_replies(botapi: FakeBotAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        code = context.args[0] if context.args else "?"
        await update.message.reply_text(f"Đã nhận mã {code}", reply_markup=keyboard(("Đã nhận", "ack:9")))

    app = build_app(botapi)
    app.add_handler(CommandHandler("start", start))

    async def scenario() -> dict:
        async with polling(app):
            update = botapi.inject_message(CHAT, "/start ABC123")
            await botapi.wait_for_async(lambda: botapi.sent(CHAT))
        return update

    update = asyncio.run(scenario())

    assert update["message"]["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    [reply] = botapi.sent(CHAT)
    assert reply.text == "Đã nhận mã ABC123"
    assert reply.reply_markup == {"inline_keyboard": [[{"text": "Đã nhận", "callback_data": "ack:9"}]]}

    names = method_names(botapi)
    assert names[0] == "getMe"
    assert names.index("deleteWebhook") < names.index("getUpdates")
    [send] = botapi.calls("sendMessage")
    assert send["chat_id"] == str(CHAT)  # form-encoded: numbers arrive as strings
    assert json.loads(send["reply_markup"])["inline_keyboard"][0][0]["callback_data"] == "ack:9"
    # PTB's shutdown confirms what it fetched with one last non-blocking getUpdates.
    last = botapi.calls("getUpdates")[-1]
    assert last["timeout"] == "0" and last["offset"] == str(update["update_id"] + 1)
    assert botapi.pending_updates == []
    assert botapi.server_errors == []


def test_callback_query_is_answered_and_message_edited(botapi: FakeBotAPI) -> None:
    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Đã ghi nhận")
        await query.edit_message_text(f"{query.message.text}\n✅ Đã nhận ({query.data})")

    app = build_app(botapi)
    app.add_handler(CallbackQueryHandler(pressed))

    async def scenario() -> None:
        async with polling(app):
            alert = await app.bot.send_message(CHAT, "Nhiệm vụ mới: báo cáo tiến độ",
                                               reply_markup=keyboard(("Đã nhận", "ack:7")))
            botapi.inject_callback(CHAT, alert.message_id, "ack:7")
            await botapi.wait_for_async(lambda: botapi.sent(CHAT)[0].edits)
            query_id = botapi.answered_callbacks[0].callback_query_id
            with pytest.raises(BadRequest, match=r"[Qq]uery is too old"):
                await app.bot.answer_callback_query(query_id)  # a query is answered once

    asyncio.run(scenario())

    [answer] = botapi.answered_callbacks
    assert (answer.chat_id, answer.data, answer.text) == (CHAT, "ack:7", "Đã ghi nhận")
    assert answer.show_alert is False
    assert 0 < answer.latency < 2
    [message] = botapi.sent(CHAT)
    assert message.text == "Nhiệm vụ mới: báo cáo tiến độ\n✅ Đã nhận (ack:7)"
    assert message.reply_markup is None  # edited without a keyboard: old buttons are gone
    assert [e.method for e in message.edits] == ["editMessageText"]
    assert message.edit_date is not None


def test_uploaded_document_is_downloaded_via_get_file(botapi: FakeBotAPI) -> None:
    content = b"%PDF-1.7\r\n\x00\xff binary \r\n--boundary-like--\r\n" * 50

    async def received(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        document = update.message.document
        data = await (await context.bot.get_file(document.file_id)).download_as_bytearray()
        await update.message.reply_text(f"{document.file_name} {update.message.caption} "
                                        f"{hashlib.sha256(data).hexdigest()}")

    app = build_app(botapi)
    app.add_handler(MessageHandler(filters.Document.ALL, received))

    async def scenario() -> None:
        async with polling(app):
            botapi.inject_document(CHAT, "Báo cáo kết quả.pdf", content, caption="Kết quả quý II")
            await botapi.wait_for_async(lambda: botapi.sent(CHAT))
            sent = await app.bot.send_document(CHAT, document=content, filename="Tổng hợp.pdf")
            assert sent.document.file_name == "Tổng hợp.pdf" and sent.document.file_size == len(content)

    asyncio.run(scenario())

    reply, upload = botapi.sent(CHAT)
    assert reply.text == f"Báo cáo kết quả.pdf Kết quả quý II {hashlib.sha256(content).hexdigest()}"
    assert "file" in method_names(botapi)  # the bytes really went over HTTP
    assert botapi.file_content(upload.document["file_id"]) == content
    [request] = [r for r in botapi.requests if r.method == "sendDocument"]
    assert request.content_type == "multipart/form-data" and request.params["chat_id"] == str(CHAT)
    assert botapi.server_errors == []


def test_idle_long_polling_blocks_and_shutdown_is_prompt(botapi: FakeBotAPI) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)

    app = build_app(botapi)
    app.add_handler(MessageHandler(filters.TEXT, echo))

    async def scenario() -> tuple[float, float]:
        async with app:
            await app.start()
            await app.updater.start_polling(timeout=10)
            await asyncio.sleep(1.0)
            injected = time.monotonic()
            botapi.inject_message(CHAT, "Có ai không?")
            await botapi.wait_for_async(lambda: botapi.sent(CHAT))
            latency = time.monotonic() - injected
            stopping = time.monotonic()
            await app.updater.stop()
            await app.stop()
            return latency, time.monotonic() - stopping

    latency, stop_duration = asyncio.run(scenario())

    polls = botapi.calls("getUpdates")
    # An idle second is one blocked long poll (a server ignoring timeout sees ~23 polls a second),
    # then one poll after the message and the final timeout=0 one.
    assert len(polls) <= 5
    assert latency < 0.5 and stop_duration < 2
    assert polls[0]["timeout"] == "10" and polls[-1]["timeout"] == "0"


# --------------------------------------------------------------------------- webhook mode


def test_webhook_mode_delivers_through_ptb_server_with_secret(botapi: FakeBotAPI) -> None:
    port, secret = free_tcp_port(), "dondoc-webhook_secret-42"
    webhook_url = f"http://127.0.0.1:{port}/telegram"

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("Chào mừng qua webhook")

    app = build_app(botapi)
    app.add_handler(CommandHandler("start", start))

    async def scenario() -> tuple[int, int, int]:
        async with app:
            await app.start()
            await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                            webhook_url=webhook_url, secret_token=secret)
            try:
                assert (await app.bot.get_webhook_info()).url == webhook_url
                with pytest.raises(Conflict):
                    await app.bot.get_updates(timeout=0)
                botapi.inject_message(CHAT, "/start")
                await botapi.wait_for_async(lambda: botapi.sent(CHAT))
                async with httpx.AsyncClient(timeout=5) as client:
                    update = {"update_id": 1, "message": {
                        "message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"},
                        "text": "/start", "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}}
                    no_secret = await client.post(webhook_url, json=update)
                    wrong_secret = await client.post(
                        webhook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
                    right = await client.post(
                        webhook_url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                await botapi.wait_for_async(lambda: len(botapi.sent(CHAT)) == 2)
            finally:
                await app.updater.stop()
                await app.stop()
        return no_secret.status_code, wrong_secret.status_code, right.status_code

    assert asyncio.run(scenario()) == (403, 403, 200)
    assert botapi.webhook["url"] == webhook_url and botapi.webhook["secret_token"] == secret
    assert [d.status for d in botapi.webhook_deliveries] == [200]
    names = method_names(botapi)
    assert "deleteWebhook" not in names and names.count("setWebhook") == 1
    assert botapi.calls("getUpdates") == [{"timeout": "0"}]  # only our own call: PTB did not poll
    assert [m.text for m in botapi.sent(CHAT)] == ["Chào mừng qua webhook"] * 2
    set_webhook = botapi.calls("setWebhook")[-1]
    assert set_webhook["url"] == webhook_url and set_webhook["secret_token"] == secret


def test_webhook_delivery_retries_until_accepted(botapi: FakeBotAPI) -> None:
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ok = self.headers.get("X-Telegram-Bot-Api-Secret-Token") == "s" and len(received) >= 1
            received.append(body)
            self.send_response(200 if ok else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with HTTPServer(("127.0.0.1", 0), Handler) as receiver:
        thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            with httpx.Client(timeout=5) as client:
                set_ok = client.post(f"{botapi.root}/bot{botapi.token}/setWebhook", data={
                    "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook", "secret_token": "s"})
            assert set_ok.json()["result"] is True
            update = botapi.inject_message(CHAT, "Lần một")
            botapi.wait_for(lambda: botapi.pending_updates == [], timeout=3)
        finally:
            receiver.shutdown()
            thread.join()
    assert [d.status for d in botapi.webhook_deliveries] == [500, 200]
    assert received == [update, update]


# --------------------------------------------------------------------------- faults and limits


def test_injected_faults_surface_as_ptb_errors(botapi: FakeBotAPI) -> None:
    async def scenario() -> None:
        app = build_app(botapi)
        async with app:
            botapi.fail_next("sendMessage", 429, retry_after=3)
            with pytest.raises(RetryAfter) as flood:
                await app.bot.send_message(CHAT, "Một")
            assert seconds(flood.value.retry_after) == 3

            botapi.fail_next("sendMessage", "403")
            with pytest.raises(Forbidden, match=r"blocked by the user"):
                await app.bot.send_message(CHAT, "Hai")

            botapi.fail_next("sendMessage", "500", count=2)
            for _ in range(2):
                with pytest.raises(NetworkError) as server_error:
                    await app.bot.send_message(CHAT, "Ba")
                assert not isinstance(server_error.value, BadRequest | TimedOut)

            botapi.fail_next("sendMessage", "400_chat_not_found", chat_id=CHAT + 1)
            await app.bot.send_message(CHAT, "Bốn")  # another chat is not affected
            with pytest.raises(BadRequest, match=r"[Cc]hat not found"):
                await app.bot.send_message(CHAT + 1, "Năm")

            botapi.block(CHAT + 2)
            with pytest.raises(Forbidden):
                await app.bot.send_message(CHAT + 2, "Sáu")

    asyncio.run(scenario())
    assert [m.text for m in botapi.sent()] == ["Bốn"]  # failed sends leave nothing behind


def test_timeouts_with_and_without_effect(botapi: FakeBotAPI) -> None:
    async def scenario() -> None:
        app = build_app(botapi, read_timeout=0.3)
        async with app:
            botapi.fail_next("sendMessage", "timeout", delay=1.0)
            with pytest.raises(TimedOut):
                await app.bot.send_message(CHAT, "Chậm nhưng đã gửi")
            botapi.fail_next("sendMessage", "timeout_lost", delay=1.0)
            with pytest.raises(TimedOut):
                await app.bot.send_message(CHAT, "Bị mất")

    started = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - started < 3
    # Like a slow Telegram: the first message arrived although the client gave up.
    assert [m.text for m in botapi.sent(CHAT)] == ["Chậm nhưng đã gửi"]


def test_telegram_limits_are_enforced(botapi: FakeBotAPI) -> None:
    async def scenario() -> None:
        app = build_app(botapi)
        async with app:
            with pytest.raises(BadRequest, match=r"[Mm]essage is too long"):
                await app.bot.send_message(CHAT, "ạ" * 4097)
            await app.bot.send_message(CHAT, "ạ" * 4096)
            await app.bot.send_message(CHAT, f"<b>{'a' * 4096}</b>", parse_mode="HTML")  # markup is free

            with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
                await app.bot.send_message(CHAT, "Nút", reply_markup=keyboard(("X", "đ" * 33)))  # 66 bytes
            message = await app.bot.send_message(CHAT, "Nút", reply_markup=keyboard(("X", "đ" * 32)))

            with pytest.raises(BadRequest, match=r"[Mm]essage is not modified"):
                await app.bot.edit_message_text("Nút", chat_id=CHAT, message_id=message.message_id,
                                                reply_markup=keyboard(("X", "đ" * 32)))
            with pytest.raises(BadRequest, match=r"[Mm]essage is not modified"):
                await app.bot.edit_message_reply_markup(CHAT, message.message_id,
                                                        reply_markup=keyboard(("X", "đ" * 32)))
            edited = await app.bot.edit_message_reply_markup(CHAT, message.message_id)
            assert edited.text == "Nút" and edited.reply_markup is None
            with pytest.raises(BadRequest, match=r"[Mm]essage to edit not found"):
                await app.bot.edit_message_text("?", chat_id=CHAT, message_id=999)

    asyncio.run(scenario())
    assert [len(m.text) for m in botapi.sent(CHAT)] == [4096, 4096, 3]


def test_flood_control_answers_429_and_records_spacing(botapi: FakeBotAPI) -> None:
    async def scenario() -> None:
        app = build_app(botapi)
        async with app:
            botapi.flood_control(per_chat_interval=0.3, global_per_second=3)
            await app.bot.send_message(1, "a")
            with pytest.raises(RetryAfter) as too_fast:
                await app.bot.send_message(1, "b")
            assert seconds(too_fast.value.retry_after) >= 1
            await app.bot.send_message(2, "c")
            await app.bot.send_message(3, "d")
            with pytest.raises(RetryAfter):
                await app.bot.send_message(4, "e")  # fourth send within a second
            await asyncio.sleep(1.0)
            await app.bot.send_message(1, "f")  # spaced enough now

            botapi.no_flood_control()
            await app.bot.send_message(5, "g")
            await app.bot.send_message(5, "h")  # accepted, but measured as too close

    asyncio.run(scenario())
    assert [v.reason for v in botapi.flood_violations] == ["per_chat", "global"]
    assert [m.text for m in botapi.sent()] == ["a", "c", "d", "f", "g", "h"]
    violations = botapi.spacing_violations(min_interval=1.0)
    assert [chat for chat, _gap in violations] == [5]
    assert botapi.send_times()[1][1] - botapi.send_times()[1][0] >= 1.0


def test_bot_commands_round_trip(botapi: FakeBotAPI) -> None:
    async def scenario() -> None:
        app = build_app(botapi)
        async with app:
            commands = [BotCommand("nhiemvu", "Nhiệm vụ của tôi"), BotCommand("quahan", "Việc quá hạn")]
            assert await app.bot.set_my_commands(commands)
            office = BotCommandScopeChat(CHAT)
            office_commands = [*commands, BotCommand("tonghop", "Tổng hợp toàn tỉnh")]
            await app.bot.set_my_commands(office_commands, scope=office)
            assert list(await app.bot.get_my_commands()) == commands
            assert len(await app.bot.get_my_commands(scope=office)) == 3
            with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
                await app.bot.set_my_commands([BotCommand("NhiemVu", "Sai")])
            await app.bot.delete_my_commands()
            assert await app.bot.get_my_commands() == ()
            assert await app.bot.close() is True

    asyncio.run(scenario())
    assert [c["command"] for c in botapi.commands({"type": "chat", "chat_id": CHAT})] == [
        "nhiemvu", "quahan", "tonghop"]


def test_stop_wakes_long_polls_and_leaves_no_threads_or_port() -> None:
    before = set(threading.enumerate())  # other tests' servers may still be winding down
    fake = FakeBotAPI().start()
    results: list[int] = []

    def long_poll() -> None:
        with httpx.Client(timeout=10) as client:
            results.append(client.post(f"{fake.root}/bot{fake.token}/getUpdates",
                                       data={"timeout": "30"}).status_code)

    poller = threading.Thread(target=long_poll)
    poller.start()
    fake.wait_for(lambda: fake.calls("getUpdates"))
    started = time.monotonic()
    fake.stop()
    poller.join(timeout=5)
    assert time.monotonic() - started < 2 and results == [200]
    leftovers = [t.name for t in set(threading.enumerate()) - before
                 if "fake-botapi" in t.name or "process_request" in t.name]
    assert leftovers == []
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", fake.port), timeout=1):
        pass
