"""Render a Notification into Vietnamese text and inline buttons; pure, shared by every notifier."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.labels import MESSAGE_KIND_LABELS
from engine.notify import Notification
from engine.text import safe_text
from notifiers.vi import days_left_phrase, long_date, nfc, short_date, state_phrase, time_hm

LIMIT = 4096  # Telegram's maximum message length
Button = tuple[str, str]
ACK, REPORT, EXTEND, SNOOZE = ("✅ Đã nhận", "ack"), ("📝 Báo cáo kết quả", "report"), \
    ("⏳ Xin gia hạn", "extend"), ("🔔 Nhắc lại sau", "snooze")
APPROVE, DENY = ("Duyệt", "approve"), ("Từ chối", "deny")
ACCEPT, RETURN = ("✅ Chấp nhận", "accept"), ("↩️ Trả lại", "return")
KIND_NAMES = MESSAGE_KIND_LABELS  # one list of message kinds in words, shared with the CLI and exports


@dataclass(frozen=True)
class Rendered:
    """The message text and its buttons; `parts` splits it under Telegram's limit (buttons go on the last)."""

    text: str
    buttons: tuple[Button, ...] = ()

    @property
    def parts(self) -> tuple[str, ...]:
        return split(self.text)


def split(text: str, limit: int = LIMIT) -> tuple[str, ...]:
    """Cut text at line breaks into pieces of at most `limit` characters."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single huge line: hard cut
            parts, current = [*parts, current] if current else parts, ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return tuple(parts)


def _cut(text: str, n: int = 220) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def notice_short(d: dict[str, Any]) -> str:
    """'TB số 123/TB-UBND' or a shortened notice title."""
    if d.get("notice_number"):
        return f"TB số {d['notice_number']}"
    title = d.get("notice_title") or ""
    if title.startswith("Thông báo"):
        return "TB" + title[len("Thông báo"):]
    return title or "thông báo kết luận"


def _item(d: dict[str, Any]) -> str:
    return f"Mục {d.get('ref') or d.get('id')}, {notice_short(d)}"


def _deadline(d: dict[str, Any], days: int | None) -> str:
    if not d.get("deadline"):
        return "không ghi thời hạn"
    text = long_date(d["deadline"])
    if days is not None:
        text += f" ({days_left_phrase(days)})"
    return text


def _days(n: Notification) -> int | None:
    value = n.payload.get("days_left")
    if value is None and n.directive:
        value = n.directive.get("days_left")
    return value


def _lead_buttons(d: dict[str, Any], *extra: Button) -> tuple[Button, ...]:
    first = (ACK,) if d.get("state") == "assigned" else ()
    return (*first, REPORT, EXTEND, *extra)


def _assigned(n: Notification, d: dict[str, Any]) -> Rendered:
    lines = ["📌 Nhiệm vụ mới", f"{d.get('notice_title') or notice_short(d)} — mục {d.get('ref')}"]
    coords = ", ".join(d.get("coordinators") or [])
    lines.append(f"Chủ trì: {d.get('lead')}" + (f" · Phối hợp: {coords}" if coords else ""))
    lines.append(f"Nội dung: {_cut(d.get('task', ''), 400)}")
    tail = f" — {d['deadline_text']}" if d.get("deadline_text") else ""
    lines.append(f"Thời hạn: {_deadline(d, _days(n))}{tail}")
    return Rendered("\n".join(lines), (ACK, REPORT, EXTEND, SNOOZE))


def _coordinator(n: Notification, d: dict[str, Any]) -> Rendered:
    who = n.recipient.agency or n.recipient.name
    deadline = f"\nThời hạn: {short_date(d['deadline'])}" if d.get("deadline") else ""
    return Rendered(f"ℹ️ Đơn vị phối hợp: {who}\n{_item(d)} — {d.get('lead')} chủ trì\n"
                    f"Nội dung: {_cut(d.get('task', ''))}{deadline}")


def _status(d: dict[str, Any]) -> str:
    text = f"Trạng thái: {state_phrase(d.get('state', ''))}"
    if d.get("acknowledged_at"):
        text += f" (đã nhận ngày {short_date(d['acknowledged_at'])})"
    return text


def _reminder(n: Notification, d: dict[str, Any]) -> Rendered:
    days = _days(n) or 0
    head = f"⏰ Còn {days} ngày làm việc — hạn {long_date(d['deadline'])}"
    return Rendered(f"{head}\n{_item(d)} · {d.get('lead')} chủ trì\n{_status(d)}", _lead_buttons(d, SNOOZE))


def _due_today(n: Notification, d: dict[str, Any]) -> Rendered:
    on = n.payload.get("on")
    if on and d.get("deadline_date") and on != d["deadline_date"]:
        head = f"📅 Hạn {long_date(d['deadline'])} là ngày nghỉ: hôm nay là ngày làm việc cuối cùng trước hạn"
    else:
        head = f"📅 Hôm nay đến hạn — {long_date(d['deadline'])}"
    body = f"{_item(d)} · {d.get('lead')} chủ trì\nNội dung: {_cut(d.get('task', ''))}\n{_status(d)}"
    return Rendered(f"{head}\n{body}", _lead_buttons(d))


def _overdue_body(d: dict[str, Any]) -> str:
    return (f"{_item(d)}\nChủ trì: {d.get('lead')}\n"
            f"Nội dung: {_cut(d.get('task', ''))} — hạn {short_date(d['deadline'])}")


def _overdue(n: Notification, d: dict[str, Any]) -> Rendered:
    days = max(-(_days(n) or 0), n.payload.get("overdue_days") or 0, 1)
    return Rendered(f"🔴 Quá hạn {days} ngày làm việc\n{_overdue_body(d)}", _lead_buttons(d))


def _escalation(n: Notification, d: dict[str, Any]) -> Rendered:
    days = max(-(_days(n) or 0), n.payload.get("overdue_days") or 0, 1)
    ack = (f"Đơn vị đã nhận nhiệm vụ ngày {short_date(d['acknowledged_at'])}" if d.get("acknowledged_at")
           else "Đơn vị chưa xác nhận đã nhận nhiệm vụ")
    return Rendered(f"⚠️ Báo cáo Lãnh đạo UBND tỉnh: nhiệm vụ quá hạn {days} ngày làm việc\n"
                    f"{_overdue_body(d)}\n{ack}; chưa báo cáo kết quả.")


def _nudge(n: Notification, d: dict[str, Any]) -> Rendered:
    since = f" từ ngày {short_date(d['assigned_at'])}" if d.get("assigned_at") else ""
    return Rendered(f"🔔 Nhắc việc (nhiệm vụ không thời hạn)\n{_item(d)} · {d.get('lead')} chủ trì\n"
                    f"Nội dung: {_cut(d.get('task', ''))}\n"
                    f"Đã giao{since}; đề nghị cập nhật kết quả thực hiện.",
                    _lead_buttons(d, SNOOZE))


def _report_submitted(n: Notification, d: dict[str, Any]) -> Rendered:
    lines = [f"📝 {d.get('lead')} đã báo cáo kết quả — {_item(d)}"]
    if n.payload.get("text"):
        lines.append(f"Nội dung báo cáo: {_cut(n.payload['text'], 1500)}")
    if n.payload.get("attachment"):
        lines.append(f"Tệp đính kèm: {n.payload['attachment'].get('name', 'tệp')}")
    if d.get("deadline"):
        lines.append(f"Thời hạn: {short_date(d['deadline'])}")
    return Rendered("\n".join(lines), (ACCEPT, RETURN))


def _report_accepted(n: Notification, d: dict[str, Any]) -> Rendered:
    note = f"\nGhi chú: {n.payload['note']}" if n.payload.get("note") else ""
    return Rendered(f"✅ Văn phòng UBND tỉnh đã xác nhận hoàn thành — {_item(d)}{note}")


def _report_returned(n: Notification, d: dict[str, Any]) -> Rendered:
    reason = n.payload.get("reason") or "không ghi lý do"
    return Rendered(f"↩️ Báo cáo được trả lại để bổ sung — {_item(d)}\nLý do: {reason}\n"
                    f"Thời hạn: {_deadline(d, _days(n))}", (REPORT, EXTEND))


def _extension_requested(n: Notification, d: dict[str, Any]) -> Rendered:
    new = n.payload.get("new_deadline")
    return Rendered(f"⏳ {d.get('lead')} xin gia hạn — {_item(d)}\nHạn hiện tại: {_deadline(d, None)}\n"
                    f"Đề nghị hạn mới: {long_date(new) if new else '?'}\n"
                    f"Lý do: {n.payload.get('reason') or 'không ghi'}", (APPROVE, DENY))


def _extension_granted(n: Notification, d: dict[str, Any]) -> Rendered:
    new = n.payload.get("new_deadline") or d.get("deadline")
    return Rendered(f"✅ Đã được gia hạn — {_item(d)}\nHạn mới: {long_date(new)}", (REPORT,))


def _extension_denied(n: Notification, d: dict[str, Any]) -> Rendered:
    return Rendered(f"❌ Đề nghị gia hạn không được chấp thuận — {_item(d)}\n"
                    f"Lý do: {n.payload.get('reason') or 'không ghi'}\nHạn vẫn là: {_deadline(d, _days(n))}",
                    (REPORT,))


def _cancelled(n: Notification, d: dict[str, Any]) -> Rendered:
    reason = f"\nLý do: {n.payload['reason']}" if n.payload.get("reason") else ""
    return Rendered(f"🚫 Nhiệm vụ đã được hủy — {_item(d)}\nNội dung: {_cut(d.get('task', ''))}{reason}")


def _binding_locked(n: Notification) -> Rendered:
    p = n.payload
    who = f" ({p['who']})" if p.get("who") else ""
    until = p.get("locked_until")
    when = f" đến {time_hm(until)} {short_date(until)}" if until else ""
    return Rendered(f"🔒 Tài khoản Telegram {p.get('chat_id')}{who} đã nhập sai mã liên kết {p.get('failures')} lần "
                    f"và bị tạm khóa liên kết{when}. Nếu đây không phải người được mời, có thể có người đang dò mã.")


def _delivery_failed(n: Notification, d: dict[str, Any] | None) -> Rendered:
    p = n.payload
    kind = KIND_NAMES.get(p.get("failed_kind", ""), p.get("failed_kind", ""))
    about = f" — {_item(d)}" if d else ""
    tail = ("Đã đánh dấu không liên lạc được; đề nghị liên hệ trực tiếp và liên kết lại Telegram."
            if p.get("permanent") else f"Đã thử {p.get('attempts', '?')} lần, không gửi được.")
    return Rendered(f"⚠️ Không gửi được tin ({kind}) tới {p.get('person_name') or 'người nhận'}{about}\n"
                    f"Lỗi: {p.get('error', '')}\n{tail}")


def _login_link(n: Notification) -> Rendered:
    url = n.payload.get("url")
    if not url:  # redeemed before it was sent: the link is spent
        return Rendered("🔐 Đường liên kết đăng nhập này đã được sử dụng.")
    until = f" (đến {time_hm(n.payload['expires_at'])})" if n.payload.get("expires_at") else ""
    return Rendered(f"🔐 Đường liên kết đăng nhập dondoc — dùng một lần, hiệu lực 15 phút{until}:\n{url}\n"
                    f"Nếu anh/chị không yêu cầu đăng nhập, vui lòng bỏ qua tin nhắn này.")


Renderer = Callable[[Notification], Rendered]


def _with_directive(fn: Callable[[Notification, dict[str, Any]], Rendered]) -> Renderer:
    return lambda n: fn(n, n.directive or {})


RENDERERS: dict[str, Renderer] = {
    "assigned": _with_directive(_assigned),
    "binding_locked": _binding_locked,
    "coordinator_info": _with_directive(_coordinator),
    "reminder": _with_directive(_reminder),
    "due_today": _with_directive(_due_today),
    "overdue": _with_directive(_overdue),
    "escalation": _with_directive(_escalation),
    "nudge": _with_directive(_nudge),
    "report_submitted": _with_directive(_report_submitted),
    "report_accepted": _with_directive(_report_accepted),
    "report_returned": _with_directive(_report_returned),
    "extension_requested": _with_directive(_extension_requested),
    "extension_granted": _with_directive(_extension_granted),
    "extension_denied": _with_directive(_extension_denied),
    "cancelled": _with_directive(_cancelled),
    "delivery_failed": lambda n: _delivery_failed(n, n.directive),
    "login_link": _login_link,
}


def render(notification: Notification) -> Rendered:
    """The Vietnamese text (NFC) and buttons for a notification of any kind."""
    if notification.kind == "digest":
        from notifiers.digest_text import render_digest

        rendered = render_digest(notification.payload)
    else:
        renderer = RENDERERS.get(notification.kind)
        if renderer is None:
            raise ValueError(f"no message template for notification kind '{notification.kind}'")
        rendered = renderer(notification)
    return Rendered(nfc(safe_text(rendered.text)), rendered.buttons)  # stored names and tasks made inert

