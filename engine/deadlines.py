"""Deadline phrases of Vietnamese administrative documents, read against the notice date."""

from __future__ import annotations

import bisect
import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass

from engine.calendar import DEFAULT_CALENDAR, WorkCalendar

KINDS = (
    "date", "month", "quarter", "half_year", "year", "days", "working_days", "event_date",
    "event_month", "before_event", "after_event", "recurring", "none", "invalid",
)


@dataclass(frozen=True)
class Deadline:
    """A deadline phrase as written and what it resolves to."""

    text: str
    date: dt.date | None
    time: dt.time | None
    kind: str
    recurrence: str | None = None
    flags: tuple[str, ...] = ()


# --- building blocks --------------------------------------------------------------------------
_D = r"(?<![\d/.])(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"(\d{4,6})(?!\d)"  # five or six figures are a typo or a probe: read, then refused as out of range
# A deadline further than this from the notice is a typo or a probe ("năm 99999"): unreadable, for review.
MAX_YEARS = 20
# 21/4/2024, 21/4 (no year), "ngày 20 tháng 10 năm 2024", "20 tháng 10"
_DATE = (
    rf"(?:{_D}\s*[/.]\s*{_M}(?:\s*[/.]\s*{_Y})?(?![/\d])"
    rf"|{_D}\s+tháng\s+{_M}(?:\s*(?:năm|,)\s*{_Y})?)"
)
# "Thời hạn hoàn thành: …", "Thời gian thực hiện: …" introduce a deadline without a preposition.
_LABEL = r"thời\s+(?:hạn|gian)(?:\s+(?:hoàn\s+thành|thực\s+hiện|báo\s+cáo|gửi))?\s*:"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_UNTIL_BREAK = r"[^.;\n]*"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # recurring duties
    ("recurring_day", re.compile(
        rf"(?:(?:trước|chậm nhất|vào)\s+)?(?:ngày\s+)?(?:từ\s+ngày\s+\d{{1,2}}\s+đến\s+)?(?:ngày\s+)?{_D}"
        r"\s+(?:hằng|hàng)\s+(tháng|quý|năm)", re.I)),
    # "trước ngày 25/12 hàng năm": the same day every year
    ("recurring_yearly", re.compile(
        r"(?:(?:trước|chậm\s+nhất|vào)\s+)?(?:ngày\s+)?(?<![\d/])(\d{1,2})\s*[/.]\s*(\d{1,2})(?![/\d])\s*,?\s+"
        r"(?:hằng|hàng|mỗi)\s+năm", re.I)),
    # "trước 15 giờ hằng ngày", "vào chiều thứ Sáu hằng tuần": a time of day or a weekday that repeats
    ("recurring_time", re.compile(
        r"(?:trước|chậm\s+nhất|vào|lúc)\s+(?:lúc\s+)?(\d{1,2})\s*(?:giờ|h)\s*(?:(\d{2})\s*(?:phút)?)?\s*,?\s*"
        r"(?:(sáng|chiều)\s+)?(?:hằng|hàng|mỗi)\s+ngày", re.I)),
    ("recurring_weekday", re.compile(
        r"(?:(?:trước|chậm\s+nhất|vào)\s+)?(?:(?:sáng|chiều)\s+)?(?:ngày\s+)?"
        r"(thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)\s+(?:hằng|hàng|mỗi)\s+tuần", re.I)),
    ("recurring", re.compile(
        r"định\s+kỳ\s*(?:(?:hằng|hàng|mỗi)\s+(ngày|tuần|tháng|quý|năm)|(6|sáu)\s+tháng(?:\s*(?:,|và)\s*(?:hằng|hàng)\s+năm)?"
        r"|(?:từ\s+ngày\s+\d{1,2}\s+đến\s+)?(?:ngày\s+)?(\d{1,2})\s+(?:hằng|hàng)\s+(tháng))", re.I)),
    # a window: its end is the deadline
    ("window", re.compile(
        rf"(?:trong\s+tuần\s+)?từ\s+ngày\s+\d{{1,2}}(?:\s*[/.]\s*\d{{1,2}})?(?:\s+tháng\s+\d{{1,2}})?\s+"
        rf"(?:đến|tới)\s+(?:hết\s+)?ngày\s+{_DATE}", re.I)),
    # a time of day
    ("time", re.compile(
        rf"(?:trước|chậm nhất|vào)\s+(?:lúc\s+)?(\d{{1,2}})\s*(?:giờ|h)\s*(?:(\d{{2}})\s*(?:phút)?)?\s*,?\s*"
        rf"(?:(sáng|chiều)\s+)?(?:ngày\s+)?{_DATE}", re.I)),
    ("bare_time", re.compile(
        rf"(?<!\w)(\d{{1,2}})\s*(?:giờ|h)\s*(?:(\d{{2}})\s*(?:phút)?)?\s*,?\s*(?:(sáng|chiều)\s+)?ngày\s+{_DATE}",
        re.I)),
    ("halfday", re.compile(rf"(?:trước\s+|vào\s+)?(sáng|chiều|trưa)\s+ngày\s+{_DATE}", re.I)),
    # events
    ("event", re.compile(
        rf"(?:tại|trình|vào|tới)\s+(?:[^\s.;]+\s+){{0,8}}?(?:kỳ|phiên)\s+họp{_UNTIL_BREAK}?"
        rf"(?:ngày\s+{_DATE}|tháng\s+{_M}\s*(?:/|năm)\s*{_Y})", re.I)),
    # "tại phiên họp định kỳ tháng 8/2026", "định kỳ tháng 8/2026": one edition of a periodic meeting
    ("edition", re.compile(
        rf"(?:(?:tại|trình|vào|tới|trong)\s+(?:[^\s.;]+\s+){{0,6}}?(?:định\s+kỳ|thường\s+kỳ)|định\s+kỳ)\s+tháng\s+{_M}"
        rf"\s*(?:/|năm)\s*{_Y}", re.I)),
    # "trong dịp 19 tháng 12", "nhân dịp kỷ niệm … (19/12)": an occasion on a named day
    ("occasion", re.compile(
        rf"(?:(?:trong|vào|trước|nhân)\s+)?dịp\s+(?:[^\d.;()\n]{{0,60}}?\s)?\(?(?:ngày\s+)?{_DATE}\)?", re.I)),
    ("holiday", re.compile(
        r"(?:trong|vào|trước)\s+(?:dịp|kỳ|đợt)\s+(?:nghỉ\s+)?(?:lễ|tết)[^.;()\n]{0,80}?\(\s*(\d{1,2})\s*/\s*(\d{1,2})"
        r"(?:\s*/\s*(\d{4}))?\s*\)(?:\s*[;,]\s*[^.;()\n]{0,60}?\(\s*\d{1,2}\s*/\s*\d{1,2}(?:\s*/\s*\d{4})?\s*\))*",
        re.I)),
    # exact days
    ("date", re.compile(
        rf"(?:(?:hoàn thành|xong)\s+)?(?:trước|chậm nhất(?:\s+là)?|vào|đến|tới|hạn\s+(?:chót|cuối)|trong|{_LABEL})"
        rf"\s*(?:ngày\s+)?{_DATE}", re.I)),
    # months, quarters, halves, years
    ("month", re.compile(
        rf"(?:(?:hoàn thành|xong)\s+)?(trong|cuối|giữa|đầu|sang|hết|đến hết|trước|ngay trong|{_LABEL})\s*tháng\s+{_M}"
        rf"(?:\s*(?:/|năm)\s*{_Y})?(?![/\d])", re.I)),
    ("quarter", re.compile(
        rf"(?:(?:hoàn thành|xong)\s+)?(?:trong|cuối|hết|đến hết|trước hết|ngay trong|{_LABEL})?\s*quý\s+"
        rf"(IV|III|II|I|[1-4])\b"
        rf"(?:\s*(?:/|năm)\s*{_Y})?", re.I)),
    ("half_year", re.compile(rf"(?:trong\s+)?(?:6|sáu)\s+tháng\s+(đầu|cuối)\s+năm(?:\s+{_Y})?", re.I)),
    ("year", re.compile(
        rf"(?:(?:hoàn thành|xong)\s+)?(?:trong|đến hết|hết|cuối|ngay trong)\s+năm\s+{_Y}(?!\s*[-–]\s*\d)", re.I)),
    # "thông xe kỹ thuật năm 2025", "hoàn thành năm 2025": a completion in a bare year
    ("done_year", re.compile(
        rf"(?:hoàn thành|xong|thông xe|khánh thành|về đích|đưa vào (?:sử dụng|khai thác|vận hành|hoạt động))"
        rf"(?:\s+[^\s\d.;,]+){{0,3}}\s+(?:vào\s+|trong\s+)?năm\s+{_Y}(?!\s*[-–]\s*\d)", re.I)),
    # "trong 15 ngày làm việc kể từ ngày ký": counted from the notice; "… kể từ khi bão tan": from an event
    ("days", re.compile(
        r"trong\s+(?:vòng|thời\s+hạn|thời\s+gian)?\s*(\d{1,3})\s+ngày(\s+làm\s+việc)?"
        r"(?:\s*,?\s*(?:kể\s+từ|tính\s+từ|từ\s+khi|sau\s+khi|sau)\s+([^.;,\n]{1,80}))?", re.I)),
    # "trước khi trình …", "trước ngày khai giảng …": before an event that has no date yet
    ("before_event", re.compile(r"trước\s+(?:khi|ngày\s+(?=[^\W\d]))[^.;\n]+", re.I)),
    ("urgent", re.compile(r"khẩn\s+trương|nhanh\s+chóng|ngay\s+lập\s+tức|kịp\s+thời", re.I)),
]
_PRIORITY = {
    "time": 10, "halfday": 10, "recurring_yearly": 10, "window": 9, "date": 9, "bare_time": 8, "event": 8,
    "edition": 8, "occasion": 7, "holiday": 7, "month": 6, "quarter": 5, "half_year": 5, "year": 4, "done_year": 4,
    "days": 4, "recurring_day": 3, "recurring": 3, "recurring_time": 3, "recurring_weekday": 3,
    "before_event": 2, "urgent": 0,
}
# Phrases that look like deadlines but name a period or a meeting being described.
_PERIOD_AFTER = re.compile(
    r"\s*(?:và\s+(?:thời\s+gian|những\s+tháng|các\s+tháng)\s+tiếp|và\s+thời\s+gian\s+tới|trở\s+đi)")
_CONTEXT_BEFORE = re.compile(
    r"(?:dự\s+kiến(?:\s+tổ\s+chức)?|tổ\s+chức|diễn\s+ra|khai\s+mạc|Nghị\s+quyết|Kết\s+luận|Thông\s+báo)"
    r"\s*\(?\s*$", re.I)
# The count of days runs from the notice itself ("kể từ ngày ký", "… ngày nhận được Thông báo này").
_FROM_NOTICE = re.compile(
    r"(?:ngày\s+)?(?:(?:ký|ban\s+hành|phát\s+hành)(?:\s+(?:văn\s+bản|thông\s+báo|công\s+văn|kết\s+luận|chỉ\s+thị)"
    r"(?:\s+này)?)?|nhận\s+được\s+(?:văn\s+bản|thông\s+báo|công\s+văn|kết\s+luận|chỉ\s+thị)\s+này)\s*$", re.I)
_WEEKDAYS = {"hai": "mon", "2": "mon", "ba": "tue", "3": "tue", "tư": "wed", "4": "wed", "năm": "thu", "5": "thu",
             "sáu": "fri", "6": "fri", "bảy": "sat", "7": "sat"}
_HALF_CONTEXT = re.compile(
    r"(?:tình\s+hình|kết\s+quả|sơ\s+kết|tổng\s+kết|tháng\s+\d+\s+và)(?:\s+[^\s\d.;,]+){0,3}\s+$", re.I)
# "từ nay đến hết năm 2025", "Từ nay đến ngày 19/12/2025": a working period, not a deadline
_PERIOD_BEFORE = re.compile(r"(?:từ\s+nay|từ\s+bây\s+giờ|từ\s+đầu\s+năm)\s*(?:cho\s+)?$", re.I)
# "Hồi 16h ngày 26/11/2025, tâm bão …": a moment being reported
_MOMENT_BEFORE = re.compile(r"(?:hồi|từ|đến|lúc|khoảng)\s*$", re.I)


_MAYBE = re.compile(r"\d|khi|ngày|hằng|hàng|mỗi|định\s+kỳ|quý|sáu|khẩn|nhanh|kịp|ngay|tuần|tháng|năm", re.I)


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, _cal.monthrange(year, month)[1])


def _date_parts(groups: tuple[str | None, ...]) -> tuple[int, int, int | None]:
    """Day, month and optional year from the six groups of _DATE (figures or words)."""
    d1, m1, y1, d2, m2, y2 = groups
    if d1 is not None:
        return int(d1), int(m1), int(y1) if y1 else None
    return int(d2), int(m2), int(y2) if y2 else None


def _resolve_day(day: int, month: int, year: int | None, anchor: dt.date) -> tuple[dt.date | None, list[str]]:
    """A real date or None; without a year, the first such day on or after the anchor."""
    flags: list[str] = []
    if year is None:
        flags.append("year_inferred")
        year = anchor.year
        try:
            if dt.date(year, month, day) < anchor:
                year += 1
        except ValueError:
            return None, [*flags, "invalid_date"]
    try:
        return dt.date(year, month, day), flags
    except ValueError:
        return None, [*flags, "invalid_date"]


def _resolve_month(month: int, year: int | None, anchor: dt.date) -> tuple[int, int]:
    if year is None:
        year = anchor.year if month >= anchor.month else anchor.year + 1
    return year, month


def _interpret(
    name: str, m: re.Match[str], anchor: dt.date, cal: WorkCalendar
) -> tuple[dt.date | None, dt.time | None, str, str | None, list[str]] | None:
    """What one matched pattern means; None when it is not a deadline after all."""
    g = m.groups()
    if name == "recurring_day":
        unit = {"tháng": "monthly", "quý": "quarterly", "năm": "yearly"}[g[1].lower()]
        return None, None, "recurring", f"{unit}:day={int(g[0])}", []
    if name == "recurring_yearly":
        day, month = int(g[0]), int(g[1])
        if not (1 <= month <= 12 and 1 <= day <= _cal.monthrange(2024, month)[1]):
            return None, None, "invalid", None, ["invalid_date"]
        return None, None, "recurring", f"yearly:date={month:02d}-{day:02d}", []
    if name == "edition":
        if not 1 <= int(g[0]) <= 12:
            return None
        year, month = _resolve_month(int(g[0]), int(g[1]), anchor)
        return _last_day(year, month), None, "event_month", None, []
    if name == "occasion":
        day, month, year = _date_parts(g[-6:])
        when, flags = _resolve_day(day, month, year, anchor)
        return when, None, "event_date" if when else "invalid", None, flags
    if name == "recurring_time":
        afternoon = (g[2] or "").lower() == "chiều" and int(g[0]) < 12
        hour, minute = int(g[0]) + (12 if afternoon else 0), int(g[1] or 0)
        return None, None, "recurring", f"daily:time={hour:02d}:{minute:02d}", []
    if name == "recurring_weekday":
        word = g[0].lower().split()[-1]
        return None, None, "recurring", f"weekly:day={_WEEKDAYS.get(word, 'sun')}", []
    if name == "recurring":
        if g[0]:
            units = {"ngày": "daily", "tuần": "weekly", "tháng": "monthly", "quý": "quarterly", "năm": "yearly"}
            unit = units[g[0].lower()]
            return None, None, "recurring", unit, []
        if g[1]:
            return None, None, "recurring", "half-yearly", []
        return None, None, "recurring", f"monthly:day={int(g[2])}", []
    if name in ("date", "window"):
        day, month, year = _date_parts(g[-6:])
        when, flags = _resolve_day(day, month, year, anchor)
        return when, None, "date" if when else "invalid", None, flags
    if name in ("time", "bare_time"):
        day, month, year = _date_parts(g[3:9])
        when, flags = _resolve_day(day, month, year, anchor)
        hour, minute = int(g[0]), int(g[1] or 0)
        if (g[2] or "").lower() == "chiều" and hour < 12:
            hour += 12
        at = dt.time(hour, minute) if hour < 24 and minute < 60 else None
        return when, at if when else None, "date" if when else "invalid", None, flags
    if name == "halfday":
        day, month, year = _date_parts(g[1:7])
        when, flags = _resolve_day(day, month, year, anchor)
        at = dt.time(12, 0) if g[0].lower() in ("sáng", "trưa") else dt.time(17, 0)
        return when, at if when else None, "date" if when else "invalid", None, flags
    if name == "event":
        if g[6] is not None:
            year, month = _resolve_month(int(g[6]), int(g[7]), anchor)
            return _last_day(year, month), None, "event_month", None, []
        day, month, year = _date_parts(g[:6])
        when, flags = _resolve_day(day, month, year, anchor)
        return when, None, "event_date" if when else "invalid", None, flags
    if name == "holiday":
        when, flags = _resolve_day(int(g[0]), int(g[1]), int(g[2]) if g[2] else None, anchor)
        return when, None, "event_date" if when else "invalid", None, flags
    if name == "month":
        if not 1 <= int(g[1]) <= 12:
            return None
        year, month = _resolve_month(int(g[1]), int(g[2]) if g[2] else None, anchor)
        word = g[0].lower()
        day = 15 if word == "giữa" else 10 if word == "đầu" else _cal.monthrange(year, month)[1]
        flags = ["approximate"] if word == "đầu" else []
        return dt.date(year, month, day), None, "month", None, flags
    if name == "quarter":
        q = _ROMAN[g[0].lower()]
        year = int(g[1]) if g[1] else anchor.year
        return _last_day(year, q * 3), None, "quarter", None, []
    if name == "half_year":
        year = int(g[1]) if g[1] else anchor.year
        return _last_day(year, 6 if g[0].lower() == "đầu" else 12), None, "half_year", None, []
    if name in ("year", "done_year"):
        return dt.date(int(g[0]), 12, 31), None, "year", None, []
    if name == "days":
        count = int(g[0])
        if g[2] and not _FROM_NOTICE.match(g[2].strip()):
            return None, None, "after_event", None, ["needs_date"]
        if g[1]:
            return cal.add_working_days(anchor, count), None, "working_days", None, []
        return anchor + dt.timedelta(days=count), None, "days", None, []
    if name == "before_event":
        return None, None, "before_event", None, ["needs_date"]
    return None, None, "none", None, ["urgent"]


def _is_context(name: str, text: str, m: re.Match[str]) -> bool:
    """True when the phrase describes a period or a meeting instead of setting a deadline."""
    before, after = text[max(0, m.start() - 40):m.start()], text[m.end():m.end() + 40]
    if name in ("month", "year", "quarter", "half_year") and _PERIOD_AFTER.match(after):
        return True
    if name in ("month", "date", "quarter", "edition") and _CONTEXT_BEFORE.search(before):
        return True
    if name in ("date", "year", "month") and _PERIOD_BEFORE.search(before):
        return True
    if name == "bare_time" and _MOMENT_BEFORE.search(before):
        return True
    return name == "half_year" and bool(_HALF_CONTEXT.search(before))


def find_deadlines(
    text: str, anchor: dt.date, calendar: WorkCalendar | None = None, *, max_years: int | None = MAX_YEARS,
) -> list[tuple[int, Deadline]]:
    """Every deadline phrase in `text` with its offset, overlapping weaker matches removed.

    A date more than `max_years` from the anchor is refused as unreadable (kind "invalid", flag invalid_date);
    pass None when the anchor is only a stand-in for an unknown notice date.
    """
    cal = calendar or DEFAULT_CALENDAR
    if not _MAYBE.search(text):
        return []  # no figure and no word any pattern needs: most clauses, skipped cheaply
    found: list[tuple[int, int, int, Deadline]] = []
    for name, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if _is_context(name, text, m):
                continue
            try:
                meaning = _interpret(name, m, anchor, cal)
            except (ValueError, OverflowError):  # a year no calendar holds ("năm 99999")
                meaning = None, None, "invalid", None, ["invalid_date"]
            if meaning is None:
                continue
            when, at, kind, recurrence, flags = meaning
            if when is not None and max_years is not None and abs(when.year - anchor.year) > max_years:
                when, at, kind, flags = None, None, "invalid", [*flags, "invalid_date"]  # "năm 9999"
            if when is not None and when < anchor:
                flags.append("before_notice_date")
            phrase = m.group(0).strip(" ,")
            if name == "event":  # "trình HĐND tỉnh tại kỳ họp …": the event starts at "tại"
                phrase = phrase[phrase.find("tại ") :] if " tại " in phrase else phrase
            deadline = Deadline(phrase, when, at, kind, recurrence, tuple(flags))
            found.append((m.start(), m.end(), _PRIORITY[name], deadline))
    kept: list[tuple[int, int, int, Deadline]] = []
    spans: list[tuple[int, int]] = []  # sorted, non-overlapping: bisect keeps this linear-logarithmic
    for item in sorted(found, key=lambda f: (-f[2], -(f[1] - f[0]), f[0])):
        i = bisect.bisect_left(spans, (item[0], item[1]))
        if (i > 0 and spans[i - 1][1] > item[0]) or (i < len(spans) and spans[i][0] < item[1]):
            continue
        spans.insert(i, (item[0], item[1]))
        kept.append(item)
    kept.sort(key=lambda f: f[0])
    return [(start, d) for start, _end, prio, d in kept if prio > 0 or len(kept) == 1]


def parse_deadline(
    text: str, anchor: dt.date, calendar: WorkCalendar | None = None, *, max_years: int | None = MAX_YEARS,
) -> Deadline | None:
    """The governing deadline phrase of a clause or sentence, or None when it sets none."""
    found = find_deadlines(text, anchor, calendar, max_years=max_years)
    if not found:
        return None
    return max(found, key=lambda f: (_rank(f[1]), -f[0]))[1]


def _rank(d: Deadline) -> int:
    return {
        "date": 10, "invalid": 10, "event_date": 8, "month": 6, "event_month": 6, "quarter": 5,
        "half_year": 5, "year": 4, "days": 4, "working_days": 4, "recurring": 3, "before_event": 2, "after_event": 2,
    }.get(d.kind, 0)
