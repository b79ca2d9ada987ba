"""Inline keyboards built from rendered buttons: small pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from notifiers.messages import ACCEPT, ACK, APPROVE, DENY, EXTEND, REPORT, RETURN, Button
from notifiers.telegram.callbacks import sign

SNOOZE_CHOICES: tuple[Button, ...] = (("⏰ 1 giờ", "snooze_1h"), ("🌅 8:00 sáng mai", "snooze_tomorrow"))
PER_ROW = 2


def _rows(buttons: Sequence[InlineKeyboardButton], per_row: int = PER_ROW) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i:i + per_row]) for i in range(0, len(buttons), per_row)]


def action_keyboard(buttons: Sequence[Button], directive_id: int | None, version: int,
                    secret: str | bytes) -> InlineKeyboardMarkup | None:
    """A keyboard of signed action buttons, two per row; None when there is nothing to press."""
    if not buttons or directive_id is None:
        return None
    keys = [InlineKeyboardButton(label, callback_data=sign(action, directive_id, version, secret))
            for label, action in buttons]
    return InlineKeyboardMarkup(_rows(keys))


def snooze_keyboard(directive_id: int, version: int, secret: str | bytes) -> InlineKeyboardMarkup:
    """The two snooze choices: in one hour, or tomorrow at 08:00."""
    keyboard = action_keyboard(SNOOZE_CHOICES, directive_id, version, secret)
    assert keyboard is not None
    return keyboard


def list_keyboard(items: Iterable[tuple[int, int, str]], secret: str | bytes) -> InlineKeyboardMarkup | None:
    """One 'view' button per directive (id, version, label), one per row."""
    keys = [InlineKeyboardButton(label[:60], callback_data=sign("view", ident, version, secret))
            for ident, version, label in items]
    return InlineKeyboardMarkup(_rows(keys, 1)) if keys else None


def buttons_for(state: str, *, office: bool = False, pending_extension: bool = False) -> tuple[Button, ...]:
    """The buttons that still make sense for a directive in `state`, for the lead or the office."""
    if office:
        buttons: tuple[Button, ...] = (ACCEPT, RETURN) if state == "reported" else ()
        if pending_extension and state in ("assigned", "in_progress", "overdue"):
            buttons += (APPROVE, DENY)
        return buttons
    if state == "assigned":
        return (ACK, REPORT, EXTEND)
    if state in ("in_progress", "overdue"):
        return (REPORT,) if pending_extension else (REPORT, EXTEND)
    return ()
