"""`dondoc export`: what the office used to keep in spreadsheets — directives, statistics, audit trail.

Every text cell is written as text, never as a formula (a task typed as `=HYPERLINK(…)` stays words),
dates are real Excel dates shown dd/mm/yyyy, and the CSV escapes formula prefixes as OWASP advises.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.errors import InvalidInput
from engine.labels import BUCKET_LABELS, EVENT_LABELS, STATE_LABELS, event_details, label
from engine.models import Agency, Directive, DirectiveEvent, State
from engine.notices import notice_labels
from engine.stats import BUCKETS, bucket_of, compute_stats
from engine.text import safe_text
from engine.timeutil import local

DIRECTIVE_COLUMNS = (
    ("id", "ID"), ("notice", "Số thông báo"), ("ref", "Mục"), ("task", "Nội dung"), ("lead", "Chủ trì"),
    ("coordinators", "Phối hợp"), ("deadline", "Thời hạn"), ("deadline_text", "Thời hạn (nguyên văn)"),
    ("original_deadline", "Hạn ban đầu (trước gia hạn)"), ("state", "Trạng thái"),
    ("bucket", "Tình hình thực hiện"), ("assigned_at", "Ngày giao"), ("acknowledged_at", "Ngày nhận"),
    ("reported_at", "Ngày báo cáo"), ("done_at", "Ngày hoàn thành"),
)
STATS_BUCKETS = (*BUCKETS, "due_soon", "no_recipient")
HISTORY_HEADER = ("Nhiệm vụ", "Mục", "Lần", "Sự kiện", "Người thực hiện", "Thời điểm", "Chi tiết")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WIDE = 60  # characters: long texts wrap in columns this wide
Progress = Callable[[str], None]


def _day(value: dt.datetime | None) -> dt.date | None:
    """The local calendar day of an instant (Excel has no time zones: local is what the office means)."""
    if value is None:
        return None
    day = local(value)
    return dt.date(day.year, day.month, day.day)


def _moment(value: dt.datetime) -> dt.datetime:
    """An instant as the naive local date-time Excel stores."""
    t = local(value)
    return dt.datetime(t.year, t.month, t.day, t.hour, t.minute, t.second)


def directive_rows(session: Session, now: dt.datetime, conditions: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every assigned directive (drafts and cancelled ones are not tracked) as typed Vietnamese cells."""
    notices = notice_labels(session)
    agencies = {a.id: a.name for a in session.exec(select(Agency)).all()}
    stmt = select(Directive).where(col(Directive.state).not_in((State.draft, State.cancelled)), *conditions)
    rows = []
    for d in session.exec(stmt.order_by(col(Directive.notice_id), col(Directive.id))).all():
        bucket = bucket_of(d, now)
        rows.append({
            "id": d.id, "notice": notices.get(d.notice_id, "") if d.notice_id else "", "ref": d.ref,
            "task": d.task, "lead": agencies.get(d.lead_agency_id) or d.lead or "",
            "coordinators": "; ".join(d.coordinators), "deadline": _day(d.deadline),
            "deadline_text": d.deadline_text or "", "original_deadline": _day(d.original_deadline),
            "state": label(STATE_LABELS, d.state.value), "bucket": label(BUCKET_LABELS, bucket) if bucket else "",
            "assigned_at": _day(d.assigned_at), "acknowledged_at": _day(d.acknowledged_at),
            "reported_at": _day(d.reported_at), "done_at": _day(d.done_at),
        })
    return rows


def export(session: Session, path: Path, now: dt.datetime, calendar: WorkCalendar,
           conditions: Sequence[Any] = (), progress: Progress | None = None) -> int:
    """Write directives (and, in .xlsx, statistics per agency and the audit trail); returns the row count.

    `conditions` limit every sheet to the directives they select; `progress` hears what is being done.
    """
    step = progress or (lambda message: None)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InvalidInput(f"{path.name}: chỉ xuất được ra tệp .xlsx hoặc .csv")
    if not path.parent.is_dir():
        raise InvalidInput(f"{path.parent}: thư mục không tồn tại; tạo thư mục trước hoặc chọn nơi khác")
    step("Đọc danh sách nhiệm vụ")
    rows = directive_rows(session, now, conditions)
    try:
        if suffix == ".csv":
            _write_csv(path, rows)
        else:
            _write_xlsx(session, path, now, calendar, conditions, rows, step)
    except PermissionError:
        raise InvalidInput(f"{path}: không ghi được tệp (không có quyền, hoặc tệp đang mở trong Excel)") from None
    return len(rows)


def csv_cell(value: Any) -> str:
    """A CSV cell: dates dd/mm/yyyy, text made inert and prefixed with ' if Excel would read a formula."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = safe_text(str(value))
    return f"'{text}" if isinstance(value, str) and text.startswith(FORMULA_PREFIXES) else text


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:  # the BOM makes Excel read UTF-8
        writer = csv.writer(fh)
        writer.writerow([label for _, label in DIRECTIVE_COLUMNS])
        writer.writerows([[csv_cell(row[key]) for key, _ in DIRECTIVE_COLUMNS] for row in rows])


def _write_xlsx(session: Session, path: Path, now: dt.datetime, calendar: WorkCalendar,
                conditions: Sequence[Any], rows: list[dict[str, Any]], step: Progress) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Nhiệm vụ"
    step(f"Ghi {len(rows)} nhiệm vụ")
    _table(sheet, [label for _, label in DIRECTIVE_COLUMNS], [[r[k] for k, _ in DIRECTIVE_COLUMNS] for r in rows],
           wide={"Nội dung", "Phối hợp", "Thời hạn (nguyên văn)"})
    step("Tính thống kê")
    stats = compute_stats(session, now, by="agency", calendar=calendar, conditions=conditions)
    body = [[s.name, s.total, *(getattr(s, b) for b in STATS_BUCKETS)] for s in stats]
    totals = ["Tổng cộng", *(sum(r[i] for r in body) for i in range(1, len(STATS_BUCKETS) + 2))]
    _table(book.create_sheet("Thống kê"), ["Đơn vị chủ trì", "Tổng", *(BUCKET_LABELS[b] for b in STATS_BUCKETS)],
           body, total=totals)
    step("Ghi lịch sử")
    ids = {r["id"] for r in rows}
    refs = {r["id"]: r["ref"] for r in rows}
    stmt = select(DirectiveEvent).order_by(col(DirectiveEvent.directive_id), col(DirectiveEvent.seq))
    history = [[e.directive_id, refs.get(e.directive_id, ""), e.seq, label(EVENT_LABELS, e.type),
                "Hệ thống" if e.actor == "system" else e.actor, _moment(e.at), event_details(e.type, e.payload)]
               for e in session.exec(stmt).all() if e.directive_id in ids]
    _table(book.create_sheet("Lịch sử"), list(HISTORY_HEADER), history, wide={"Chi tiết"})
    step(f"Lưu {path.name}")
    book.save(path)


def _table(sheet: Any, header: list[str], rows: list[list[Any]], *, wide: set[str] = frozenset(),  # type: ignore[assignment]
           total: list[Any] | None = None) -> None:
    """Header, typed cells, sized columns, frozen header and a filter; an optional bold total row."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = bold
    widths = [len(h) for h in header]
    for values in rows:
        sheet.append([_xlsx_value(v) for v in values])
        for i, v in enumerate(values):
            widths[i] = max(widths[i], 10 if isinstance(v, dt.date) else len(str(v or "")))
    last = sheet.max_row
    if total is not None:
        sheet.append([_xlsx_value(v) for v in total])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row):
        for cell in row:
            _finish(cell)
    for i, name in enumerate(header, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = min(widths[i - 1], WIDE) + 2
        if name in wide:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(last, 1)}"


def _xlsx_value(value: Any) -> Any:
    return safe_text(value) if isinstance(value, str) else value


def _finish(cell: Any) -> None:
    """Text stays text (never a formula); dates get the office's format."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    elif isinstance(cell.value, dt.datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(cell.value, dt.date):
        cell.number_format = "DD/MM/YYYY"
