"""A date typed by a person in chat ("30/6/2024", "30/6", "cuối tháng 6") as a deadline instant."""

from __future__ import annotations

import datetime as dt

from engine.deadlines import parse_deadline
from engine.errors import InvalidInput
from engine.timeutil import end_of_local_day, local_date, parse_instant

USABLE_KINDS = {"date", "month", "quarter", "half_year", "year", "event_date", "event_month"}


def parse_requested_deadline(text: str, now: dt.datetime, tz: str | None = None) -> dt.datetime:
    """The end of the local day the text names, on or after today; InvalidInput if it names none."""
    text = " ".join(text.split())
    today = local_date(now, tz)
    try:  # an exact date or date-time (30/06/2024, 2024-06-30 14:00) reads as everywhere else
        exact = parse_instant(text, tz)
    except InvalidInput:
        exact = None
    if exact is not None:
        day, instant = local_date(exact, tz), exact
    else:
        found = None
        # The notice parser wants a lead-in word ("trước 30/6"); a bare date gets one.
        for candidate in (text, f"trước {text}", f"trước ngày {text}"):
            found = parse_deadline(candidate, today)
            if found is not None and found.date is not None and found.kind in USABLE_KINDS:
                break
            found = None
        if found is None or found.date is None:
            raise InvalidInput(f"Không hiểu ngày “{text}”. Vui lòng nhập theo dạng 30/6/2024, 30/6 "
                               f"hoặc “cuối tháng 6”.")
        day, instant = found.date, end_of_local_day(found.date, tz, found.time)
    if day < today:
        raise InvalidInput(f"Ngày {day.day}/{day.month}/{day.year} đã qua. Vui lòng nhập một ngày sau hôm nay.")
    return instant
