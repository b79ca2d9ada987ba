"""What the bot says in reply: binding, help, lists, prompts, results and polite refusals (Vietnamese, NFC)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from engine.errors import DondocError, InvalidInput, PermissionDenied, TransitionNotAllowed
from engine.text import looks_vietnamese, safe_text
from notifiers.messages import _cut, notice_short
from notifiers.vi import long_date, nfc, short_date, state_phrase, time_hm

UNBOUND = nfc("Tài khoản Telegram này chưa được liên kết. Vui lòng dùng đường liên kết do Văn phòng UBND tỉnh "
              "gửi để đăng ký.")
STALE = nfc("Nút này không còn hiệu lực: nhiệm vụ đã được cập nhật sau khi tin nhắn được gửi. "
            "Gõ /nhiemvu để xem trạng thái mới nhất.")
FORGED = nfc("Nút này không hợp lệ nên không được xử lý. Gõ /nhiemvu để xem nhiệm vụ của anh/chị.")
FOREIGN = nfc("Nhiệm vụ này không thuộc phạm vi của anh/chị nên không thể cập nhật. "
              "Gõ /nhiemvu để xem nhiệm vụ của mình.")
OFFICE_ONLY = nfc("Thao tác này chỉ dành cho Văn phòng UBND tỉnh.")
FAILED = nfc("Xin lỗi, hệ thống chưa xử lý được yêu cầu. Vui lòng thử lại sau ít phút.")
REPORT_PROMPT = nfc("📝 Vui lòng gửi nội dung báo cáo kết quả (tin nhắn văn bản) và/hoặc tệp đính kèm "
                    "(có thể ghi chú ở phần chú thích của tệp). Gõ /huy để hủy.")
EXTEND_DATE_PROMPT = nfc("⏳ Vui lòng nhập hạn mới đề nghị, ví dụ: 30/6/2024, 30/6 hoặc “cuối tháng 6”. "
                         "Gõ /huy để hủy.")
RETURN_PROMPT = nfc("↩️ Vui lòng nhập lý do trả lại báo cáo để đơn vị bổ sung. Gõ /huy để hủy.")
DENY_PROMPT = nfc("Vui lòng nhập lý do không chấp thuận gia hạn. Gõ /huy để hủy.")
TOO_FAST = nfc("⏳ Anh/chị thao tác quá nhanh nên các yêu cầu tiếp theo tạm thời chưa được xử lý. "
               "Vui lòng chờ một phút rồi thử lại.")
CANCELLED = nfc("Đã hủy thao tác. Gõ /nhiemvu để xem nhiệm vụ.")
NEED_TEXT = nfc("Vui lòng gửi nội dung bằng tin nhắn văn bản. Gõ /huy để hủy.")
IDLE = nfc("Gõ /nhiemvu để xem nhiệm vụ của anh/chị, hoặc /help để xem hướng dẫn.")
NO_OPEN = nfc("Hiện anh/chị không có nhiệm vụ nào đang mở.")
NO_OVERDUE = nfc("Không có nhiệm vụ quá hạn. Xin cảm ơn anh/chị.")
SNOOZE_ASK = nfc("🔔 Nhắc lại sau bao lâu?")
HELP = nfc(
    "Hướng dẫn sử dụng dondoc:\n"
    "/nhiemvu — các nhiệm vụ đang mở của anh/chị\n"
    "/quahan — các nhiệm vụ quá hạn\n"
    "/huy — hủy thao tác đang nhập\n"
    "/help — hướng dẫn này\n"
    "Trên mỗi thông báo có các nút: ✅ Đã nhận, 📝 Báo cáo kết quả, ⏳ Xin gia hạn, 🔔 Nhắc lại sau."
)
HELP_OFFICE = nfc("/tonghop — tổng hợp tình hình thực hiện toàn tỉnh")
FOOTER = "\n\n➡️ "


def _out(text: str) -> str:
    """A reply as sent: NFC, and stored names and tasks made inert (control and bidi characters shown as �)."""
    return nfc(safe_text(text))


def at(now: dt.datetime) -> str:
    """'09:14, 22/4/2024' in local time."""
    return f"{time_hm(now)}, {short_date(now)}"


def welcome(name: str, agency: str | None, office: bool) -> str:
    """The reply to a successful /start <code>."""
    where = f" ({agency})" if agency else ""
    lines = [f"✅ Liên kết thành công. Xin chào {name}{where}!",
             "Từ nay anh/chị sẽ nhận thông báo nhiệm vụ và nhắc hạn tại đây.", "", HELP]
    if office:
        lines.append(HELP_OFFICE)
    return _out("\n".join(lines))


def help_text(office: bool) -> str:
    """/help, with the office's extra command for office members."""
    return _out(HELP + ("\n" + HELP_OFFICE if office else ""))


def item(view: dict[str, Any]) -> str:
    """'mục 2'."""
    return f"mục {view.get('ref') or view.get('id')}"


RESULTS = {
    "ack": "{lead} đã nhận nhiệm vụ ({item})",
    "report": "{lead} đã báo cáo kết quả nhiệm vụ ({item})",
    "extend": "{lead} đề nghị gia hạn nhiệm vụ ({item}) đến {new}",
    "approve": "đồng ý gia hạn nhiệm vụ ({item}) đến {new}",
    "deny": "không chấp thuận gia hạn nhiệm vụ ({item})",
    "accept": "xác nhận hoàn thành nhiệm vụ ({item})",
    "return": "trả lại báo cáo nhiệm vụ ({item}) để bổ sung",
}


def result(action: str, view: dict[str, Any], now: dt.datetime, new_deadline: str | None = None) -> str:
    """'✅ Đã ghi nhận: Sở Tài chính đã nhận nhiệm vụ (mục 2) lúc 09:14, 22/4/2024.'"""
    new = short_date(new_deadline) if new_deadline else ""
    what = RESULTS[action].format(lead=view.get("lead") or "Đơn vị", item=item(view), new=new)
    return _out(f"✅ Đã ghi nhận: {what} lúc {at(now)}.")


def snoozed(when: dt.datetime) -> str:
    """The reply to a snooze choice."""
    return _out(f"🔔 Đã hẹn: sẽ nhắc lại lúc {at(when)}.")


def reason_prompt(new_deadline: dt.datetime) -> str:
    """Asked after the requested date is understood."""
    return _out(f"Hạn mới đề nghị: {long_date(new_deadline)}. Vui lòng nhập lý do xin gia hạn. Gõ /huy để hủy.")


def footer(state: str, now: dt.datetime) -> str:
    """The line appended to an alert once it has been acted on."""
    return _out(f"{FOOTER}Trạng thái: {state_phrase(state)} · cập nhật lúc {at(now)}")


def with_footer(text: str, state: str, now: dt.datetime) -> str:
    """The alert's text with its status footer replaced."""
    return text.split(FOOTER)[0] + footer(state, now)


def card(view: dict[str, Any]) -> str:
    """One directive as a card: item, lead, task, deadline, state."""
    deadline = long_date(view["deadline"]) if view.get("deadline") else "không ghi thời hạn"
    lines = [f"📌 Mục {view.get('ref') or view.get('id')}, {notice_short(view)}",
             f"Chủ trì: {view.get('lead')}", f"Nội dung: {_cut(view.get('task', ''), 400)}",
             f"Thời hạn: {deadline}", f"Trạng thái: {state_phrase(view.get('state', ''))}"]
    if view.get("pending_extension"):
        lines.append(f"Đang xin gia hạn đến {short_date(view['pending_extension']['new_deadline'])}")
    return _out("\n".join(lines))


def listing(title: str, views: Sequence[dict[str, Any]]) -> str:
    """A numbered list of directives for /nhiemvu and /quahan."""
    lines = [title]
    for n, view in enumerate(views, start=1):
        when = f"hạn {short_date(view['deadline'])}" if view.get("deadline") else "không thời hạn"
        lines.append(f"{n}. Mục {view.get('ref') or view.get('id')} — {_cut(view.get('task', ''), 90)} "
                     f"({when}; {state_phrase(view.get('state', ''))})")
    lines.append("Chọn một nhiệm vụ bên dưới để cập nhật.")
    return _out("\n".join(lines))


def summary(rows: Sequence[Any], by_agency: Sequence[Any], now: dt.datetime) -> str:
    """/tonghop: the province's counts in the official buckets, then the agencies with most overdue."""
    total = rows[0] if rows else None
    lines = [f"📊 Tổng hợp thực hiện nhiệm vụ toàn tỉnh — {long_date(now)}"]
    if total is None or not total.total:
        lines.append("Chưa có nhiệm vụ nào được giao.")
        return _out("\n".join(lines))
    lines += [f"Tổng số nhiệm vụ đã giao: {total.total}",
              f"✅ Hoàn thành đúng hạn: {total.done_on_time} · Hoàn thành quá hạn: {total.done_late}",
              f"🟢 Đang thực hiện, trong hạn: {total.open_in_time} · 🟠 Sắp đến hạn: {total.due_soon}",
              f"🔴 Quá hạn chưa hoàn thành: {total.open_overdue} · ⚪ Không thời hạn: {total.no_deadline}"]
    overdue = [r for r in by_agency if r.open_overdue][:10]
    if overdue:
        lines.append("")
        lines.append("Đơn vị có nhiệm vụ quá hạn:")
        lines += [f"• {r.name}: {r.open_overdue}" for r in overdue]
    return _out("\n".join(lines))


def not_after_current(deadline: dt.datetime) -> str:
    """A requested date that does not extend the current deadline, said before the reason is asked."""
    return _out(f"Hạn đề nghị phải sau hạn hiện tại ({short_date(deadline)}). Vui lòng nhập lại.")


def explain(exc: DondocError) -> str:
    """A polite Vietnamese reading of an engine error."""
    if isinstance(exc, PermissionDenied):
        return FOREIGN
    if isinstance(exc, TransitionNotAllowed):
        return _out(f"Nhiệm vụ hiện ở trạng thái “{state_phrase(exc.state)}” nên không thực hiện được thao tác "
                   f"này. Gõ /nhiemvu để xem trạng thái mới nhất.")
    message = str(exc)
    if isinstance(exc, InvalidInput) and "Hạn đề nghị" in message:  # the engine's date refusals, to retype
        return _out(f"{message} Vui lòng nhập lại.")
    if looks_vietnamese(message):  # the engine's messages are; anything else is not for a leader's eyes
        return _out(message)
    return FAILED
