"""Vietnamese working days: weekends, public holidays and announced swaps of days off."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache

# holidays names a swapped day off "Ngày nghỉ (thay cho ngày 04/05/2024)": that Saturday becomes a working day.
_SWAP = re.compile(r"thay cho ngày (\d{1,2})/(\d{1,2})/(\d{4})")


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """Days off and make-up working days the holidays package knows for a year."""
    import holidays  # imported on first use: most commands never ask the calendar

    days = holidays.country_holidays("VN", years=[year], language="vi")
    off: set[dt.date] = set()
    make_up: set[dt.date] = set()
    for day, name in days.items():
        off.add(day)
        for d, m, y in _SWAP.findall(name):
            make_up.add(dt.date(int(y), int(m), int(d)))
    return frozenset(off), frozenset(make_up)


class WorkCalendar:
    """Working-day arithmetic; extra days off and make-up working days come from configuration."""

    def __init__(
        self, extra_days_off: Iterable[dt.date] = (), extra_working_days: Iterable[dt.date] = ()
    ) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)

    def is_working_day(self, day: dt.date) -> bool:
        """True on a day public servants work."""
        off, make_up = _public_holidays(day.year)
        if day in self.extra_working_days or day in make_up:
            return True
        if day in self.extra_days_off or day in off:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, count: int) -> dt.date:
        """The day `count` working days after `start` (start itself not counted); negative goes back."""
        step = 1 if count >= 0 else -1
        remaining, day = abs(count), start
        while remaining:
            day += dt.timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself if it is a working day, else the next one."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


DEFAULT_CALENDAR = WorkCalendar()
