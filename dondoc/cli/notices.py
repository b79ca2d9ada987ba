"""`dondoc extract`, `dondoc ingest` and `dondoc review`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from sqlmodel import Session, col, select

from dondoc.cli.context import console, emit, parse_time, state
from dondoc.cli.directives import directive_row
from engine import commands
from engine.errors import InvalidInput
from engine.ingest.service import IngestReport, assign_drafts, ingest_file, promote_candidate
from engine.models import Directive, Notice, State
from engine.people import find_agency, find_person
from engine.timeutil import local_date

FORMAT = typer.Option("table", "--format", "-f", help="table or json")


def extract(file: Path = typer.Argument(..., help="Notice file: .txt, .pdf or .docx"), fmt: str = FORMAT) -> None:
    """Extract directives from a notice without touching the database (leads resolved on the directory file)."""
    from config.settings import Settings
    from engine.directory import read_directory
    from engine.ingest import extract_file
    from engine.ingest.agencies import AgencyDirectory

    directory = AgencyDirectory(read_directory(Settings().agencies_file))
    result = extract_file(file, directory=directory, today=local_date(state.get_clock()())).to_json()
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    doc = result["document"]
    console.print(f"[bold]{doc.get('title') or file.name}[/bold] · số {doc.get('number') or '—'} · "
                  f"ngày {doc.get('date') or '—'} · {doc.get('issuer') or ''}")
    emit(result["directives"], [("ref", "Mục"), ("lead", "Chủ trì"), ("deadline", "Thời hạn"),
                                ("deadline_kind", "Loại"), ("task", "Nội dung")], "table",
         title=f"{len(result['directives'])} nhiệm vụ")


def _print_report(report: IngestReport) -> None:
    if not report.created:
        console.print(f"Thông báo này đã được nhập (#{report.notice_id}); không thêm gì mới.")
        return
    console.print(f"Đã nhập thông báo #{report.notice_id}: {len(report.drafts)} nhiệm vụ dự thảo.")
    if report.assigned:
        console.print(f"Đã giao {len(report.assigned)} nhiệm vụ.")
    for directive_id, why in report.left_as_draft.items():
        console.print(f"  #{directive_id} vẫn là dự thảo: {why}")


def ingest(
    file: Path = typer.Argument(..., help="Notice file: .txt, .pdf or .docx"),
    assign_all: bool = typer.Option(False, "--assign", help="Assign every draft that has a resolved lead"),
    person: str | None = typer.Option(None, "--as", help="Office member who ingests (needed with --assign)"),
) -> None:
    """Store a notice and its directives as drafts for review."""
    app = state.get_app()
    with app.session() as session:
        actor_id = find_person(session, person).id if person else None
        if assign_all and actor_id is None:
            raise InvalidInput("--assign needs --as OFFICE_MEMBER")
        report = ingest_file(session, file, app.now(), assign_all=assign_all, actor_id=actor_id)
    _print_report(report)


def review(
    directive_id: int | None = typer.Argument(None, help="A draft to edit or assign; none lists all drafts"),
    person: str | None = typer.Option(None, "--as", help="Office member making the change"),
    lead: str | None = typer.Option(None, "--lead", help="Lead agency (code, name or alias)"),
    deadline: str | None = typer.Option(None, "--deadline", help="New deadline, ISO date"),
    task: str | None = typer.Option(None, "--task"),
    coordinators: str | None = typer.Option(None, "--coordinators", help="Separated by ';'"),
    do_assign: bool = typer.Option(False, "--assign", help="Assign after editing"),
    notice: int | None = typer.Option(None, "--notice", help="With --assign and no id: every draft of this notice"),
    candidate: int | None = typer.Option(
        None, "--candidate", help="Biến đề xuất số K của thông báo --notice thành dự thảo (cần --as)"),
    show_candidates: bool = typer.Option(
        False, "--candidates", help="Chỉ liệt kê các đề xuất chưa được nhận (câu có thể là nhiệm vụ)"),
    fmt: str = FORMAT,
) -> None:
    """List drafts with what is uncertain; edit a draft; assign one or all."""
    app = state.get_app()
    with app.session() as session:
        if candidate is not None:
            _promote(session, notice, candidate, person, app.now())
            return
        if show_candidates:
            _list_candidates(session, notice, fmt)
            return
        if directive_id is None and not do_assign:
            stmt = select(Directive).where(Directive.state == State.draft).order_by(col(Directive.id))
            if notice is not None:
                stmt = stmt.where(Directive.notice_id == notice)
            notices = {n.id: n for n in session.exec(select(Notice)).all()}
            rows = []
            listed: set[int] = {notice} if notice is not None else set()
            for d in session.exec(stmt).all():
                listed.add(d.notice_id)  # type: ignore[arg-type]
                row = directive_row(d, notices.get(d.notice_id), app.now())
                row["uncertain"] = "; ".join(d.review_flags) or ("" if d.lead_agency_id else "lead not resolved")
                row["confidence"] = round(d.confidence, 2)
                rows.append(row)
            emit(rows, [("id", "ID"), ("ref", "Mục"), ("lead", "Chủ trì"), ("deadline", "Thời hạn"),
                        ("confidence", "Tin cậy"), ("uncertain", "Cần xem lại"), ("task", "Nội dung")], fmt,
                 title=f"Dự thảo chờ duyệt ({len(rows)})")
            if fmt == "table":
                for notice_id in sorted(n for n in listed if n is not None):
                    _list_candidates(session, notice_id, fmt, quiet=True)
            return
        if person is None:
            raise InvalidInput("editing or assigning needs --as OFFICE_MEMBER")
        actor_id = find_person(session, person).id
        now = app.now()
        if directive_id is None:
            ids = [d.id for d in session.exec(select(Directive).where(
                Directive.state == State.draft, *([Directive.notice_id == notice] if notice is not None else [])
            ).order_by(col(Directive.id))).all()]
            report = IngestReport(notice_id=notice or 0, created=True, drafts=ids)  # type: ignore[arg-type]
            assign_drafts(session, report, now, actor_id=actor_id)  # type: ignore[arg-type]
            console.print(f"Đã giao {len(report.assigned)} nhiệm vụ.")
            for did, why in report.left_as_draft.items():
                console.print(f"  #{did} vẫn là dự thảo: {why}")
            return
        changes: dict[str, object] = {}
        if lead:
            agency = find_agency(session, lead)
            changes.update(lead=agency.name, lead_agency_id=agency.id)
        if deadline:
            changes["deadline"] = parse_time(deadline)
            changes["deadline_kind"] = "date"
        if task:
            changes["task"] = task
        if coordinators is not None:
            changes["coordinators"] = [c.strip() for c in coordinators.split(";") if c.strip()]
        if changes:
            commands.edit_draft(session, directive_id, actor_id=actor_id, now=now, changes=changes)  # type: ignore[arg-type]
            console.print(f"Đã sửa dự thảo #{directive_id}: {', '.join(changes)}")
        if do_assign:
            commands.assign(session, directive_id, actor_id=actor_id, now=now)  # type: ignore[arg-type]
            console.print(f"Đã giao nhiệm vụ #{directive_id}.")


def train(
    out: Path | None = typer.Option(None, "--out", help="Thư mục ghi mô hình (mặc định: mô hình đi kèm phần mềm)"),
) -> None:
    """Huấn luyện lại mô hình trích xuất nhiệm vụ từ kho văn bản mẫu có chú giải (data/corpus)."""
    from engine.ingest.model import MODEL_DIR
    from engine.ingest.training import retrain

    model = retrain(out)
    meta = model.meta
    console.print(f"Đã huấn luyện trên {len(meta['documents'])} văn bản ({meta['clauses']} mệnh đề, "
                  f"{meta['positives']} nhiệm vụ); mô hình ghi vào {out or MODEL_DIR}.")


def _candidate_rows(session: Session, notice_id: int | None) -> list[dict[str, Any]]:
    """Candidates not yet turned into drafts, numbered from 1 within their notice."""
    stmt = select(Notice).order_by(col(Notice.id))
    if notice_id is not None:
        stmt = stmt.where(Notice.id == notice_id)
    return [
        {"notice_id": n.id, "number": k, "ref": c.get("ref") or "", "score": c.get("score"), "text": c.get("text")}
        for n in session.exec(stmt).all()
        for k, c in enumerate(n.candidates or [], start=1) if not c.get("directive_id")
    ]


def _list_candidates(session: Session, notice_id: int | None, fmt: str, *, quiet: bool = False) -> None:
    rows = _candidate_rows(session, notice_id)
    if quiet and not rows:
        return
    where = f" của thông báo #{notice_id}" if notice_id is not None else ""
    emit(rows, [("notice_id", "Thông báo"), ("number", "Số"), ("ref", "Mục"), ("score", "Điểm"),
                ("text", "Câu văn")], fmt,
         title=f"Đề xuất chưa nhận{where} ({len(rows)}): dondoc review --notice N --candidate K --as …")


def _promote(session: Session, notice_id: int | None, number: int, person: str | None, now: Any) -> None:
    if notice_id is None or person is None:
        raise InvalidInput("Cần --notice (số thông báo) và --as (cán bộ Văn phòng) để nhận một đề xuất.")
    actor = find_person(session, person)
    directive_id = promote_candidate(session, notice_id, number - 1, actor_id=actor.id, now=now)  # type: ignore[arg-type]
    console.print(f"Đã tạo dự thảo #{directive_id} từ đề xuất số {number} của thông báo #{notice_id}.")


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    app.command("train")(train)
    app.command("extract")(extract)
    app.command("ingest")(ingest)
    app.command("review")(review)
