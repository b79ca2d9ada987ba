"""What a person types after a button: a report (text and/or a file), a requested date, a reason."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from telegram import Document, Update

from engine import commands as cmd
from engine.datetext import parse_requested_deadline
from engine.errors import DondocError
from engine.events import changed_since
from engine.models import Directive, PendingInput, Person
from engine.pending_inputs import hold, pending, release
from engine.report_files import store_report_file
from notifiers.telegram import texts
from notifiers.telegram.common import (
    Context,
    current_person,
    finish,
    is_office,
    refuse,
    say,
    services,
    view_of,
)

MAX_DOWNLOAD = 20 * 1024 * 1024  # Telegram's getFile limit; a self-hosted Bot API serves up to 2 GB
CHUNK = 256 * 1024
TOO_BIG = "Tệp lớn hơn 20 MB nên không tải về được. Vui lòng gửi tệp nhỏ hơn hoặc gửi qua Văn phòng UBND tỉnh."
ACTION_OF = {"report": "report", "extend_reason": "extend", "return_reason": "return", "deny_reason": "deny"}


async def on_input(update: Update, context: Context) -> None:
    """Text or a document in a private chat: the answer to the pending question, if there is one."""
    message = update.effective_message
    assert message is not None
    chat_id = message.chat.id
    person = current_person(context, update)
    if person is None:
        await say(context, chat_id, texts.UNBOUND)
        return
    host = services(context)
    with host.session() as session:
        waiting = pending(session, chat_id, person.id, host.now())  # type: ignore[arg-type]
    if waiting is None:
        await say(context, chat_id, texts.IDLE)
        return
    if waiting.kind == "extend_date":
        try:
            new = parse_requested_deadline(message.text or "", host.now(), host.policy.timezone)
        except DondocError as exc:
            await say(context, chat_id, texts.explain(exc))
            return
        with host.session() as session:
            current = session.get(Directive, waiting.directive_id)
            deadline = current.deadline if current else None
        if deadline is not None and new <= deadline:  # say so now, not after the reason is typed
            await say(context, chat_id, texts.not_after_current(deadline))
            return
        with host.session() as session:
            hold(session, chat_id, person_id=waiting.person_id, kind="extend_reason", version=waiting.version,
                 directive_id=waiting.directive_id, message_id=waiting.message_id,
                 message_text=waiting.message_text, now=host.now(), data={"new_deadline": new.isoformat()})
        await say(context, chat_id, texts.reason_prompt(new))
        return
    attachment = None
    if message.document is not None and waiting.kind == "report":
        attachment = await store_document(context, message.document)
        if attachment is None:
            await say(context, chat_id, TOO_BIG)
            return
    text = message.text or message.caption or ""
    if not text.strip() and attachment is None:
        await say(context, chat_id, texts.NEED_TEXT)
        return
    await _submit(context, person, waiting, chat_id, text.strip(), attachment)


def _requested(waiting: PendingInput) -> dt.datetime:
    return dt.datetime.fromisoformat(waiting.data["new_deadline"])


async def _submit(context: Context, person: Person, waiting: PendingInput, chat_id: int, text: str,
                  attachment: dict[str, Any] | None) -> None:
    host = services(context)
    command = {
        "report": lambda: cmd.SubmitReport(waiting.directive_id, person.id, text, attachment),  # type: ignore[arg-type]
        "extend_reason": lambda: cmd.RequestExtension(waiting.directive_id, person.id,  # type: ignore[arg-type]
                                                      _requested(waiting), text),
        "return_reason": lambda: cmd.ReturnReport(waiting.directive_id, person.id, text),  # type: ignore[arg-type]
        "deny_reason": lambda: cmd.DenyExtension(waiting.directive_id, person.id, text),  # type: ignore[arg-type]
    }[waiting.kind]()
    with host.session() as session:
        if changed_since(session, waiting.directive_id, waiting.version):
            release(session, chat_id)
            refuse(waiting.kind, person, f"stale input on directive {waiting.directive_id}")
            await say(context, chat_id, texts.STALE)
            return
        try:
            outcome = cmd.handle(session, command, host.now())
        except DondocError as exc:
            refuse(waiting.kind, person, str(exc))
            await say(context, chat_id, texts.explain(exc))
            return
        view = view_of(session, host, outcome.directive)
        office = is_office(person, outcome.directive) and waiting.kind in ("return_reason", "deny_reason")
        release(session, chat_id)
    new = _requested(waiting).isoformat() if waiting.kind == "extend_reason" else None
    await finish(context, chat_id, ACTION_OF[waiting.kind], view, office, waiting.message_id, waiting.message_text,
                 new)


class TooLarge(Exception):
    """A download went past its limit (whatever size the update or getFile declared)."""


async def download(url: str, limit: int = MAX_DOWNLOAD) -> bytes:
    """The body at `url`, streamed and dropped as soon as it exceeds `limit` bytes (TooLarge)."""
    parts = urlsplit(url)
    url = urlunsplit(parts._replace(path=quote(parts.path)))  # file paths may hold UTF-8 names
    received = bytearray()
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0)) as client, \
            client.stream("GET", url) as response:
        response.raise_for_status()
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge
        async for chunk in response.aiter_bytes(CHUNK):
            received += chunk
            if len(received) > limit:
                raise TooLarge
    return bytes(received)


async def store_document(context: Context, document: Document) -> dict[str, Any] | None:
    """Download a document (at most MAX_DOWNLOAD bytes) and store it in the database; its metadata for the
    event, or None when it is too large. Declared sizes are only a first check: the stream is counted."""
    if (document.file_size or 0) > MAX_DOWNLOAD:
        return None
    file = await context.bot.get_file(document.file_id)
    if (file.file_size or 0) > MAX_DOWNLOAD or not file.file_path:
        return None
    try:
        data = await download(file.file_path)
    except TooLarge:
        return None
    host = services(context)
    with host.session() as session:
        return store_report_file(session, data, name=document.file_name, mime_type=document.mime_type,
                                 now=host.now())
