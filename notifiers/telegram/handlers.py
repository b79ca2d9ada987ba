"""Commands (/start, /nhiemvu, /quahan, /tonghop, /help, /huy) and the wiring of every handler."""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import Session, col, or_, select
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from engine.binding import ChatLocked, redeem_from_chat
from engine.errors import DondocError
from engine.models import OPEN_STATES, Agency, Directive, Person, State
from engine.pending_inputs import release
from engine.people import LEAD_ROLES, OFFICE_ROLES
from engine.stats import compute_stats
from notifiers.telegram import texts
from notifiers.telegram.buttons import on_button
from notifiers.telegram.common import Context, current_person, say, secret, services, view_of
from notifiers.telegram.inputs import on_input
from notifiers.telegram.keyboards import list_keyboard
from notifiers.telegram.limits import ChatLimiter, Verdict
from notifiers.telegram.services import Services

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
LIST_LIMIT = 20
COMMANDS = [BotCommand("nhiemvu", "Nhiệm vụ đang mở của tôi"), BotCommand("quahan", "Nhiệm vụ quá hạn"),
            BotCommand("help", "Hướng dẫn sử dụng")]
OFFICE_COMMANDS = [*COMMANDS, BotCommand("tonghop", "Tổng hợp toàn tỉnh")]


async def start(update: Update, context: Context) -> None:
    """/start <code> binds this chat; /start alone greets or explains how to bind."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    host = services(context)
    if not context.args:
        person = current_person(context, update)
        text = texts.help_text(person.role in OFFICE_ROLES) if person else texts.UNBOUND
        await say(context, message.chat.id, text)
        return
    with host.session() as session:
        try:
            person = redeem_from_chat(session, context.args[0], update.effective_user.id, host.now(),
                                      who=update.effective_user.full_name)
        except DondocError as exc:
            log.warning("binding refused for chat %s: %s", message.chat.id, type(exc).__name__)
            told: set[tuple[int, object]] = context.bot_data.setdefault("told_locked", set())
            if isinstance(exc, ChatLocked):  # said once per lock, however often the chat keeps trying
                if (message.chat.id, exc.until) in told:
                    return
                told.add((message.chat.id, exc.until))
            await say(context, message.chat.id, str(exc))
            return
        agency = session.get(Agency, person.agency_id) if person.agency_id else None
    office = person.role in OFFICE_ROLES
    log.info("chat %s bound to person %s", message.chat.id, person.id)
    await say(context, message.chat.id, texts.welcome(person.name, agency.name if agency else None, office))
    if office:
        try:
            await context.bot.set_my_commands(OFFICE_COMMANDS, scope=BotCommandScopeChat(message.chat.id))
        except TelegramError as exc:
            log.warning("could not set office commands: %s", exc)


def my_directives(session: Session, person: Person, *, overdue_only: bool, now: dt.datetime) -> list[Directive]:
    """A lead's open directives; for the office, those waiting for it (reports, extension requests)."""
    stmt = select(Directive).where(col(Directive.state).in_(OPEN_STATES))
    if person.role in OFFICE_ROLES:
        stmt = stmt.where(or_(col(Directive.state) == State.reported, col(Directive.pending_extension).is_not(None),
                              col(Directive.state) == State.overdue if overdue_only else False))
    else:
        mine = col(Directive.leader_id) == person.id
        if person.role in LEAD_ROLES and person.agency_id is not None:
            mine = or_(mine, col(Directive.lead_agency_id) == person.agency_id)
        stmt = stmt.where(mine)
    if overdue_only:
        stmt = stmt.where(or_(col(Directive.state) == State.overdue,
                              (col(Directive.deadline) < now) & (col(Directive.state) != State.reported)))
    return list(session.exec(stmt.order_by(col(Directive.deadline).is_(None), col(Directive.deadline),
                                           col(Directive.id)).limit(LIST_LIMIT)).all())


async def _list(update: Update, context: Context, *, overdue_only: bool) -> None:
    message = update.effective_message
    assert message is not None
    person = current_person(context, update)
    if person is None:
        await say(context, message.chat.id, texts.UNBOUND)
        return
    host = services(context)
    with host.session() as session:
        views = [view_of(session, host, d) for d in my_directives(session, person, overdue_only=overdue_only,
                                                                    now=host.now())]
    if not views:
        await say(context, message.chat.id, texts.NO_OVERDUE if overdue_only else texts.NO_OPEN)
        return
    title = "🔴 Nhiệm vụ quá hạn:" if overdue_only else "📋 Nhiệm vụ đang mở:"
    items = [(v["id"], v["version"], f"Mục {v.get('ref') or v['id']} — {v.get('task', '')}") for v in views]
    await context.bot.send_message(message.chat.id, texts.listing(title, views),
                                   reply_markup=list_keyboard(items, secret(context)), rate_limit_args=3)


async def my_open(update: Update, context: Context) -> None:
    """/nhiemvu."""
    await _list(update, context, overdue_only=False)


async def my_overdue(update: Update, context: Context) -> None:
    """/quahan."""
    await _list(update, context, overdue_only=True)


async def province_summary(update: Update, context: Context) -> None:
    """/tonghop: office members only."""
    message = update.effective_message
    assert message is not None
    person = current_person(context, update)
    if person is None or person.role not in OFFICE_ROLES:
        await say(context, message.chat.id, texts.UNBOUND if person is None else texts.OFFICE_ONLY)
        return
    host = services(context)
    with host.session() as session:
        overall = compute_stats(session, host.now(), by="all", calendar=host.calendar)
        by_agency = compute_stats(session, host.now(), by="agency", calendar=host.calendar)
    await say(context, message.chat.id, texts.summary(overall, by_agency, host.now()))


async def help_command(update: Update, context: Context) -> None:
    """/help."""
    message = update.effective_message
    assert message is not None
    person = current_person(context, update)
    text = texts.help_text(person.role in OFFICE_ROLES) if person else texts.UNBOUND
    await say(context, message.chat.id, text)


async def cancel(update: Update, context: Context) -> None:
    """/huy: forget the pending question."""
    message = update.effective_message
    assert message is not None
    with services(context).session() as session:
        release(session, message.chat.id)
    person = current_person(context, update)
    await say(context, message.chat.id, texts.CANCELLED if person else texts.UNBOUND)


async def on_error(update: object, context: Context) -> None:
    """The one error handler: log with the traceback, and tell the person something went wrong."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        await say(context, update.effective_chat.id, texts.FAILED)


async def set_commands(application: Application, host: Services) -> None:
    """The command menu: everyone's, plus /tonghop in the chats of bound office members."""
    try:
        await application.bot.set_my_commands(COMMANDS)
        with host.session() as session:
            chats = session.exec(select(Person.telegram_chat_id).where(
                col(Person.role).in_(OFFICE_ROLES), col(Person.telegram_chat_id).is_not(None))).all()
        for chat_id in chats:
            await application.bot.set_my_commands(OFFICE_COMMANDS, scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)


async def guard(update: Update, context: Context) -> None:
    """Before every handler: drop updates of a chat over its limit (telling it once per flood)."""
    chat = update.effective_chat
    if chat is None:
        return
    limiter: ChatLimiter = context.bot_data["limiter"]
    verdict = limiter.check(chat.id)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.REFUSE_AND_SAY:
        log.warning("chat %s is flooding the bot; its updates are dropped until it pauses", chat.id)
        await say(context, chat.id, texts.TOO_FAST)
    raise ApplicationHandlerStop


def install(application: Application, limiter: ChatLimiter | None = None) -> None:
    """Register every handler on the Application (behind the per-chat limit)."""
    application.bot_data["limiter"] = limiter or ChatLimiter()
    application.add_handler(TypeHandler(Update, guard), group=-1)
    application.add_handler(CommandHandler("start", start, filters=PRIVATE))
    application.add_handler(CommandHandler("nhiemvu", my_open, filters=PRIVATE))
    application.add_handler(CommandHandler("quahan", my_overdue, filters=PRIVATE))
    application.add_handler(CommandHandler("tonghop", province_summary, filters=PRIVATE))
    application.add_handler(CommandHandler(["help", "trogiup"], help_command, filters=PRIVATE))
    application.add_handler(CommandHandler("huy", cancel, filters=PRIVATE))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(PRIVATE & ((filters.TEXT & ~filters.COMMAND) | filters.Document.ALL),
                                           on_input))
    application.add_handler(MessageHandler(PRIVATE & filters.COMMAND, help_command))
    application.add_error_handler(on_error)
