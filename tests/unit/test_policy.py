"""The reminder policy file, per-directive overrides and quiet hours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.errors import InvalidInput
from engine.policy import DEFAULT_POLICY_FILE, Policy, QuietHours, load_policy, policy_for


def test_packaged_file_matches_documented_defaults() -> None:
    policy = load_policy(DEFAULT_POLICY_FILE)
    assert policy.before_days == (7, 3, 1)
    assert policy.on_the_day is True
    assert (policy.overdue_every, policy.escalate_after, policy.no_deadline_every) == (2, 5, 10)
    assert policy.quiet_hours == QuietHours(start=dt.time(21), end=dt.time(7))
    assert policy.timezone == "Asia/Ho_Chi_Minh"


def test_a_configured_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"Không có tệp quy định nhắc việc .*absent\.yaml"):
        load_policy(tmp_path / "absent.yaml")
    assert load_policy(None) == load_policy(DEFAULT_POLICY_FILE)  # no path: the packaged file


def test_announced_days_reach_the_calendar(tmp_path: Path) -> None:
    file = tmp_path / "policy.yaml"
    file.write_text("extra_days_off: [2024-05-03]\nextra_working_days: [2024-05-11]\n", encoding="utf-8")
    calendar = load_policy(file).calendar()
    assert not calendar.is_working_day(dt.date(2024, 5, 3))  # a Friday made a day off
    assert calendar.is_working_day(dt.date(2024, 5, 11))  # a Saturday made a working day


def test_bad_file_is_reported_with_its_path(tmp_path: Path) -> None:
    file = tmp_path / "policy.yaml"
    file.write_text("overdue_every: 0\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"policy\.yaml"):
        load_policy(file)


def test_directive_override_merges_over_the_default() -> None:
    base = Policy()
    merged = policy_for({"overdue_every": 1, "quiet_hours": {"start": "22:30"}}, base)
    assert merged.overdue_every == 1
    assert merged.quiet_hours == QuietHours(start=dt.time(22, 30), end=dt.time(7))
    assert merged.before_days == base.before_days
    assert policy_for(None, base) is base


def test_invalid_override_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Policy().merged({"no_such_key": 1})


@pytest.mark.parametrize(("t", "quiet"), [
    (dt.time(20, 59), False), (dt.time(21, 0), True), (dt.time(23, 59), True), (dt.time(0, 0), True),
    (dt.time(6, 59), True), (dt.time(7, 0), False), (dt.time(12, 0), False),
])
def test_quiet_window_wraps_midnight(t: dt.time, quiet: bool) -> None:
    assert QuietHours().contains(t) is quiet


def test_daytime_quiet_window() -> None:
    lunch = QuietHours(start=dt.time(11, 30), end=dt.time(13, 30))
    assert lunch.contains(dt.time(12))
    assert not lunch.contains(dt.time(13, 30)) and not lunch.contains(dt.time(9))
