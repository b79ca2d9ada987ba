"""What a person types after a button: a report (text and/or a file), a requested date, a reason."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from telegram import Document, Update

from engine import commands as cmd
from engine.datetext import parse_requested_deadline
from engine.errors import DondocError, InvalidInput
from engine.events import changed_since
from engine.models import Directive, Person
from notifiers.telegram import texts
from notifiers.telegram.common import (
    Context,
    Pending,
    current_person,
    finish,
    is_office,
    refuse,
    say,
    services,
    view_of,
)

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit
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
    pending: Pending | None = context.chat_data.get("pending")
    if pending is None:
        await say(context, chat_id, texts.IDLE)
        return
    host = services(context)
    if pending.kind == "extend_date":
        try:
            new = parse_requested_deadline(message.text or "", host.now(), host.policy.timezone)
        except DondocError as exc:
            await say(context, chat_id, texts.explain(exc))
            return
        with host.session() as session:
            current = session.get(Directive, pending.directive_id)
            deadline = current.deadline if current else None
        if deadline is not None and new <= deadline:  # say so now, not after the reason is typed
            await say(context, chat_id, texts.explain(InvalidInput("later than the current"),
                                                          {"deadline": deadline.isoformat()}))
            return
        pending.kind, pending.data["new_deadline"] = "extend_reason", new
        await say(context, chat_id, texts.reason_prompt(new))
        return
    attachment = None
    if message.document is not None and pending.kind == "report":
        if (message.document.file_size or 0) > MAX_DOWNLOAD:
            await say(context, chat_id, TOO_BIG)
            return
        attachment = await store_document(context, message.document, host.settings.data_dir / "reports")
    text = message.text or message.caption or ""
    if not text.strip() and attachment is None:
        await say(context, chat_id, texts.NEED_TEXT)
        return
    await _submit(context, person, pending, chat_id, text.strip(), attachment)


async def _submit(context: Context, person: Person, pending: Pending, chat_id: int, text: str,
                  attachment: dict[str, Any] | None) -> None:
    host = services(context)
    command = {
        "report": lambda: cmd.SubmitReport(pending.directive_id, person.id, text, attachment),  # type: ignore[arg-type]
        "extend_reason": lambda: cmd.RequestExtension(pending.directive_id, person.id,  # type: ignore[arg-type]
                                                      pending.data["new_deadline"], text),
        "return_reason": lambda: cmd.ReturnReport(pending.directive_id, person.id, text),  # type: ignore[arg-type]
        "deny_reason": lambda: cmd.DenyExtension(pending.directive_id, person.id, text),  # type: ignore[arg-type]
    }[pending.kind]()
    with host.session() as session:
        if changed_since(session, pending.directive_id, pending.version):
            context.chat_data.pop("pending", None)
            refuse(pending.kind, person, f"stale input on directive {pending.directive_id}")
            await say(context, chat_id, texts.STALE)
            return
        try:
            outcome = cmd.handle(session, command, host.now())
        except DondocError as exc:
            refuse(pending.kind, person, str(exc))
            current = session.get(Directive, pending.directive_id)
            await say(context, chat_id, texts.explain(exc, view_of(session, host, current) if current else None))
            return
        view = view_of(session, host, outcome.directive)
        office = is_office(person, outcome.directive) and pending.kind in ("return_reason", "deny_reason")
    context.chat_data.pop("pending", None)
    new = pending.data["new_deadline"].isoformat() if pending.kind == "extend_reason" else None
    await finish(context, chat_id, ACTION_OF[pending.kind], view, office, pending.message_id, pending.message_text,
                 new)


async def store_document(context: Context, document: Document, folder: Path) -> dict[str, Any]:
    """Download a document through getFile and keep it under folder/<sha256>; its metadata for the event."""
    data = bytes(await (await context.bot.get_file(document.file_id)).download_as_bytearray())
    digest = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():  # content-addressed: the same file twice is stored once
        partial = folder / f".{digest}.{os.getpid()}.part"
        partial.write_bytes(data)
        partial.replace(path)
    return {"name": document.file_name or digest[:12], "sha256": digest, "size": len(data), "path": str(path),
            "mime_type": document.mime_type}
