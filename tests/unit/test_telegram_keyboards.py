"""Keyboards from rendered buttons: labels kept, data signed with the directive's version."""

from __future__ import annotations

from notifiers.messages import ACK, EXTEND, REPORT, SNOOZE
from notifiers.telegram.callbacks import verify
from notifiers.telegram.keyboards import action_keyboard, buttons_for, list_keyboard, snooze_keyboard

KEY = "test-secret"


def _flat(markup):
    return [b for row in markup.inline_keyboard for b in row]


def test_action_keyboard_two_per_row_signed_with_version() -> None:
    markup = action_keyboard((ACK, REPORT, EXTEND, SNOOZE), 17, 4, KEY)
    assert [len(row) for row in markup.inline_keyboard] == [2, 2]
    keys = _flat(markup)
    assert [k.text for k in keys] == ["✅ Đã nhận", "📝 Báo cáo kết quả", "⏳ Xin gia hạn", "🔔 Nhắc lại sau"]
    assert [verify(k.callback_data, KEY).action for k in keys] == ["ack", "report", "extend", "snooze"]
    pressed = [verify(k.callback_data, KEY) for k in keys]
    assert {(p.directive_id, p.version) for p in pressed} == {(17, 4)}


def test_no_keyboard_without_buttons_or_directive() -> None:
    assert action_keyboard((), 1, 1, KEY) is None
    assert action_keyboard((ACK,), None, 1, KEY) is None


def test_snooze_choices() -> None:
    keys = _flat(snooze_keyboard(5, 2, KEY))
    assert [k.text for k in keys] == ["⏰ 1 giờ", "🌅 8:00 sáng mai"]
    assert [verify(k.callback_data, KEY).action for k in keys] == ["snooze_1h", "snooze_tomorrow"]


def test_list_keyboard_one_per_row_and_labels_cut() -> None:
    markup = list_keyboard([(1, 2, "Mục 1 — " + "rất dài " * 20), (3, 4, "Mục 2")], KEY)
    assert [len(r) for r in markup.inline_keyboard] == [1, 1]
    assert len(markup.inline_keyboard[0][0].text) == 60
    assert verify(markup.inline_keyboard[1][0].callback_data, KEY).directive_id == 3
    assert list_keyboard([], KEY) is None


def test_buttons_follow_the_state() -> None:
    assert [a for _, a in buttons_for("assigned")] == ["ack", "report", "extend"]
    assert [a for _, a in buttons_for("in_progress")] == ["report", "extend"]
    assert [a for _, a in buttons_for("overdue", pending_extension=True)] == ["report"]
    assert buttons_for("reported") == () and buttons_for("done") == ()
    assert [a for _, a in buttons_for("reported", office=True)] == ["accept", "return"]
    assert [a for _, a in buttons_for("in_progress", office=True, pending_extension=True)] == ["approve", "deny"]
