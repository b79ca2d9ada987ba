"""Vietnamese names of the codes people read: states, events, buckets, flags, roles, kinds.

One module shared by the CLI, the exports and the web; codes stay in JSON output and in storage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

STATE_LABELS = {
    "draft": "Dự thảo",
    "assigned": "Đã giao",
    "in_progress": "Đang thực hiện",
    "reported": "Đã báo cáo, chờ xác nhận",
    "overdue": "Quá hạn",
    "done": "Hoàn thành",
    "cancelled": "Đã hủy",
}

EVENT_LABELS = {
    "Drafted": "Tạo dự thảo",
    "DraftEdited": "Sửa dự thảo",
    "Assigned": "Giao nhiệm vụ",
    "Acknowledged": "Xác nhận đã nhận",
    "ReportSubmitted": "Báo cáo kết quả",
    "ReportAccepted": "Xác nhận hoàn thành",
    "ReportReturned": "Trả lại báo cáo",
    "DeadlinePassed": "Quá hạn",
    "ExtensionRequested": "Xin gia hạn",
    "ExtensionGranted": "Gia hạn",
    "ExtensionDenied": "Không chấp thuận gia hạn",
    "ReminderSent": "Gửi nhắc việc",
    "DeliveryFailed": "Gửi tin không thành công",
    "Cancelled": "Hủy nhiệm vụ",
}

# The official buckets of the provincial reporting form, plus the two warnings shown beside them.
BUCKET_LABELS = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "open_in_time": "Chưa hoàn thành, trong hạn",
    "open_overdue": "Chưa hoàn thành, quá hạn",
    "no_deadline": "Không thời hạn",
    "due_soon": "Sắp đến hạn",
    "no_recipient": "Không có người nhận",
}

FLAG_LABELS = {
    "collective_lead": "chủ trì tập thể, cần chọn đơn vị",
    "unresolved_lead": "chủ trì chưa có trong danh bạ",
    "multi_lead": "nhiều đơn vị chủ trì",
    "split_from_multi_lead": "tách từ nhiệm vụ nhiều đơn vị chủ trì",
    "inherited_lead": "chủ trì lấy từ đề mục",
    "implicit_lead": "chủ trì không ghi rõ",
    "mid_item_subject": "chủ thể nằm giữa mục",
    "shared_deadline": "thời hạn chung của nhiều nhiệm vụ",
    "trailing_deadline": "thời hạn ghi ở cuối đoạn",
    "year_inferred": "năm của thời hạn được suy ra",
    "before_notice_date": "thời hạn trước ngày thông báo",
}

ROLE_LABELS = {
    "office": "Chuyên viên Văn phòng",
    "leader": "Lãnh đạo đơn vị",
    "focal": "Cán bộ đầu mối",
    "supervisor": "Lãnh đạo UBND tỉnh",
}

AGENCY_KIND_LABELS = {
    "so": "Sở, ngành",
    "ban": "Ban",
    "huyen": "UBND cấp huyện",
    "office": "Văn phòng",
    "leader": "Lãnh đạo tỉnh",
    "province": "Cấp tỉnh",
    "other": "Khác",
}

DEADLINE_KIND_LABELS = {
    "date": "ngày cụ thể",
    "month": "trong tháng",
    "quarter": "trong quý",
    "half_year": "trong 6 tháng",
    "year": "trong năm",
    "working_days": "số ngày làm việc",
    "event": "theo sự kiện",
    "event_date": "ngày của sự kiện",
    "event_month": "tháng của sự kiện",
    "before_event": "trước sự kiện",
    "after_event": "sau sự kiện",
    "recurring": "định kỳ",
    "none": "không thời hạn",
}

OUTBOX_STATUS_LABELS = {"pending": "chờ gửi", "sending": "đang gửi", "sent": "đã gửi", "failed": "không gửi được"}

MESSAGE_KIND_LABELS = {
    "assigned": "giao nhiệm vụ", "coordinator_info": "thông tin phối hợp", "reminder": "nhắc hạn",
    "due_today": "đến hạn", "overdue": "quá hạn", "escalation": "báo cáo quá hạn", "digest": "tổng hợp",
    "nudge": "nhắc việc", "report_submitted": "báo cáo kết quả", "report_accepted": "xác nhận hoàn thành",
    "report_returned": "trả lại báo cáo", "extension_requested": "xin gia hạn", "extension_granted": "gia hạn",
    "extension_denied": "không chấp thuận gia hạn", "cancelled": "hủy nhiệm vụ",
    "delivery_failed": "báo lỗi gửi tin", "login_link": "đường liên kết đăng nhập",
}

FIELD_LABELS = {
    "task": "nội dung", "lead": "chủ trì", "coordinators": "phối hợp", "deadline": "thời hạn",
    "deadline_text": "thời hạn (nguyên văn)", "deadline_kind": "loại thời hạn", "report_to": "báo cáo về",
    "recurrence": "định kỳ", "ref": "số mục", "lead_agency_id": "đơn vị chủ trì", "leader_id": "người chủ trì",
}


def label(labels: Mapping[str, str], code: str | None) -> str:
    """The Vietnamese label of a code; an unknown code is shown as it is (nothing is hidden)."""
    if code is None:
        return ""
    return labels.get(code, code)


def flag_label(flag: str) -> str:
    """'split_from_multi_lead:3' → 'tách từ nhiệm vụ nhiều đơn vị chủ trì (3)'."""
    name, _, arg = flag.partition(":")
    text = label(FLAG_LABELS, name)
    return f"{text} ({arg})" if arg else text


def _day(value: Any) -> str:
    """An ISO instant or date from a payload as dd/mm/yyyy in local time."""
    from engine.timeutil import local

    if not value:
        return "?"
    if isinstance(value, str) and len(value) > 10:
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return local(value).format("DD/MM/YYYY")
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d/%m/%Y")


def event_details(event_type: str, payload: Mapping[str, Any] | None) -> str:
    """What an event recorded, in words: the report, the reason, the new deadline, the fields changed."""
    p = payload or {}
    parts: list[str] = []
    match event_type:
        case "DraftEdited":
            for name, value in (p.get("changes") or {}).items():
                if name in ("lead_agency_id", "leader_id", "deadline_text", "deadline_kind"):
                    continue
                if name == "deadline":
                    value = _day(value) if value else "không thời hạn"
                elif isinstance(value, list):
                    value = "; ".join(map(str, value)) or "(không)"
                parts.append(f"{label(FIELD_LABELS, name)}: {value}")
        case "ReportSubmitted":
            if p.get("text"):
                parts.append(f"Nội dung: {p['text']}")
            if p.get("attachment"):
                parts.append(f"Tệp đính kèm: {p['attachment'].get('name', 'tệp')}")
        case "ReportAccepted":
            if p.get("note"):
                parts.append(f"Ghi chú: {p['note']}")
        case "ReportReturned" | "ExtensionDenied" | "Cancelled":
            parts.append(f"Lý do: {p.get('reason') or 'không ghi'}")
        case "DeadlinePassed":
            parts.append(f"Hạn: {_day(p.get('deadline'))}")
        case "ExtensionRequested":
            parts.append(f"Đề nghị hạn mới: {_day(p.get('new_deadline'))}")
            parts.append(f"Lý do: {p.get('reason') or 'không ghi'}")
        case "ExtensionGranted":
            how = "theo đề nghị" if p.get("requested") else "do Văn phòng đặt"
            parts.append(f"Hạn mới: {_day(p.get('new_deadline'))} ({how})")
        case "ReminderSent":
            parts.append(f"Tin {label(MESSAGE_KIND_LABELS, p.get('kind'))}")
        case "DeliveryFailed":
            parts.append(f"Lỗi: {p.get('error') or 'không rõ'}")
    return "; ".join(parts)
