"""The daily digest's text: counts by bucket, then the directives grouped the same way."""

from __future__ import annotations

from typing import Any

from notifiers.vi import days_left_phrase, long_date, short_date

HEADINGS = {
    "overdue": "🔴 Quá hạn",
    "due_soon": "🟠 Sắp đến hạn",
    "in_time": "🟢 Trong hạn",
    "reported": "✔️ Đã báo cáo, chờ xác nhận",
    "no_deadline": "⚪ Không thời hạn",
}


def _counts(counts: dict[str, int], soon: int) -> str:
    parts = []
    for key, heading in HEADINGS.items():
        label = f"{heading} (≤ {soon} ngày)" if key == "due_soon" else heading
        parts.append(f"{label}: {counts.get(key, 0)}")
    return " · ".join(parts)


def _line(n: int, item: dict[str, Any], with_lead: bool) -> str:
    task = " ".join(item["task"].split())
    task = task if len(task) <= 120 else task[:119].rstrip() + "…"
    if item.get("deadline_date"):
        when = f"hạn {short_date(item['deadline_date'])}"
        if item.get("days_left") is not None and item["bucket"] != "reported":
            when += f", {days_left_phrase(item['days_left'])}"
    else:
        when = "không thời hạn"
    lead = f" [{item['lead']}]" if with_lead and item.get("lead") else ""
    return f"{n}. Mục {item['ref']}{lead} — {task} ({when})"


def render_digest(payload: dict[str, Any]) -> Any:
    """A Rendered digest; long ones are split by Rendered.parts."""
    from notifiers.messages import Rendered

    province = payload.get("scope") == "province"
    lines = [f"Tổng hợp nhiệm vụ — {long_date(payload['date'])} · {payload['title']}",
             _counts(payload["counts"], payload.get("due_soon_days", 3))]
    if province:
        lines.append("")
        lines.append("Theo đơn vị chủ trì (quá hạn / sắp đến hạn / trong hạn / chờ xác nhận / "
                     "không thời hạn):")
        for row in payload.get("agencies", []):
            lines.append(f"• {row['name']}: {row['overdue']} / {row['due_soon']} / {row['in_time']} / "
                         f"{row['reported']} / {row['no_deadline']}")
    current = None
    for n, item in enumerate(payload.get("items", []), start=1):
        if item["bucket"] != current:
            current = item["bucket"]
            lines.append("")
            lines.append(f"{HEADINGS[current]}:")
        lines.append(_line(n, item, province))
    unreached = payload.get("unreached") or []
    if province and unreached:
        lines.append("")
        lines.append(f"⚠️ Không có ai trong danh bạ nhận thông báo ({len(unreached)}) — đề nghị bổ sung người nhận:")
        lines += [_line(n, item, True) for n, item in enumerate(unreached, start=1)]
    lines.append("")
    lines.append("/nhiemvu để xem và cập nhật" if not province else "/quahan để xem danh sách quá hạn")
    return Rendered("\n".join(lines))
