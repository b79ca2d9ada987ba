"""Property: whatever callback data arrives (arbitrary text, NUL, lone surrogates, every one-character change
of a real button), the press is refused as forged or stale: never an error, never a state change."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlmodel import select

from config.settings import Settings
from engine.models import Directive, DirectiveEvent, Outbox, PendingInput, Role
from notifiers.telegram import texts
from notifiers.telegram.callbacks import sign
from notifiers.telegram.limits import ChatLimiter
from tests.support.botapi import FakeBotAPI
from tests.support.factory import T0, Factory
from tests.support.fakes import FixedClock
from tests.support.telegram import BotThread, bot_in_thread, buttons, telegram_app

LEADER = 680_000_001
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=70)  # surrogates and controls included


def _state(app) -> tuple:
    with app.session() as s:
        return (tuple((d.id, d.version, d.state) for d in s.exec(select(Directive))),
                len(s.exec(select(DirectiveEvent)).all()), len(s.exec(select(Outbox)).all()),
                len(s.exec(select(PendingInput)).all()))


def _mutations(data: str) -> list[str]:
    """Every single-character change: each character replaced (by a neighbour, '.', NUL, a lone surrogate,
    a Vietnamese letter), deleted, or preceded by an extra one."""
    out = set()
    for i, char in enumerate(data):
        for other in (chr(ord(char) ^ 1), ".", "\x00", "\ud800", "ệ"):
            out.add(data[:i] + other + data[i + 1:])
        out.add(data[:i] + data[i + 1:])
        out.add(data[:i] + "A" + data[i:])
    out.discard(data)
    return sorted(out)


def _press_all(bot: BotThread, fake: FakeBotAPI, message_id: int, batch: list[str]) -> list[str]:
    answered, sent = len(fake.answered_callbacks), len(fake.sent(LEADER))
    for data in batch:
        fake.inject_callback(LEADER, message_id, data)
    fake.wait_for(lambda: len(fake.answered_callbacks) >= answered + len(batch)
                  and len(fake.sent(LEADER)) >= sent + len(batch), timeout=20)
    return [m.text or "" for m in fake.sent(LEADER)[sent:]]


def test_no_callback_data_is_an_error_or_a_change(botapi: FakeBotAPI, settings: Settings,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    app = telegram_app(settings, botapi, FixedClock(T0), per_chat_interval=0.0, overall_max_rate=5000)
    with app.session() as s:
        make = Factory(s)
        stc = make.agency("STC", "Sở Tài chính")
        make.person("Nguyễn Văn Tài", Role.leader, stc, telegram_chat_id=LEADER)
        directive = make.assigned(stc, make.office())
    key = app.settings.secret.get_secret_value()
    with bot_in_thread(app, limiter=ChatLimiter(limit=1_000_000)) as bot:
        bot.call(bot.application.bot_data["drainer"].drain())
        alert = botapi.sent(LEADER)[0]
        real = buttons(alert)["✅ Đã nhận"]
        before = _state(app)
        stale = [sign(action, directive.id, directive.version - 1, key) for action in ("ack", "report", "extend")]
        replies = _press_all(bot, botapi, alert.message_id, stale)
        assert replies == [texts.STALE] * len(stale)
        mutated = _mutations(real)
        for start in range(0, len(mutated), 60):
            replies = _press_all(bot, botapi, alert.message_id, mutated[start:start + 60])
            assert set(replies) == {texts.FORGED}

        @given(st.lists(ANY_TEXT, min_size=1, max_size=12))
        @hsettings(max_examples=12, deadline=None, database=None)
        def arbitrary(batch: list[str]) -> None:
            assert set(_press_all(bot, botapi, alert.message_id, batch)) <= {texts.FORGED}

        arbitrary()
        assert _state(app) == before
    assert caplog.records == [] and botapi.server_errors == []
    print(f"\n{len(botapi.answered_callbacks)} forged or stale presses, all refused")
    app.engine.dispose()
