"""Typed dates and date-times: one parser for every driver; a date means the end of that local day."""

from __future__ import annotations

import datetime as dt

import pytest

from engine.errors import InvalidInput
from engine.timeutil import parse_instant

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-01-15", dt.datetime(2027, 1, 15, 16, 59, 59, tzinfo=UTC)),  # 23:59:59 in Hà Nội
        ("15/01/2027", dt.datetime(2027, 1, 15, 16, 59, 59, tzinfo=UTC)),
        ("15/1/2027", dt.datetime(2027, 1, 15, 16, 59, 59, tzinfo=UTC)),
        (" 15-01-2027 ", dt.datetime(2027, 1, 15, 16, 59, 59, tzinfo=UTC)),
        ("15/01/2027 14:30", dt.datetime(2027, 1, 15, 7, 30, tzinfo=UTC)),  # a date-time keeps its time
        ("15/01/2027 8h05", dt.datetime(2027, 1, 15, 1, 5, tzinfo=UTC)),
        ("2027-01-15T14:30", dt.datetime(2027, 1, 15, 7, 30, tzinfo=UTC)),
        ("2027-01-15 14:30+07:00", dt.datetime(2027, 1, 15, 7, 30, tzinfo=UTC)),
        ("2027-01-15T07:30Z", dt.datetime(2027, 1, 15, 7, 30, tzinfo=UTC)),
    ],
)
def test_typed_dates_and_times(text: str, expected: dt.datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "30/02/2024", "31/4/2024", "2024", "mai", "1/1/2024 25:00", ""])
def test_what_is_not_a_date_is_refused_in_vietnamese(text: str) -> None:
    with pytest.raises(InvalidInput, match="không phải ngày giờ hợp lệ; nhập theo dạng 30/06/2024"):
        parse_instant(text)


def test_the_bot_reads_typed_dates_with_the_same_parser() -> None:
    from engine.datetext import parse_requested_deadline

    now = dt.datetime(2024, 4, 22, 2, 0, tzinfo=UTC)
    assert parse_requested_deadline("30/06/2024 14:00", now) == dt.datetime(2024, 6, 30, 7, 0, tzinfo=UTC)
    assert parse_requested_deadline("2024-06-30", now) == dt.datetime(2024, 6, 30, 16, 59, 59, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="đã qua"):
        parse_requested_deadline("01/04/2024", now)
