"""Storing an extracted notice: one Notice row and one draft Directive per directive, idempotent by file hash."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from engine.commands import add_draft, assign
from engine.errors import DondocError, ExtractionError
from engine.ingest.agencies import AgencyDirectory
from engine.models import Agency, Directive, Notice, Person
from engine.timeutil import end_of_local_day


@dataclass
class IngestReport:
    notice_id: int
    created: bool
    drafts: list[int] = field(default_factory=list)
    assigned: list[int] = field(default_factory=list)
    left_as_draft: dict[int, str] = field(default_factory=dict)  # id -> why it was not assigned


def directory_from_db(session: Session) -> AgencyDirectory:
    """The agency directory as the extractor's resolver sees it."""
    records = [{"code": a.code, "name": a.name, "kind": a.kind, "aliases": a.aliases}
               for a in session.exec(select(Agency)).all()]
    return AgencyDirectory(records)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _deadline(item: dict[str, Any]) -> dt.datetime | None:
    day = _date(item.get("deadline"))
    if day is None:
        return None
    time = item.get("deadline_time")
    return end_of_local_day(day, time=dt.time.fromisoformat(time) if time else None)


def ingest_file(
    session: Session, path: Path, now: dt.datetime, *, assign_all: bool = False, actor_id: int | None = None
) -> IngestReport:
    """Extract a notice file and store it with its directives as drafts; the same file twice adds nothing."""
    from engine.ingest import extract_file

    path = Path(path)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ExtractionError(f"{path}: cannot read the file ({exc.strerror})") from exc
    existing = session.exec(select(Notice).where(Notice.source_hash == digest)).first()
    if existing is not None:
        ids = session.exec(select(Directive.id).where(Directive.notice_id == existing.id)).all()
        return IngestReport(notice_id=existing.id, created=False, drafts=list(ids))  # type: ignore[arg-type]
    extraction = extract_file(path, directory=directory_from_db(session), today=now.date()).to_json()
    doc = extraction["document"]
    notice = Notice(
        number=doc.get("number"), title=doc.get("title") or "", issuer=doc.get("issuer"), signer=doc.get("signer"),
        date=_date(doc.get("date")), meeting_date=_date(doc.get("meeting_date")), source_name=path.name,
        source_hash=digest, created_at=now,
    )
    session.add(notice)
    session.flush()
    codes = {a.code: a.id for a in session.exec(select(Agency)).all()}
    actor = session.get(Person, actor_id) if actor_id is not None else None
    report = IngestReport(notice_id=notice.id, created=True)  # type: ignore[arg-type]
    for item in extraction["directives"]:
        flags = list(item.get("flags") or [])
        directive = Directive(
            notice_id=notice.id, ref=item.get("ref") or "", task=item.get("task") or "", lead=item.get("lead"),
            lead_agency_id=codes.get(item.get("lead_agency") or ""), coordinators=list(item.get("coordinators") or []),
            report_to=item.get("report_to"), recurrence=item.get("recurrence"), deadline=_deadline(item),
            deadline_text=item.get("deadline_text"), deadline_kind=item.get("deadline_kind") or "none",
            confidence=float(item.get("confidence") or 0.0), review_flags=flags,
        )
        add_draft(session, directive, now, actor=actor)
        report.drafts.append(directive.id)  # type: ignore[arg-type]
    session.commit()
    if assign_all:
        if actor_id is None:
            raise DondocError("assigning needs an office member (--as)")
        assign_drafts(session, report, now, actor_id=actor_id)
    return report


def assign_drafts(session: Session, report: IngestReport, now: dt.datetime, *, actor_id: int) -> None:
    """Assign every draft that can be; the others stay drafts with the reason recorded."""
    for directive_id in report.drafts:
        try:
            assign(session, directive_id, actor_id=actor_id, now=now)
            report.assigned.append(directive_id)
        except DondocError as exc:
            report.left_as_draft[directive_id] = str(exc)
