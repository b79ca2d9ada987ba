"""Vietnamese rendering: every kind has a template, the facts are there, buttons fit the recipient."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from typing import Any

import pytest

from engine.notify import Notification, Recipient
from notifiers.console import ConsoleNotifier
from notifiers.messages import LIMIT, RENDERERS, render, split
from notifiers.vi import days_left_phrase, long_date, short_date, weekday

VIEW: dict[str, Any] = {
    "id": 7, "ref": "2",
    "task": "Hoàn thiện hồ sơ báo cáo Thường trực HĐND tỉnh cho chủ trương xây dựng Nghị quyết",
    "lead": "Sở Tài chính", "coordinators": ["Văn phòng UBND tỉnh"], "state": "in_progress", "version": 3,
    "deadline": "2024-07-31T16:59:59+00:00", "deadline_date": "2024-07-31",
    "deadline_text": "tại kỳ họp thường kỳ tháng 7/2024", "deadline_kind": "event_month",
    "acknowledged_at": "2024-04-22T02:14:00+00:00", "assigned_at": "2024-04-22T02:00:00+00:00",
    "notice_number": None, "notice_title": "Thông báo kết luận phiên họp UBND tỉnh thường kỳ tháng 4/2024",
    "notice_date": "2024-04-19", "days_left": 70,
}
LEAD = Recipient(3, "Nguyễn Văn An", "leader", 1001, "Sở Tài chính")
PAYLOADS: dict[str, dict[str, Any]] = {
    "reminder": {"days_left": 3, "step": "before:3", "on": "2024-07-26"},
    "due_today": {"days_left": 0, "step": "due", "on": "2024-07-31"},
    "overdue": {"days_left": -2, "overdue_days": 2},
    "escalation": {"days_left": -5, "overdue_days": 5},
    "report_submitted": {"text": "Đã trình dự thảo Nghị quyết", "attachment": {"name": "bao-cao.pdf"}},
    "report_returned": {"reason": "Thiếu số liệu quý II"},
    "extension_requested": {"new_deadline": "2024-08-30T16:59:59+00:00", "reason": "Chờ ý kiến Bộ Tài chính"},
    "extension_granted": {"new_deadline": "2024-08-30T16:59:59+00:00"},
    "extension_denied": {"reason": "Đã đến kỳ họp"},
    "cancelled": {"reason": "Nhiệm vụ đã được giao lại"},
    "delivery_failed": {"failed_kind": "overdue", "person_name": "Nguyễn Văn An", "error": "Forbidden",
                        "permanent": True, "attempts": 1},
    "login_link": {"url": "http://127.0.0.1:8080/dang-nhap/abc", "expires_at": "2024-04-22T02:15:00+00:00"},
    "digest": {"date": "2024-05-20", "scope": "agency", "title": "Sở Tư pháp", "due_soon_days": 3,
               "counts": {"overdue": 0, "due_soon": 1, "in_time": 2, "reported": 1, "no_deadline": 1},
               "items": [{"id": 1, "ref": "8", "task": "Dự thảo Quyết định bãi bỏ 23 Quyết định",
                          "lead": "Sở Tư pháp", "bucket": "no_deadline", "days_left": None,
                          "deadline_date": None}]},
}
KINDS = sorted({*RENDERERS, "digest"})


def note(kind: str, **over: Any) -> Notification:
    view = None if kind == "digest" else {**VIEW, **over.pop("view", {})}
    return Notification(outbox_id=1, kind=kind, recipient=over.pop("recipient", LEAD), directive=view,
                        payload=over.pop("payload", PAYLOADS.get(kind, {})))


def test_every_kind_in_the_brief_has_a_template() -> None:
    assert set(KINDS) >= {
        "assigned", "coordinator_info", "reminder", "due_today", "overdue", "escalation", "digest",
        "report_submitted", "report_accepted", "report_returned", "extension_requested", "extension_granted",
        "extension_denied", "cancelled", "delivery_failed", "nudge",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_renders_nfc_vietnamese_within_limits(kind: str) -> None:
    rendered = render(note(kind))
    assert rendered.text and unicodedata.is_normalized("NFC", rendered.text)
    assert all(len(part) <= LIMIT for part in rendered.parts)
    assert all(len(action.encode()) <= 16 for _, action in rendered.buttons)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="no message template"):
        render(note("telepathy"))


def test_assignment_carries_the_facts_and_all_four_buttons() -> None:
    rendered = render(note("assigned", view={"state": "assigned"}))
    text = rendered.text
    assert text.startswith("📌 Nhiệm vụ mới")
    assert "mục 2" in text and "Chủ trì: Sở Tài chính · Phối hợp: Văn phòng UBND tỉnh" in text
    assert "Thời hạn: thứ Tư, 31/7/2024 (còn 70 ngày làm việc) — tại kỳ họp thường kỳ tháng 7/2024" in text
    assert [a for _, a in rendered.buttons] == ["ack", "report", "extend", "snooze"]


def test_reminder_states_days_left_and_status() -> None:
    rendered = render(note("reminder"))
    assert rendered.text.splitlines()[0] == "⏰ Còn 3 ngày làm việc — hạn thứ Tư, 31/7/2024"
    assert "Trạng thái: đang thực hiện (đã nhận ngày 22/4/2024)" in rendered.text
    assert ("📝 Báo cáo kết quả", "report") in rendered.buttons
    assert ("✅ Đã nhận", "ack") not in rendered.buttons


def test_unacknowledged_reminder_offers_ack() -> None:
    assert ("✅ Đã nhận", "ack") in render(note("reminder", view={"state": "assigned"})).buttons


def test_overdue_and_escalation() -> None:
    assert render(note("overdue")).text.startswith("🔴 Quá hạn 2 ngày làm việc")
    escalation = render(note("escalation", recipient=Recipient(9, "Phan Thế Tuấn", "supervisor")))
    assert "quá hạn 5 ngày làm việc" in escalation.text and escalation.buttons == ()


def test_due_day_off_says_so() -> None:
    payload = {"days_left": 0, "step": "due", "on": "2025-08-29"}
    view = {"deadline": "2025-09-02T16:59:59+00:00", "deadline_date": "2025-09-02"}
    text = render(note("due_today", payload=payload, view=view)).text
    assert "Hạn thứ Ba, 2/9/2025 là ngày nghỉ" in text


def test_coordinators_get_no_buttons() -> None:
    vp = Recipient(4, "Lê Thị Bình", "leader", 1002, "Văn phòng UBND tỉnh")
    rendered = render(note("coordinator_info", recipient=vp))
    assert rendered.buttons == ()
    assert rendered.text.startswith("ℹ️ Đơn vị phối hợp: Văn phòng UBND tỉnh")


def test_office_buttons() -> None:
    assert [a for _, a in render(note("extension_requested")).buttons] == ["approve", "deny"]
    assert [label for label, _ in render(note("extension_requested")).buttons] == ["Duyệt", "Từ chối"]
    assert [a for _, a in render(note("report_submitted")).buttons] == ["accept", "return"]


def test_long_digest_splits_under_telegram_limit() -> None:
    items = [{"id": i, "ref": str(i), "task": "Rà soát, sửa đổi, bổ sung quy chế làm việc " * 4,
              "lead": "Sở Tư pháp", "bucket": "in_time", "days_left": 12, "deadline_date": "2024-06-28"}
             for i in range(200)]
    payload = {**PAYLOADS["digest"], "items": items}
    rendered = render(note("digest", payload=payload))
    assert len(rendered.parts) > 2
    assert all(len(p) <= LIMIT for p in rendered.parts)
    assert "\n".join(rendered.parts) == rendered.text  # nothing lost at the cuts
    assert rendered.parts[0].startswith("Tổng hợp nhiệm vụ — thứ Hai, 20/5/2024 · Sở Tư pháp")


def test_split_hard_cuts_a_huge_line() -> None:
    parts = split("a" * 10_000)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_vietnamese_dates() -> None:
    assert [weekday(dt.date(2024, 7, 29) + dt.timedelta(days=i)) for i in range(7)] == [
        "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]
    assert long_date(dt.date(2024, 7, 31)) == "thứ Tư, 31/7/2024"
    assert short_date("2024-04-30T17:30:00+00:00") == "1/5/2024"  # an instant is read in local time
    assert days_left_phrase(3) == "còn 3 ngày làm việc"
    assert days_left_phrase(0) == "hạn hôm nay"
    assert days_left_phrase(-2) == "quá hạn 2 ngày làm việc"


def test_console_notifier_prints_and_records() -> None:
    import asyncio

    out = io.StringIO()
    notifier = ConsoleNotifier(stream=out)
    delivered = asyncio.run(notifier.send(note("overdue")))
    assert delivered.message_id == 1 and notifier.kinds() == ["overdue"]
    printed = out.getvalue()
    assert "tới Nguyễn Văn An" in printed and "🔴 Quá hạn 2 ngày làm việc" in printed
    assert "[📝 Báo cáo kết quả] [⏳ Xin gia hạn]" in printed
