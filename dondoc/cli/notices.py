"""`dondoc extract`, `dondoc ingest` and `dondoc review`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from sqlmodel import col, select

from dondoc.cli.context import console, emit, err_console, parse_time, say, state
from dondoc.cli.directives import directive_row, warn_unreached
from engine import commands
from engine.errors import InvalidInput
from engine.ingest.limits import Limits
from engine.ingest.ocr import scan_note
from engine.ingest.readers import OCR_MODES, OcrMode, Progress
from engine.ingest.service import IngestReport, assign_drafts, ingest_file
from engine.models import Directive, Notice, State
from engine.people import find_agency, find_person
from engine.timeutil import local, local_date
from notifiers.vi import state_phrase

FORMAT = typer.Option("table", "--format", "-f", help="table or json")
OCR = typer.Option("auto", "--ocr", help="Đọc bản quét bằng OCR: auto (trang không có lớp chữ hoặc lớp chữ lỗi), "
                   "always (mọi trang), never (không OCR)")
NOTICE_FILE = typer.Argument(..., help="Tệp thông báo: .txt, .docx, .pdf hoặc ảnh bản quét (.png, .jpg, .tif)")


@contextmanager
def page_progress(name: str) -> Iterator[Progress]:
    """Progress per page: a bar on a terminal, one line per OCR page otherwise (logs, pipes)."""
    if err_console.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                 console=err_console, transient=True) as bar:
            task = bar.add_task(f"Đọc {name}", total=None)

            def update(done: int, total: int, how: str) -> None:
                label = "OCR" if how == "ocr" else "lớp chữ"
                bar.update(task, completed=done, total=total, description=f"Đọc {name} ({label})")

            yield update
        return

    def log(done: int, total: int, how: str) -> None:
        if how == "ocr":
            err_console.print(f"{name}: đã đọc trang {done}/{total} bằng OCR", markup=False)

    yield log


def _ocr_mode(value: str) -> OcrMode:
    if value not in OCR_MODES:
        raise InvalidInput(f"--ocr phải là auto, always hoặc never (không phải '{value}')")
    return value  # type: ignore[return-value]


def extract(file: Path = NOTICE_FILE, fmt: str = FORMAT, ocr: str = OCR) -> None:
    """Extract directives from a notice without touching the database (leads resolved on the directory file)."""
    from config.settings import Settings
    from engine.directory import read_directory
    from engine.ingest.agencies import AgencyDirectory
    from engine.ingest.budget import read_and_extract

    settings = Settings()
    directory = AgencyDirectory(read_directory(settings.agencies_file))
    with page_progress(file.name) as progress:
        result = read_and_extract(file, directory=directory, today=local_date(state.get_clock()()),
                                  ocr=_ocr_mode(ocr), limits=Limits.from_settings(settings),
                                  progress=progress).to_json()
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    doc = result["document"]
    say(f"{doc.get('title') or file.name} · số {doc.get('number') or '—'} · "
                  f"ngày {doc.get('date') or '—'} · {doc.get('issuer') or ''}")
    if note := scan_note(result.get("ocr")):
        console.print(f"[yellow]{note}[/yellow]")
    emit(result["directives"], [("ref", "Mục"), ("lead", "Chủ trì"), ("deadline", "Thời hạn"),
                                ("deadline_kind", "Loại"), ("task", "Nội dung")], "table",
         title=f"{len(result['directives'])} nhiệm vụ")


def _print_report(report: IngestReport, first: str | None = None) -> None:
    if report.created:
        say(f"Đã nhập thông báo #{report.notice_id}: {len(report.drafts)} nhiệm vụ dự thảo.")
        if report.assigned:
            say(f"Đã giao {len(report.assigned)} nhiệm vụ.")
    else:
        say(f"Thông báo này đã được nhập: {first}; không lưu lại lần nữa.")
        if report.assigned:
            say(f"Đã giao tiếp {len(report.assigned)} nhiệm vụ còn là dự thảo.")
    for directive_id, why in report.left_as_draft.items():
        say(f"  #{directive_id} vẫn là dự thảo: {why}")
    if report.assigned:
        with state.get_app().session() as session:
            warn_unreached(session, report.assigned)


def ingest(
    file: Path = NOTICE_FILE,
    assign_all: bool = typer.Option(False, "--assign", help="Assign every draft that has a resolved lead"),
    person: str | None = typer.Option(None, "--as", help="Office member who ingests (needed with --assign)"),
    force: bool = typer.Option(False, "--force", help="Store it even if the same notice was ingested before"),
    ocr: str = OCR,
) -> None:
    """Store a notice and its directives as drafts for review."""
    from engine.notices import describe, get_notice

    app = state.get_app()
    with app.session() as session:
        actor_id = find_person(session, person).id if person else None
        if assign_all and actor_id is None:
            raise InvalidInput("--assign needs --as OFFICE_MEMBER")
        with page_progress(file.name) as progress:
            report = ingest_file(session, file, app.now(), assign_all=assign_all, actor_id=actor_id, force=force,
                                 ocr=_ocr_mode(ocr), limits=Limits.from_settings(app.settings), progress=progress)
        first = None if report.created else describe(get_notice(session, report.notice_id))
    if first is not None and not assign_all:
        raise InvalidInput(f"Thông báo này đã được nhập: {first}. Không lưu lại lần nữa; "
                           "dùng --force nếu vẫn muốn lưu thêm một bản.")
    _print_report(report, first)


def notices_list(fmt: str = FORMAT) -> None:
    """List ingested notices with their directives counted by state."""
    from engine.notices import list_notices

    with state.get_app().session() as session:
        notices = list_notices(session)
    rows = [{"id": n.id, "number": n.number, "date": n.date.isoformat() if n.date else None, "title": n.title,
             "source_name": n.source_name, "created_at": n.created_at.isoformat(), "directives": n.total,
             "states": n.states} for n in notices]
    if fmt == "json":
        emit(rows, [], fmt)
        return
    for row, n in zip(rows, notices, strict=True):
        row["date"] = n.date.strftime("%d/%m/%Y") if n.date else ""
        row["created_at"] = local(n.created_at).format("DD/MM/YYYY HH:mm")
        row["states"] = ", ".join(f"{state_phrase(k)}: {v}" for k, v in n.states.items())
    emit(rows, [("id", "ID"), ("number", "Số"), ("date", "Ngày"), ("title", "Trích yếu"),
                ("directives", "Nhiệm vụ"), ("states", "Tình trạng"), ("source_name", "Tệp"),
                ("created_at", "Nhập lúc")], fmt, title=f"Thông báo đã nhập ({len(rows)})")


def notices_show(notice_id: int = typer.Argument(..., help="Notice id (see: dondoc notices list)"),
                 fmt: str = FORMAT) -> None:
    """Show a notice: its metadata, its directives and (in JSON) its text."""
    from engine.notices import get_notice

    app = state.get_app()
    with app.session() as session:
        notice = get_notice(session, notice_id)
        directives = session.exec(select(Directive).where(Directive.notice_id == notice_id)
                                  .order_by(col(Directive.id))).all()
        rows = [directive_row(d, notice, app.now()) for d in directives]
    if fmt == "json":
        emit([{"id": notice.id, "number": notice.number, "date": notice.date.isoformat() if notice.date else None,
               "title": notice.title, "issuer": notice.issuer, "signer": notice.signer,
               "source_name": notice.source_name, "created_at": notice.created_at.isoformat(),
               "text": notice.text, "directives": rows}], [], fmt)
        return
    say(f"Thông báo #{notice.id} · số {notice.number or '—'} · ngày "
                  f"{notice.date.strftime('%d/%m/%Y') if notice.date else '—'} · {notice.issuer or ''}")
    say(f"{notice.title or ''} (tệp {notice.source_name})")
    emit(rows, [("id", "ID"), ("ref", "Mục"), ("lead", "Chủ trì"), ("state", "Trạng thái"),
                ("deadline", "Thời hạn"), ("task", "Nội dung")], "table", title=f"{len(rows)} nhiệm vụ")


def notices_delete(notice_id: int = typer.Argument(..., help="Notice id"),
                   person: str = typer.Option(..., "--as", help="Office member who deletes it")) -> None:
    """Delete a notice and its drafts (only while none of its directives has been assigned)."""
    from engine.notices import delete_notice

    app = state.get_app()
    with app.session() as session:
        actor = find_person(session, person)
        drafts = delete_notice(session, notice_id, actor_id=actor.id)  # type: ignore[arg-type]
    say(f"Đã xóa thông báo #{notice_id} cùng {drafts} nhiệm vụ dự thảo.")


def review(
    directive_id: int | None = typer.Argument(None, help="A draft to edit or assign; none lists all drafts"),
    person: str | None = typer.Option(None, "--as", help="Office member making the change"),
    lead: str | None = typer.Option(None, "--lead", help="Lead agency (code, name or alias)"),
    deadline: str | None = typer.Option(None, "--deadline", help="New deadline, ISO date"),
    task: str | None = typer.Option(None, "--task"),
    coordinators: str | None = typer.Option(None, "--coordinators", help="Separated by ';'"),
    do_assign: bool = typer.Option(False, "--assign", help="Assign after editing"),
    notice: int | None = typer.Option(None, "--notice", help="With --assign and no id: every draft of this notice"),
    fmt: str = FORMAT,
) -> None:
    """List drafts with what is uncertain; edit a draft; assign one or all."""
    app = state.get_app()
    with app.session() as session:
        if directive_id is None and not do_assign:
            stmt = select(Directive).where(Directive.state == State.draft).order_by(col(Directive.id))
            if notice is not None:
                stmt = stmt.where(Directive.notice_id == notice)
            notices = {n.id: n for n in session.exec(select(Notice)).all()}
            rows = []
            for d in session.exec(stmt).all():
                row = directive_row(d, notices.get(d.notice_id), app.now())
                row["uncertain"] = "; ".join(d.review_flags) or ("" if d.lead_agency_id else "lead not resolved")
                if note := scan_note(getattr(notices.get(d.notice_id), "ocr", None)):
                    row["uncertain"] = "; ".join(filter(None, [note, row["uncertain"]]))
                row["confidence"] = round(d.confidence, 2)
                rows.append(row)
            emit(rows, [("id", "ID"), ("ref", "Mục"), ("lead", "Chủ trì"), ("deadline", "Thời hạn"),
                        ("confidence", "Tin cậy"), ("uncertain", "Cần xem lại"), ("task", "Nội dung")], fmt,
                 title=f"Dự thảo chờ duyệt ({len(rows)})")
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
            say(f"Đã giao {len(report.assigned)} nhiệm vụ.")
            warn_unreached(session, report.assigned)
            for did, why in report.left_as_draft.items():
                say(f"  #{did} vẫn là dự thảo: {why}")
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
            edited = commands.edit_draft(session, directive_id, actor_id=actor_id, now=now, changes=changes)  # type: ignore[arg-type]
            if edited.noop:
                say(f"Không có thay đổi: dự thảo #{directive_id} đã có đúng các giá trị này.")
            else:
                say(f"Đã sửa dự thảo #{directive_id}: {', '.join(edited.event.payload['changes'])}")  # type: ignore[union-attr]
        if do_assign:
            commands.assign(session, directive_id, actor_id=actor_id, now=now)  # type: ignore[arg-type]
            say(f"Đã giao nhiệm vụ #{directive_id}.")
            warn_unreached(session, [directive_id])


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    app.command("extract")(extract)
    app.command("ingest")(ingest)
    app.command("review")(review)
    group = typer.Typer(help="Thông báo kết luận đã nhập.", no_args_is_help=True)
    group.command("list")(notices_list)
    group.command("show")(notices_show)
    group.command("delete")(notices_delete)
    app.add_typer(group, name="notices")
