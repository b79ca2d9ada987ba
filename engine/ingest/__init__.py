"""Notice ingestion: read a file, clean its layout, and extract the document's metadata and directives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.calendar import WorkCalendar
from engine.ingest.agencies import AgencyDirectory, AgencyMatch
from engine.ingest.clean import split_document
from engine.ingest.extract import Candidate, Directive, extract_directives, read_clause
from engine.ingest.limits import Limits, check_chars
from engine.ingest.metadata import DocumentInfo, addressees, read_metadata
from engine.ingest.model import Model
from engine.ingest.readers import OcrMode, Progress, read_document
from engine.ingest.segments import clauses_of
from engine.ingest.structure import build_blocks

__all__ = [
    "AgencyDirectory", "AgencyMatch", "Candidate", "Directive", "DocumentInfo", "Extraction", "extract_candidate",
    "extract_file", "extract_text",
]

@dataclass
class Extraction:
    """A notice's metadata and directives, serialisable to the JSON contract of DESIGN.md."""

    document: DocumentInfo
    directives: list[Directive]
    candidates: list[Candidate] = field(default_factory=list)
    source_name: str = ""
    anchor: dt.date | None = None
    warnings: list[str] = field(default_factory=list)
    ocr: dict[str, Any] | None = None  # set when some of the text came from OCR: engine, dpi, confidence per page
    text: str = field(default="", repr=False)  # the text as read: stored with the notice, hashed to spot a copy

    def to_json(self) -> dict[str, Any]:
        """The `dondoc extract --format json` payload."""
        doc = self.document
        document = {
            "number": doc.number,
            "date": _iso(doc.date),
            "issuer": doc.issuer,
            "signer": doc.signer,
            "title": doc.title,
            "signer_title": doc.signer_title,
            "meeting_date": _iso(doc.meeting_date),
            "chair": doc.chair,
        }
        payload = {
            "document": document,
            "directives": [_directive_json(d) for d in self.directives],
            "candidates": [{"ref": c.ref, "text": c.text, "score": c.score} for c in self.candidates],
        }
        if self.ocr:
            payload["ocr"] = self.ocr
        return payload


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _directive_json(d: Directive) -> dict[str, Any]:
    deadline = d.deadline
    has_date = deadline is not None and deadline.date is not None
    return {
        "ref": d.ref,
        "lead": d.lead,
        "coordinators": list(d.coordinators),
        "task": d.task,
        "deadline_text": deadline.text if deadline and deadline.kind != "none" else None,
        "deadline": deadline.date.isoformat() if has_date else None,
        "deadline_kind": deadline.kind if deadline else None,
        "report_to": d.report_to,
        "recurrence": deadline.recurrence if deadline else None,
        "confidence": d.confidence,
        "flags": list(d.flags),
        "lead_agency": d.lead_agency,
        "implicit_lead": d.implicit_lead,
        # Beyond the contract: the deadline's time of day, and each named lead as resolved in the directory.
        "deadline_time": deadline.time.strftime("%H:%M") if has_date and deadline.time else None,
        "leads": [{"written": name, "agency": m.code or None if m else None, "person": m.person_key if m else None}
                  for name, m in d.resolved_leads],
    }


def extract_text(
    text: str,
    *,
    source_name: str = "",
    directory: AgencyDirectory | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    max_chars: int = Limits.chars,
    model: Model | None = None,
) -> Extraction:
    """Extract metadata and directives from notice text; `today` anchors deadlines when the notice has no date.

    Text longer than `max_chars` is refused (LimitExceeded), never cut: nothing may be dropped unseen.
    """
    warnings: list[str] = []
    check_chars(source_name or "văn bản", len(text), Limits(chars=max_chars))
    doc = split_document(text)
    info = read_metadata(doc)
    known = info.date or info.meeting_date or _partial(info.date_partial) or today
    anchor = known or dt.date(1970, 1, 1)
    if not (info.date or info.meeting_date):
        warnings.append("no_document_date")
    directives, candidates = extract_directives(
        clauses_of(build_blocks(doc.body)), anchor, calendar, model=model, addressees=addressees(doc),
        anchor_known=known is not None)
    if directory is not None:
        for d in directives:
            _resolve(d, directory)
    return Extraction(info, directives, candidates, source_name, anchor, warnings, text=text)


def extract_candidate(
    text: str, *, ref: str, anchor: dt.date, directory: AgencyDirectory | None = None,
    calendar: WorkCalendar | None = None, model: Model | None = None,
) -> dict[str, Any]:
    """A candidate clause read as one directive, in the JSON shape of `Extraction.to_json()["directives"]`."""
    directive = read_clause(text, ref, anchor, calendar, model=model)
    if directory is not None:
        _resolve(directive, directory)
    return _directive_json(directive)


def _partial(value: str | None) -> dt.date | None:
    """'2026-06' (a date whose day was left blank) → the first of that month."""
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


def _resolve(d: Directive, directory: AgencyDirectory) -> None:
    """Attach the lead's directory code; unresolved leads stay as written and are flagged."""
    if not d.lead:
        return
    names = d.leads or (d.lead,)
    matches = [directory.resolve(name) for name in names]
    d.resolved_leads = [(name, m) for name, m in zip(names, matches, strict=True)]
    if len(matches) == 1 and matches[0] is not None:
        d.lead_agency = matches[0].code or None
    if any(m is None for m in matches) and "collective_lead" not in d.flags:
        d.flags.append("unresolved_lead")
        d.confidence = round(max(0.1, d.confidence - 0.1), 2)


def extract_file(
    path: str | Path,
    *,
    directory: AgencyDirectory | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    ocr: OcrMode = "auto",
    limits: Limits | None = None,
    progress: Progress | None = None,
) -> Extraction:
    """Read a notice file (text, Word, PDF, scan) and extract it in this process; unreadable files raise
    ExtractionError. Drivers use `engine.ingest.budget.read_and_extract`, which bounds time and memory."""
    limits = limits or Limits()
    reading = read_document(path, ocr=ocr, limits=limits, progress=progress)
    extraction = extract_text(reading.text, source_name=Path(path).name, directory=directory, today=today,
                              calendar=calendar, max_chars=limits.chars)
    extraction.ocr = reading.ocr_info()
    return extraction
