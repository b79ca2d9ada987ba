"""Aware UTC datetimes in storage, Asia/Ho_Chi_Minh for display and calendar arithmetic."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pendulum
from sqlalchemy.types import DateTime, TypeDecorator

LOCAL_TZ = "Asia/Ho_Chi_Minh"
UTC = dt.UTC


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


@lru_cache(maxsize=16)
def zone(name: str = LOCAL_TZ) -> pendulum.Timezone:
    """A cached pendulum timezone (loading zone data is the slow part of local-time arithmetic)."""
    return pendulum.timezone(name)  # type: ignore[return-value]


def utc(value: dt.datetime) -> dt.datetime:
    """Normalise an aware datetime to a plain UTC datetime."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a timezone")
    return dt.datetime.fromtimestamp(value.timestamp(), UTC)


def now_utc() -> dt.datetime:
    """The current time; only drivers call this."""
    return dt.datetime.now(UTC)


def local(value: dt.datetime, tz: str = LOCAL_TZ) -> pendulum.DateTime:
    """The same instant in local time."""
    return pendulum.instance(value).in_timezone(zone(tz))


def end_of_local_day(day: dt.date, tz: str = LOCAL_TZ, time: dt.time | None = None) -> dt.datetime:
    """Deadline instant for a local day: 23:59:59 unless a time of day is given, in UTC."""
    t = time or dt.time(23, 59, 59)
    moment = pendulum.datetime(day.year, day.month, day.day, t.hour, t.minute, t.second, tz=zone(tz))
    return utc(moment)


def local_date(value: dt.datetime, tz: str = LOCAL_TZ) -> dt.date:
    """The local calendar day of an instant."""
    return local(value, tz).date()


def parse_instant(text: str, tz: str = LOCAL_TZ) -> dt.datetime:
    """Parse an ISO date or datetime typed by a user; naive values are local time."""
    try:
        parsed = pendulum.parse(text, tz=tz, strict=False)
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise ValueError(f"'{text}' is not a valid date/time (ISO 8601 expected, e.g. 2024-05-31)") from exc
    if isinstance(parsed, pendulum.DateTime):
        return utc(parsed)
    if isinstance(parsed, pendulum.Date):
        return end_of_local_day(parsed, tz)
    raise ValueError(f"'{text}' is not a date/time")
