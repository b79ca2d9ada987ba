"""`dondoc export`: what the office used to keep in spreadsheets — directives, statistics, audit trail."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session, col, select

from engine.calendar import WorkCalendar
from engine.errors import InvalidInput
from engine.models import Agency, Directive, DirectiveEvent, Notice, State
from engine.stats import BUCKET_LABELS, BUCKETS, bucket_of, compute_stats
from engine.timeutil import local
from notifiers.vi import state_phrase

DIRECTIVE_COLUMNS = (
    ("id", "ID"), ("notice", "Số thông báo"), ("ref", "Mục"), ("task", "Nội dung"), ("lead", "Chủ trì"),
    ("coordinators", "Phối hợp"), ("deadline", "Thời hạn"), ("deadline_text", "Thời hạn (nguyên văn)"),
    ("state", "Trạng thái"), ("bucket", "Tình hình thực hiện"), ("assigned_at", "Ngày giao"),
    ("acknowledged_at", "Ngày nhận"), ("reported_at", "Ngày báo cáo"), ("done_at", "Ngày hoàn thành"),
)


def _day(value: dt.datetime | None) -> str:
    return local(value).format("DD/MM/YYYY") if value else ""


def directive_rows(session: Session, now: dt.datetime, conditions: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Every assigned directive (drafts and cancelled ones are not tracked) as a row of Vietnamese cells."""
    notices = {n.id: n.number or n.title for n in session.exec(select(Notice)).all()}
    agencies = {a.id: a.name for a in session.exec(select(Agency)).all()}
    stmt = select(Directive).where(col(Directive.state).not_in((State.draft, State.cancelled)), *conditions)
    rows = []
    for d in session.exec(stmt.order_by(col(Directive.notice_id), col(Directive.id))).all():
        bucket = bucket_of(d, now)
        rows.append({
            "id": d.id, "notice": notices.get(d.notice_id, ""), "ref": d.ref, "task": d.task,
            "lead": agencies.get(d.lead_agency_id) or d.lead or "", "coordinators": "; ".join(d.coordinators),
            "deadline": _day(d.deadline), "deadline_text": d.deadline_text or "", "state": state_phrase(d.state.value),
            "bucket": BUCKET_LABELS[bucket] if bucket else "", "assigned_at": _day(d.assigned_at),
            "acknowledged_at": _day(d.acknowledged_at), "reported_at": _day(d.reported_at), "done_at": _day(d.done_at),
        })
    return rows


def export(session: Session, path: Path, now: dt.datetime, calendar: WorkCalendar,
           conditions: Sequence[Any] = ()) -> int:
    """Write directives (and, in .xlsx, statistics per agency and the audit trail); returns the row count.

    `conditions` (engine.queries.conditions of a filter) limit every sheet to the directives they select.
    """
    rows = directive_rows(session, now, conditions)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:  # the BOM makes Excel read UTF-8
            writer = csv.writer(fh)
            writer.writerow([label for _, label in DIRECTIVE_COLUMNS])
            writer.writerows([[row[key] for key, _ in DIRECTIVE_COLUMNS] for row in rows])
        return len(rows)
    if suffix != ".xlsx":
        raise InvalidInput(f"{path.name}: export to .xlsx or .csv")
    book = Workbook()
    sheet = book.active
    sheet.title = "Nhiệm vụ"
    _table(sheet, [label for _, label in DIRECTIVE_COLUMNS], [[r[k] for k, _ in DIRECTIVE_COLUMNS] for r in rows])
    stats = compute_stats(session, now, by="agency", calendar=calendar, conditions=conditions)
    _table(book.create_sheet("Thống kê"), ["Đơn vị chủ trì", "Tổng", *(BUCKET_LABELS[b] for b in BUCKETS),
                                           BUCKET_LABELS["due_soon"]],
           [[s.name, s.total, *(getattr(s, b) for b in BUCKETS), s.due_soon] for s in stats])
    ids = {r["id"] for r in rows}
    events = [e for e in session.exec(select(DirectiveEvent).order_by(col(DirectiveEvent.directive_id),
                                                                      col(DirectiveEvent.seq))).all()
              if not conditions or e.directive_id in ids]
    _table(book.create_sheet("Lịch sử"), ["Nhiệm vụ", "#", "Sự kiện", "Người thực hiện", "Thời điểm"],
           [[e.directive_id, e.seq, e.type, e.actor, local(e.at).format("DD/MM/YYYY HH:mm")] for e in events])
    book.save(path)
    return len(rows)


def _table(sheet: Any, header: list[str], rows: list[list[Any]]) -> None:
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
