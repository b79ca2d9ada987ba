"""A directive's events told in words: who did what, when, and what they wrote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.models import DirectiveEvent, Person
from notifiers.messages import KIND_NAMES
from web.core import fmt_day, fmt_time

_FIELDS = {"task": "nội dung", "lead": "chủ trì", "lead_agency_id": None, "leader_id": None,
           "coordinators": "phối hợp", "deadline": "thời hạn", "deadline_text": None, "deadline_kind": None,
           "report_to": "nơi báo cáo", "recurrence": "định kỳ", "ref": "số mục"}


@dataclass
class Entry:
    seq: int
    when: str
    who: str
    what: str
    detail: str = ""
    attachment: dict[str, Any] | None = None
    tone: str = ""


def _who(event: DirectiveEvent, people: dict[int | None, Person]) -> str:
    person = people.get(event.actor_id)
    if person is None:
        return "Hệ thống" if event.actor == "system" else event.actor
    return f"{person.name}" + (f" ({person.title})" if person.title else "")


def describe(event: DirectiveEvent, people: dict[Any, Person]) -> Entry:
    """One event as a line of the timeline."""
    p = event.payload or {}
    e = Entry(event.seq, fmt_time(event.at), _who(event, people), event.type)
    match event.type:
        case "Drafted":
            e.what = "Trích xuất từ thông báo thành dự thảo"
        case "DraftEdited":
            changed = [label for k in (p.get("changes") or {}) if (label := _FIELDS.get(k))]
            e.what = "Sửa dự thảo: " + (", ".join(dict.fromkeys(changed)) or "thông tin khác")
            changes = p.get("changes") or {}
            parts = []
            if "lead" in changes:
                parts.append(f"Chủ trì: {changes['lead']}")
            if changes.get("deadline"):
                parts.append(f"Thời hạn: {fmt_day(changes['deadline'])}")
            e.detail = "; ".join(parts)
        case "Assigned":
            e.what = "Giao nhiệm vụ"
        case "Acknowledged":
            e.what, e.tone = "Xác nhận đã nhận nhiệm vụ", "good"
        case "ReportSubmitted":
            e.what, e.detail, e.attachment = "Báo cáo kết quả", p.get("text") or "", p.get("attachment")
        case "ReportAccepted":
            e.what, e.detail, e.tone = "Chấp nhận báo cáo — nhiệm vụ hoàn thành", p.get("note") or "", "good"
        case "ReportReturned":
            e.what, e.detail, e.tone = "Trả lại báo cáo để bổ sung", p.get("reason") or "", "bad"
        case "DeadlinePassed":
            e.what, e.tone = f"Quá hạn (hạn {fmt_day(p.get('deadline'))})", "bad"
        case "ExtensionRequested":
            e.what = f"Xin gia hạn đến {fmt_day(p.get('new_deadline'))}"
            e.detail = p.get("reason") or ""
        case "ExtensionGranted":
            how = "Đồng ý gia hạn" if p.get("requested") else "Đổi thời hạn"
            e.what, e.tone = f"{how} đến {fmt_day(p.get('new_deadline'))}", "good"
        case "ExtensionDenied":
            e.what, e.detail, e.tone = "Không chấp thuận gia hạn", p.get("reason") or "", "bad"
        case "ReminderSent":
            e.what = "Đã gửi tin " + KIND_NAMES.get(p.get("kind") or "", "nhắc hạn")
        case "DeliveryFailed":
            e.what, e.detail, e.tone = "Không gửi được tin nhắn", p.get("error") or "", "bad"
        case "Cancelled":
            e.what, e.detail, e.tone = "Hủy nhiệm vụ", p.get("reason") or "", "bad"
    return e
