"""Inline button presses: answer, verify the signed data, call one engine command, edit the message."""

from __future__ import annotations

import contextlib
import datetime as dt

from sqlmodel import col, select
from telegram import Update
from telegram.error import BadRequest

from engine import commands as cmd
from engine.errors import DondocError
from engine.events import changed_since
from engine.models import Directive, Outbox, Person
from engine.outbox import enqueue
from engine.pending_inputs import hold
from engine.schedule import notification_time
from engine.timeutil import end_of_local_day, local_date
from notifiers.telegram import texts
from notifiers.telegram.callbacks import Callback, ForgedCallback, verify
from notifiers.telegram.common import (
    Context,
    current_person,
    finish,
    is_lead,
    is_office,
    keyboard_for,
    refuse,
    say,
    secret,
    services,
    view_of,
)
from notifiers.telegram.drain import schedule_snooze
from notifiers.telegram.keyboards import snooze_keyboard
from notifiers.telegram.services import Services

LEAD_ACTIONS = {"ack", "report", "extend", "snooze", "snooze_1h", "snooze_tomorrow"}
OFFICE_ACTIONS = {"approve", "deny", "accept", "return"}
PROMPTS = {"report": ("report", texts.REPORT_PROMPT), "extend": ("extend_date", texts.EXTEND_DATE_PROMPT),
           "return": ("return_reason", texts.RETURN_PROMPT), "deny": ("deny_reason", texts.DENY_PROMPT)}


async def on_button(update: Update, context: Context) -> None:
    """Every inline button of ours ends here."""
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    chat_id = query.message.chat.id
    person = current_person(context, update)
    try:
        pressed = verify(query.data or "", secret(context))
    except ForgedCallback as exc:
        refuse("button", person, f"{exc}: {query.data!r}")
        await say(context, chat_id, texts.FORGED)
        return
    if person is None:
        refuse(pressed.action, None, f"directive {pressed.directive_id}")
        await say(context, chat_id, texts.UNBOUND)
        return
    refusal = _check(context, person, pressed)
    if refusal:
        await say(context, chat_id, refusal)
        return
    await _act(update, context, person, pressed)


def _check(context: Context, person: Person, pressed: Callback) -> str | None:
    """Why this press must be refused (stale, foreign, not office), or None."""
    with services(context).session() as session:
        directive = session.get(Directive, pressed.directive_id)
        if directive is None:
            refuse(pressed.action, person, f"no directive {pressed.directive_id}")
            return texts.STALE
        if pressed.action in OFFICE_ACTIONS and not is_office(person, directive):
            refuse(pressed.action, person, f"not office on directive {directive.id}")
            return texts.OFFICE_ONLY
        if pressed.action in LEAD_ACTIONS and not is_lead(person, directive):
            refuse(pressed.action, person, f"not the lead of directive {directive.id}")
            return texts.FOREIGN
        if pressed.action == "view" and not (is_lead(person, directive) or is_office(person, directive)):
            return texts.FOREIGN
        if pressed.action != "view" and changed_since(session, directive.id, pressed.version):
            refuse(pressed.action, person, f"stale: directive {directive.id} changed after v{pressed.version}")
            return texts.STALE
    return None


async def _act(update: Update, context: Context, person: Person, pressed: Callback) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    chat_id, message = query.message.chat.id, query.message
    text = getattr(message, "text", None)
    host = services(context)
    if pressed.action in PROMPTS:
        kind, prompt = PROMPTS[pressed.action]
        with host.session() as session:
            hold(session, chat_id, person_id=person.id, kind=kind, directive_id=pressed.directive_id,  # type: ignore[arg-type]
                 version=pressed.version, message_id=message.message_id, message_text=text, now=host.now())
        await say(context, chat_id, prompt)
        return
    if pressed.action == "snooze":
        await query.edit_message_reply_markup(snooze_keyboard(pressed.directive_id, pressed.version, secret(context)))
        return
    if pressed.action in ("snooze_1h", "snooze_tomorrow"):
        await _snooze(context, person, pressed, chat_id, message.message_id, text)
        return
    if pressed.action == "view":
        with host.session() as session:
            directive = session.get(Directive, pressed.directive_id)
            assert directive is not None
            view, office = view_of(session, host, directive), is_office(person, directive)
        await context.bot.send_message(chat_id, texts.card(view), reply_markup=keyboard_for(
            view, office and not is_lead(person, directive), secret(context)), rate_limit_args=3)
        return
    command = {"ack": cmd.AcknowledgeDirective(pressed.directive_id, person.id),  # type: ignore[arg-type]
               "approve": cmd.GrantExtension(pressed.directive_id, person.id),  # type: ignore[arg-type]
               "accept": cmd.AcceptReport(pressed.directive_id, person.id)}[pressed.action]  # type: ignore[arg-type]
    with host.session() as session:
        try:
            outcome = cmd.handle(session, command, host.now())
        except DondocError as exc:
            refuse(pressed.action, person, str(exc))
            await say(context, chat_id, texts.explain(exc))
            return
        view = view_of(session, host, outcome.directive)
    new = view["deadline"] if pressed.action == "approve" else None
    await finish(context, chat_id, pressed.action, view, pressed.action in OFFICE_ACTIONS, message.message_id, text,
                 new)


def snooze_time(choice: str, now: dt.datetime, host: Services) -> dt.datetime:
    """One hour from now, or 08:00 on the next working day; never inside quiet hours."""
    if choice == "snooze_1h":
        return notification_time(now + dt.timedelta(hours=1), policy=host.policy, calendar=host.calendar)
    day = local_date(now, host.policy.timezone) + dt.timedelta(days=1)
    while not host.calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return end_of_local_day(day, host.policy.timezone, dt.time(8, 0))


async def _snooze(context: Context, person: Person, pressed: Callback, chat_id: int, message_id: int,
                  text: str | None) -> None:
    """Queue the same alert again, later, as an outbox row (it survives restarts); the JobQueue fires early."""
    host = services(context)
    now = host.now()
    when = snooze_time(pressed.action, now, host)
    with host.session() as session:
        original = session.exec(select(Outbox).where(col(Outbox.person_id) == person.id,
                                                     col(Outbox.message_id) == message_id)
                                .order_by(col(Outbox.id).desc())).first()
        if original is None:
            await say(context, chat_id, texts.STALE)
            return
        key = f"{original.key}:snooze:{int(when.timestamp())}"
        enqueue(session, key=key, kind=original.kind, person_id=person.id, directive_id=original.directive_id,
                payload={**original.payload, "snoozed_from": original.id}, not_before=when, now=now)
        session.commit()
    schedule_snooze(context.job_queue, host, key, when)
    with contextlib.suppress(BadRequest):
        await context.bot.edit_message_text(f"{(text or '').split(texts.FOOTER)[0]}{texts.FOOTER}"
                                            f"{texts.snoozed(when)}", chat_id=chat_id, message_id=message_id)
    await say(context, chat_id, texts.snoozed(when))
