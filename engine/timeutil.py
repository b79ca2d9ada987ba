"""Aware UTC datetimes in storage, Asia/Ho_Chi_Minh for display and calendar arithmetic."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import pendulum
from sqlalchemy.types import DateTime, TypeDecorator

LOCAL_TZ = "Asia/Ho_Chi_Minh"  # the default of DONDOC_TIMEZONE
UTC = dt.UTC
_local_tz = LOCAL_TZ  # the deployment's zone: bootstrap sets it from Settings.timezone, the one source


def valid_timezone(name: str) -> str:
    """The name if it is a known IANA time zone, else ValueError saying so in Vietnamese."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"múi giờ “{name}” không tồn tại; dùng tên IANA, ví dụ Asia/Ho_Chi_Minh") from None
    return name


def set_local_timezone(name: str) -> None:
    """Make `name` the zone of local days and of every time shown (called once by bootstrap)."""
    global _local_tz
    _local_tz = valid_timezone(name)


def local_timezone() -> str:
    """The deployment's local time zone."""
    return _local_tz


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware column; SQLite drops tzinfo on read, so UTC is re-attached here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def zone(name: str | None = None) -> pendulum.Timezone:
    """A pendulum timezone, the deployment's by default (cached: loading zone data is slow)."""
    return _zone(name or _local_tz)


@lru_cache(maxsize=16)
def _zone(name: str) -> pendulum.Timezone:
    return pendulum.timezone(name)  # type: ignore[return-value]


def utc(value: dt.datetime) -> dt.datetime:
    """Normalise an aware datetime to a plain UTC datetime."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a timezone")
    return dt.datetime.fromtimestamp(value.timestamp(), UTC)


def now_utc() -> dt.datetime:
    """The current time; only drivers call this."""
    return dt.datetime.now(UTC)


def local(value: dt.datetime, tz: str | None = None) -> pendulum.DateTime:
    """The same instant in local time."""
    return pendulum.instance(value).in_timezone(zone(tz))


def end_of_local_day(day: dt.date, tz: str | None = None, time: dt.time | None = None) -> dt.datetime:
    """Deadline instant for a local day: 23:59:59 unless a time of day is given, in UTC."""
    t = time or dt.time(23, 59, 59)
    moment = pendulum.datetime(day.year, day.month, day.day, t.hour, t.minute, t.second, tz=zone(tz))
    return utc(moment)


def local_date(value: dt.datetime, tz: str | None = None) -> dt.date:
    """The local calendar day of an instant."""
    return local(value, tz).date()


# 30/06/2024, 30-6-2024, 30.06.2024, optionally followed by a time: 14:30, 14h30, 14:30:00.
_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:hH](\d{2})(?::(\d{2}))?)?"
)
_FORMATS = "30/06/2024 hoặc 2024-06-30, có thể kèm giờ: 30/06/2024 14:30"


def parse_instant(text: str, tz: str | None = None) -> dt.datetime:
    """A date or date-time typed by a person, as an aware UTC instant: the one parser every driver uses.

    ISO (2024-06-30, 2024-06-30T14:30, with an offset or Z) or dd/mm/yyyy [HH:MM]. A date alone means
    the end of that local day (23:59:59, as deadlines read from notices); a date-time keeps its time
    (naive ones are local). InvalidInput, in Vietnamese, for anything else or a day that does not exist.
    """
    from engine.errors import InvalidInput

    cleaned = " ".join(text.split())
    try:
        match = _DAY_MONTH_YEAR.fullmatch(cleaned)
        if match:
            day, month, year, hour, minute, second = match.groups()
            date = dt.date(int(year), int(month), int(day))
            if hour is None:
                return end_of_local_day(date, tz)
            return end_of_local_day(date, tz, dt.time(int(hour), int(minute), int(second or 0)))
        if len(cleaned) == 10:
            return end_of_local_day(dt.date.fromisoformat(cleaned), tz)
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"“{cleaned}” không phải ngày giờ hợp lệ; nhập theo dạng {_FORMATS}.") from None
    if moment.tzinfo is None:
        return end_of_local_day(moment.date(), tz, moment.time().replace(microsecond=0))
    return utc(moment)
