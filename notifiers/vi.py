"""Vietnamese dates, weekdays and day counts for messages; pure and NFC-normalised."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pendulum

from engine.timeutil import local

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
STATES = {
    "draft": "dự thảo",
    "assigned": "đã giao, chưa xác nhận đã nhận",
    "in_progress": "đang thực hiện",
    "reported": "đã báo cáo, chờ xác nhận",
    "overdue": "quá hạn",
    "done": "hoàn thành",
    "cancelled": "đã hủy",
}


def nfc(text: str) -> str:
    """Text in Unicode NFC, the form Telegram and search expect."""
    return unicodedata.normalize("NFC", text)


def as_date(value: dt.date | str) -> dt.date:
    """A date from a date, or an ISO date or instant (instants are read in local time)."""
    if isinstance(value, dt.datetime):
        return local(value).date()
    if isinstance(value, dt.date):
        return value
    if "T" in value:
        return as_local(value).date()
    return dt.date.fromisoformat(value)


def as_local(value: dt.datetime | str) -> pendulum.DateTime:
    """An instant (aware datetime or ISO string) in local time."""
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(instant)


def weekday(value: dt.date | str) -> str:
    """'thứ Hai' … 'Chủ nhật'."""
    return nfc(WEEKDAYS[as_date(value).weekday()])


def short_date(value: dt.date | str) -> str:
    """'31/7/2024' (no leading zeros, as offices write it)."""
    d = as_date(value)
    return f"{d.day}/{d.month}/{d.year}"


def long_date(value: dt.date | str) -> str:
    """'thứ Tư, 31/7/2024'."""
    return nfc(f"{weekday(value)}, {short_date(value)}")


def time_hm(value: dt.datetime | str) -> str:
    """'09:14' in local time."""
    return as_local(value).strftime("%H:%M")


def days_left_phrase(days: int) -> str:
    """'còn 3 ngày làm việc', 'hạn hôm nay', 'quá hạn 2 ngày làm việc'."""
    if days > 0:
        return nfc(f"còn {days} ngày làm việc")
    if days == 0:
        return nfc("hạn hôm nay")
    return nfc(f"quá hạn {-days} ngày làm việc")


def state_phrase(state: str) -> str:
    """The state as the office says it."""
    return nfc(STATES.get(state, state))
