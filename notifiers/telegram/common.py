"""Helpers shared by the bot's handlers: who is writing, directive snapshots, edits and replies."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from engine.binding import person_by_chat
from engine.lifecycle import Actor
from engine.models import Directive, Person
from engine.people import actor_kinds
from engine.views import directive_view
from notifiers.telegram import texts
from notifiers.telegram.drain import drain_soon
from notifiers.telegram.keyboards import action_keyboard, buttons_for
from notifiers.telegram.services import Services

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


def services(context: Context) -> Services:
    """What the caller gave the bot: sessions, clock, settings, policy, calendar."""
    return context.bot_data["services"]


def secret(context: Context) -> str:
    """The key that signs callback data."""
    return context.bot_data["secret"]


def current_person(context: Context, update: Update) -> Person | None:
    """The person bound to the user writing (private chats: user id equals chat id)."""
    user = update.effective_user
    if user is None:
        return None
    with services(context).session() as session:
        return person_by_chat(session, user.id)


def view_of(session: Session, host: Services, directive: Directive) -> dict[str, Any]:
    """The directive as notifiers see it."""
    return directive_view(session, directive, now=host.now(), calendar=host.calendar)


def is_office(person: Person, directive: Directive) -> bool:
    """The person may act for the office on this directive."""
    return Actor.office in actor_kinds(person, directive)


def is_lead(person: Person, directive: Directive) -> bool:
    """The person is the lead's bound leader or focal officer (or the named lead person)."""
    return Actor.lead in actor_kinds(person, directive)


def keyboard_for(view: dict[str, Any], office: bool, key: str) -> Any:
    """Buttons that still make sense after an action, signed with the new version."""
    buttons = buttons_for(view["state"], office=office, pending_extension=bool(view.get("pending_extension")))
    return action_keyboard(buttons, view["id"], view["version"], key)


async def say(context: Context, chat_id: int, text: str) -> None:
    """Send a reply; a failure is logged, never raised into the handler."""
    try:
        await context.bot.send_message(chat_id, text, rate_limit_args=3)
    except TelegramError as exc:
        log.warning("could not reply in chat %s: %s", chat_id, exc)


async def edit_alert(context: Context, chat_id: int, message_id: int | None, text: str | None,
                     view: dict[str, Any], office: bool, now: dt.datetime) -> None:
    """Show the new state on the message whose button was pressed, with only the buttons still valid."""
    if message_id is None or not text:
        return
    try:
        await context.bot.edit_message_text(texts.with_footer(text, view["state"], now), chat_id=chat_id,
                                            message_id=message_id,
                                            reply_markup=keyboard_for(view, office, secret(context)))
    except BadRequest as exc:  # not modified, or too old to edit: the result line still goes out
        log.info("could not edit message %s in chat %s: %s", message_id, chat_id, exc)


async def finish(context: Context, chat_id: int, action: str, view: dict[str, Any], office: bool,
                 message_id: int | None, message_text: str | None, new_deadline: str | None = None) -> None:
    """After a command: drain the outbox, edit the original message, send the result line."""
    now = services(context).now()
    drain_soon(context.job_queue)
    await edit_alert(context, chat_id, message_id, message_text, view, office, now)
    await say(context, chat_id, texts.result(action, view, now, new_deadline))


def refuse(what: str, person: Person | None, detail: str) -> None:
    """Log a refused press or input (forged, stale, foreign)."""
    who = f"person {person.id}" if person else "unbound chat"
    log.warning("refused %s from %s: %s", what, who, detail)
