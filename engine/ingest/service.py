"""Storing an extracted notice: one Notice row and one draft Directive per directive, idempotent by file hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from engine.commands import add_draft, assign
from engine.errors import DondocError, ExtractionError, InvalidInput, NotFound, PermissionDenied
from engine.ingest.agencies import AgencyDirectory
from engine.ingest.limits import Limits, check_file_size
from engine.ingest.readers import OcrMode, Progress
from engine.models import Agency, Directive, Notice, Person, State
from engine.notices import content_hash, find_same_notice
from engine.timeutil import end_of_local_day, local_date


@dataclass
class IngestReport:
    notice_id: int
    created: bool
    drafts: list[int] = field(default_factory=list)
    assigned: list[int] = field(default_factory=list)
    left_as_draft: dict[int, str] = field(default_factory=dict)  # id -> why it was not assigned


def directory_from_db(session: Session) -> AgencyDirectory:
    """The directory as the extractor's resolver sees it; people are keyed by their database id."""
    agencies = session.exec(select(Agency)).all()
    codes = {a.id: a.code for a in agencies}
    return AgencyDirectory({
        "agencies": [{"code": a.code, "name": a.name, "kind": a.kind, "aliases": a.aliases} for a in agencies],
        "people": [{"key": str(p.id), "name": p.name, "title": p.title, "role": p.role.value,
                    "agency": codes.get(p.agency_id)} for p in session.exec(select(Person)).all()],
    })


@dataclass(frozen=True)
class Lead:
    """One body or person a draft is assigned to."""

    written: str | None
    agency_id: int | None = None
    person_id: int | None = None


# "Chủ tịch UBND các huyện, thị xã, thành phố" names every district-level People's Committee.
_ALL_DISTRICTS = re.compile(r"\bcác\s+huyện\b", re.IGNORECASE)


def _leads(item: dict[str, Any], session: Session) -> list[Lead] | None:
    """The leads a directive becomes, one draft each; None when some named lead is not in the directory."""
    agencies = session.exec(select(Agency)).all()
    by_code = {a.code: a for a in agencies}
    named = item.get("leads") or [{"written": item.get("lead"), "agency": item.get("lead_agency"), "person": None}]
    out: list[Lead] = []
    for lead in named:
        written = lead.get("written")
        person = lead.get("person")
        if person and str(person).isdigit() and session.get(Person, int(person)) and len(named) == 1:
            agency = by_code.get(lead.get("agency") or "")
            out.append(Lead(written, agency.id if agency else None, int(person)))
        elif lead.get("agency") in by_code:
            agency = by_code[lead["agency"]]
            out.append(Lead(agency.name if len(named) > 1 else written, agency.id))
        elif written and _ALL_DISTRICTS.search(written):
            districts = sorted((a for a in agencies if a.kind == "huyen"), key=lambda a: a.name)
            if not districts:
                return None
            out.extend(Lead(a.name, a.id) for a in districts)
        else:
            return None
    return out


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _deadline(item: dict[str, Any]) -> dt.datetime | None:
    day = _date(item.get("deadline"))
    if day is None:
        return None
    time = item.get("deadline_time")
    return end_of_local_day(day, time=dt.time.fromisoformat(time) if time else None)


def ingest_file(
    session: Session, path: Path, now: dt.datetime, *, assign_all: bool = False, actor_id: int | None = None,
    force: bool = False, ocr: OcrMode = "auto", limits: Limits | None = None, progress: Progress | None = None,
) -> IngestReport:
    """Extract a notice file (within the time and memory budget) and store it with its directives as drafts.

    A notice already stored (the same file, the same normalised text, or the same number and date) adds
    nothing: the report says `created=False` and names it; with `assign_all`, its drafts still waiting are
    assigned (a run that died half-way finishes). `force` stores it again regardless.
    """
    from engine.ingest.budget import read_and_extract

    path = Path(path)
    limits = limits or Limits()
    try:
        check_file_size(path, limits)
        with path.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError as exc:
        raise ExtractionError(f"{path.name}: không đọc được tệp ({exc.strerror})") from exc
    previous = None if force else session.exec(select(Notice).where(Notice.source_hash == digest)).first()
    if previous is not None:
        return _already_stored(session, previous, now, assign_all=assign_all, actor_id=actor_id)
    read = read_and_extract(path, directory=directory_from_db(session), today=local_date(now), ocr=ocr,
                            limits=limits, progress=progress)
    text, extraction = read.text, read.to_json()
    doc = extraction["document"]
    if not force:
        previous = find_same_notice(session, text_hash=content_hash(text), number=doc.get("number"),
                                    date=_date(doc.get("date")))
    if previous is not None:
        return _already_stored(session, previous, now, assign_all=assign_all, actor_id=actor_id)
    notice = Notice(
        number=doc.get("number"), title=doc.get("title") or "", issuer=doc.get("issuer"), signer=doc.get("signer"),
        date=_date(doc.get("date")), meeting_date=_date(doc.get("meeting_date")), source_name=path.name,
        source_hash=digest, content_hash=content_hash(text), text=text, created_at=now, ocr=extraction.get("ocr"),
        candidates=list(extraction.get("candidates") or []),
    )
    session.add(notice)
    session.flush()
    actor = session.get(Person, actor_id) if actor_id is not None else None
    report = IngestReport(notice_id=notice.id, created=True)  # type: ignore[arg-type]
    for item in extraction["directives"]:
        flags = list(item.get("flags") or [])
        leads = None if "collective_lead" in flags else _leads(item, session)
        if leads is None:  # the office picks the lead in review
            leads = [Lead(item.get("lead"))]
        else:  # every lead is in the directory now (districts included): nothing left unresolved
            flags = [f for f in flags if f != "unresolved_lead"]
            if len(leads) > 1:
                flags.append(f"split_from_multi_lead:{len(leads)}")
        for lead in leads:
            directive = Directive(
                notice_id=notice.id, ref=item.get("ref") or "", task=item.get("task") or "", lead=lead.written,
                lead_agency_id=lead.agency_id, leader_id=lead.person_id,
                coordinators=list(item.get("coordinators") or []), report_to=item.get("report_to"),
                recurrence=item.get("recurrence"), deadline=_deadline(item), deadline_text=item.get("deadline_text"),
                deadline_kind=item.get("deadline_kind") or "none", confidence=float(item.get("confidence") or 0.0),
                review_flags=flags,
            )
            add_draft(session, directive, now, actor=actor)
            report.drafts.append(directive.id)  # type: ignore[arg-type]
    session.commit()
    if assign_all:
        if actor_id is None:
            raise DondocError("Muốn giao nhiệm vụ cần ghi người giao (chuyên viên Văn phòng).")
        assign_drafts(session, report, now, actor_id=actor_id)
    return report


def _already_stored(
    session: Session, notice: Notice, now: dt.datetime, *, assign_all: bool, actor_id: int | None
) -> IngestReport:
    ids = session.exec(select(Directive.id).where(Directive.notice_id == notice.id).order_by(Directive.id)).all()
    report = IngestReport(notice_id=notice.id, created=False, drafts=list(ids))  # type: ignore[arg-type]
    if assign_all and actor_id is not None:
        waiting = session.exec(select(Directive.id).where(Directive.notice_id == notice.id,
                                                          Directive.state == State.draft)
                               .order_by(Directive.id)).all()
        rest = IngestReport(notice.id, False, list(waiting))  # type: ignore[arg-type]
        assign_drafts(session, rest, now, actor_id=actor_id)
        report.assigned, report.left_as_draft = rest.assigned, rest.left_as_draft
    return report


def assign_drafts(session: Session, report: IngestReport, now: dt.datetime, *, actor_id: int) -> None:
    """Assign every draft that can be; the others stay drafts with the reason recorded."""
    for directive_id in report.drafts:
        try:
            assign(session, directive_id, actor_id=actor_id, now=now)
            report.assigned.append(directive_id)
        except DondocError as exc:
            report.left_as_draft[directive_id] = str(exc)


def promote_candidate(session: Session, notice_id: int, index: int, *, actor_id: int, now: dt.datetime) -> int:
    """Turn candidate `index` (0-based, in `Notice.candidates`) into a draft through add_draft; the draft's id.

    The clause is read again as a directive (lead, deadline, coordinators, recipient); the Drafted event names
    the office member, and the candidate records the draft it became, so it cannot be promoted twice.
    """
    from engine.ingest import extract_candidate
    from engine.people import OFFICE_ROLES, get_person

    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"Không có thông báo #{notice_id}.")
    candidates = [dict(c) for c in notice.candidates or []]
    if not 0 <= index < len(candidates):
        raise InvalidInput(f"Thông báo #{notice_id} không có đề xuất số {index + 1} (có {len(candidates)} đề xuất).")
    candidate = candidates[index]
    if candidate.get("directive_id"):
        raise InvalidInput(f"Đề xuất số {index + 1} của thông báo #{notice_id} đã thành dự thảo "
                           f"#{candidate['directive_id']}.")
    actor = get_person(session, actor_id)
    if actor.role not in OFFICE_ROLES:
        raise PermissionDenied(f"{actor.name} không thuộc Văn phòng nên không thể tạo dự thảo.")
    anchor = notice.date or notice.meeting_date or local_date(now)
    item = extract_candidate(str(candidate.get("text") or ""), ref=str(candidate.get("ref") or ""), anchor=anchor,
                             directory=directory_from_db(session))
    leads = _leads(item, session) if item.get("lead") else None
    lead = leads[0] if leads and len(leads) == 1 else Lead(item.get("lead"))
    directive = Directive(
        notice_id=notice.id, ref=item.get("ref") or "", task=item.get("task") or "", lead=lead.written,
        lead_agency_id=lead.agency_id, leader_id=lead.person_id, coordinators=list(item.get("coordinators") or []),
        report_to=item.get("report_to"), recurrence=item.get("recurrence"), deadline=_deadline(item),
        deadline_text=item.get("deadline_text"), deadline_kind=item.get("deadline_kind") or "none",
        confidence=float(candidate.get("score") or 0.0), review_flags=list(item.get("flags") or []),
    )
    add_draft(session, directive, now, actor=actor)
    candidate["directive_id"] = directive.id
    notice.candidates = candidates
    session.add(notice)
    session.commit()
    return directive.id  # type: ignore[return-value]
