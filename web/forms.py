"""Reading what people type: ids, dates as dd/mm/yyyy, the filters of a list; errors in Vietnamese."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from engine.errors import InvalidInput
from engine.queries import DirectiveFilter
from engine.timeutil import local_date, parse_instant

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
    """A calendar day typed as dd/mm/yyyy (or ISO), read by the engine's one parser; None when empty."""
    if not raw.strip():
        return None
    try:
        return local_date(parse_instant(raw))
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from None


def deadline(raw: str) -> str:
    """A new deadline as typed; the command reads it with the engine's parser and refuses what is wrong."""
    if not raw.strip():
        raise InvalidInput("Vui lòng nhập hạn mới (ví dụ 30/06/2024).")
    return raw.strip()


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
