"""Reading what people type: ids, dates as dd/mm/yyyy, the filters of a list; errors in Vietnamese."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from engine.datetext import parse_requested_deadline
from engine.errors import InvalidInput
from engine.queries import DirectiveFilter

_DAY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
FILTER_FIELDS = ("state", "bucket", "agency", "leader", "supervisor", "notice", "from", "to",
                 "assigned_from", "assigned_to", "q")


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return " ".join(value.split()) if isinstance(value, str) else ""


def optional_id(form: Mapping[str, Any], name: str, what: str) -> int | None:
    raw = text(form, name)
    if not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput(f"{what} không hợp lệ.")
    return int(raw)


def day(raw: str, what: str) -> dt.date | None:
    """A calendar day typed as dd/mm/yyyy (or ISO from a date picker); None when empty."""
    if not raw.strip():
        return None
    m = _DAY.match(raw)
    parts = (int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None
    if parts is None and (iso := _ISO.match(raw)):
        parts = (int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    if parts is None:
        raise InvalidInput(f"{what}: “{raw.strip()}” không đúng dạng ngày/tháng/năm (ví dụ 30/06/2024).")
    try:
        return dt.date(*parts)
    except ValueError:
        raise InvalidInput(f"{what}: ngày {raw.strip()} không tồn tại.") from None


def deadline(raw: str, now: dt.datetime) -> dt.datetime:
    """A new deadline typed by the office, read by the engine's parser (30/6/2024, 30/6, cuối tháng 6)."""
    if not raw.strip():
        raise InvalidInput("Vui lòng nhập hạn mới (ví dụ 30/06/2024).")
    return parse_requested_deadline(raw, now)


def directive_filter(params: Mapping[str, Any]) -> DirectiveFilter:
    """The filter a list or dashboard URL asks for."""
    return DirectiveFilter(
        state=text(params, "state") or None, bucket=text(params, "bucket") or None,
        agency_id=optional_id(params, "agency", "Cơ quan"), leader_id=optional_id(params, "leader", "Người chủ trì"),
        supervisor_id=optional_id(params, "supervisor", "Lãnh đạo phụ trách"),
        notice_id=optional_id(params, "notice", "Thông báo"),
        deadline_from=day(text(params, "from"), "Hạn từ ngày"), deadline_to=day(text(params, "to"), "Hạn đến ngày"),
        assigned_from=day(text(params, "assigned_from"), "Giao từ ngày"),
        assigned_to=day(text(params, "assigned_to"), "Giao đến ngày"),
        q=text(params, "q"),
    )


def filter_query(params: Mapping[str, Any], **override: Any) -> str:
    """The filter part of a URL, with some values replaced (paging links, export buttons)."""
    values = {k: text(params, k) for k in FILTER_FIELDS}
    values.update({k: "" if v is None else str(v) for k, v in override.items()})
    return urlencode({k: v for k, v in values.items() if v})
