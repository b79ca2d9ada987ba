"""`dondoc extract`, `dondoc ingest`, `dondoc review` and `dondoc notices list|show|delete`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dondoc.cli.context import (
    AS_HELP,
    DATE_HELP,
    check_format,
    emit,
    err_console,
    format_option,
    local_day,
    local_time,
    parse_time,
    say,
    state,
)
from dondoc.cli.directives import directive_row, load_directive, show_directive, table_row, warn_unreached

if TYPE_CHECKING:
    from engine.ingest.readers import OcrMode, Progress
    from engine.ingest.service import IngestReport

FILE = typer.Argument(..., help="Tệp thông báo: .txt, .docx, .pdf hoặc ảnh bản quét (.png, .jpg, .tif)")
OCR = typer.Option("auto", "--ocr", help="Đọc bản quét bằng OCR: auto (trang không có lớp chữ hoặc lớp chữ lỗi), "
                   "always (mọi trang), never (không OCR)")
NOTICE_ID = typer.Argument(..., help="Mã số thông báo (cột ID của dondoc notices list)")


@contextmanager
def page_progress(name: str) -> Iterator[Progress]:
    """Progress per page: a bar on a terminal, one line per OCR page otherwise (logs, pipes)."""
    if err_console.is_terminal:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        with Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                 console=err_console.real(), transient=True) as bar:
            task = bar.add_task(f"Đọc {name}", total=None)

            def update(done: int, total: int, how: str) -> None:
                label = "OCR" if how == "ocr" else "lớp chữ"
                bar.update(task, completed=done, total=total, description=f"Đang đọc {name} ({label})")
                if done >= total:
                    bar.update(task, description=f"Đang trích xuất nhiệm vụ từ {name}")

            yield update
        return

    def log(done: int, total: int, how: str) -> None:
        if how == "ocr":
            err_console.print(f"{name}: đã đọc trang {done}/{total} bằng OCR", markup=False)

    yield log


def _ocr_mode(value: str) -> OcrMode:
    from engine.errors import InvalidInput
    from engine.ingest.readers import OCR_MODES

    if value not in OCR_MODES:
        raise InvalidInput(f"--ocr phải là auto, always hoặc never (không phải “{value}”).")
    return value  # type: ignore[return-value]


def extract(file: Path = FILE, fmt: str = format_option(), ocr: str = OCR) -> None:
    """Extract directives from a notice without touching the database (leads resolved on the directory file)."""
    from config.settings import Settings
    from engine.directory import read_directory
    from engine.ingest.agencies import AgencyDirectory
    from engine.ingest.budget import read_and_extract
    from engine.ingest.limits import Limits
    from engine.ingest.ocr import scan_note
    from engine.labels import DEADLINE_KIND_LABELS, label
    from engine.timeutil import local_date

    check_format(fmt)
    settings = Settings()
    directory = AgencyDirectory(read_directory(settings.agencies_file))
    with page_progress(file.name) as step:
        result = read_and_extract(file, directory=directory, today=local_date(state.get_clock()()),
                                  ocr=_ocr_mode(ocr), limits=Limits.from_settings(settings),
                                  progress=step).to_json()
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    doc = result["document"]
    say(f"{doc.get('title') or file.name} · số {doc.get('number') or '—'} · "
        f"ngày {local_day(doc.get('date')) or '—'} · {doc.get('issuer') or ''}")
    if note := scan_note(result.get("ocr")):
        say(note, style="yellow")
    rows = [{**d, "deadline": local_day(d.get("deadline")), "deadline_kind": label(DEADLINE_KIND_LABELS,
                                                                                  d.get("deadline_kind"))}
            for d in result["directives"]]
    emit(rows, [("ref", "Mục"), ("lead", "Chủ trì"), ("deadline", "Thời hạn"), ("deadline_kind", "Loại thời hạn"),
                ("task", "Nội dung")], "table", title=f"{len(rows)} nhiệm vụ")


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
    file: Path = FILE,
    assign_all: bool = typer.Option(False, "--assign", help="Giao luôn mọi nhiệm vụ đã xác định được chủ trì"),
    person: str | None = typer.Option(None, "--as", help=f"{AS_HELP} (bắt buộc khi có --assign)"),
    force: bool = typer.Option(False, "--force", help="Vẫn lưu dù thông báo này đã được nhập trước đó"),
    ocr: str = OCR,
) -> None:
    """Store a notice and its directives as drafts for review."""
    from engine.errors import InvalidInput
    from engine.ingest.limits import Limits
    from engine.ingest.service import ingest_file
    from engine.notices import describe, get_notice
    from engine.people import find_person

    app = state.get_app()
    with app.session() as session:
        actor_id = find_person(session, person).id if person else None
        if assign_all and actor_id is None:
            raise InvalidInput("--assign cần ghi người giao: --as TÊN_CHUYÊN_VIÊN.")
        with page_progress(file.name) as step:
            report = ingest_file(session, file, app.now(), assign_all=assign_all, actor_id=actor_id, force=force,
                                 ocr=_ocr_mode(ocr), limits=Limits.from_settings(app.settings), progress=step)
        first = None if report.created else describe(get_notice(session, report.notice_id))
    if first is not None and not assign_all:
        raise InvalidInput(f"Thông báo này đã được nhập: {first}. Không lưu lại lần nữa; "
                           "dùng --force nếu vẫn muốn lưu thêm một bản.")
    _print_report(report, first)


def notices_list(fmt: str = format_option()) -> None:
    """List ingested notices with their directives counted by state."""
    from engine.labels import STATE_LABELS, label
    from engine.notices import list_notices

    check_format(fmt)
    with state.get_app().session() as session:
        notices = list_notices(session)
    rows = [{"id": n.id, "number": n.number, "date": n.date.isoformat() if n.date else None, "title": n.title,
             "source_name": n.source_name, "created_at": n.created_at.isoformat(), "directives": n.total,
             "states": n.states} for n in notices]
    shown = [{**row, "date": local_day(n.date), "created_at": local_time(n.created_at),
              "states": "; ".join(f"{label(STATE_LABELS, k).lower()}: {v}" for k, v in n.states.items())}
             for row, n in zip(rows, notices, strict=True)]
    emit(rows, [("id", "ID"), ("number", "Số"), ("date", "Ngày"), ("title", "Trích yếu"),
                ("directives", "Nhiệm vụ"), ("states", "Tình trạng"), ("source_name", "Tệp"),
                ("created_at", "Nhập lúc")], fmt, title=f"Thông báo đã nhập ({len(rows)})", table_rows=shown)


def notices_show(notice_id: int = NOTICE_ID, fmt: str = format_option()) -> None:
    """Show a notice: its metadata, its directives and (in JSON) its text."""
    from sqlmodel import col, select

    from engine.models import Directive
    from engine.notices import get_notice

    check_format(fmt)
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
    say(f"Thông báo #{notice.id} · số {notice.number or '—'} · ngày {local_day(notice.date) or '—'} · "
        f"{notice.issuer or ''}", style="bold")
    say(f"{notice.title or ''} (tệp {notice.source_name}, nhập lúc {local_time(notice.created_at)})")
    emit(rows, [("id", "ID"), ("ref", "Mục"), ("lead", "Chủ trì"), ("state", "Trạng thái"),
                ("deadline", "Thời hạn"), ("task", "Nội dung")], "table", title=f"{len(rows)} nhiệm vụ",
         table_rows=[table_row(r) for r in rows])


def notices_delete(notice_id: int = NOTICE_ID,
                   person: str = typer.Option(..., "--as", help=f"{AS_HELP} (chuyên viên Văn phòng)")) -> None:
    """Delete a notice and its drafts (only while none of its directives has been assigned)."""
    from engine.notices import delete_notice
    from engine.people import find_person

    app = state.get_app()
    with app.session() as session:
        actor = find_person(session, person)
        drafts = delete_notice(session, notice_id, actor_id=actor.id)  # type: ignore[arg-type]
    say(f"Đã xóa thông báo #{notice_id} cùng {drafts} nhiệm vụ dự thảo.")


def _uncertain(d: Any) -> str:
    """What the office should look at in a draft, in words."""
    from engine.labels import flag_label

    resolved = d.lead_agency_id is not None or d.leader_id is not None
    flags = [f for f in d.review_flags if not (resolved and f.split(":")[0] in ("unresolved_lead", "collective_lead"))]
    shown = [flag_label(f) for f in flags]
    if not resolved and not any(f.split(":")[0] in ("unresolved_lead", "collective_lead") for f in flags):
        shown.append("chưa xác định chủ trì")
    return "; ".join(shown)


def review(
    directive_id: int | None = typer.Argument(None, help="Dự thảo cần xem, sửa hoặc giao; bỏ trống để xem mọi "
                                                         "dự thảo"),
    person: str | None = typer.Option(None, "--as", help=f"{AS_HELP} (cần khi sửa hoặc giao)"),
    lead: str | None = typer.Option(None, "--lead", help="Đơn vị chủ trì: mã, tên hoặc tên khác"),
    deadline: str | None = typer.Option(None, "--deadline", help=f"Thời hạn mới. {DATE_HELP}"),
    task: str | None = typer.Option(None, "--task", help="Nội dung nhiệm vụ"),
    coordinators: str | None = typer.Option(None, "--coordinators", help="Đơn vị phối hợp, cách nhau bằng ';'"),
    do_assign: bool = typer.Option(False, "--assign", help="Giao sau khi sửa; không có mã số: giao mọi dự thảo "
                                                           "đã có chủ trì"),
    notice: int | None = typer.Option(None, "--notice", help="Chỉ các dự thảo của thông báo này"),
    fmt: str = format_option(),
    candidate: int | None = typer.Option(
        None, "--candidate", help="Biến đề xuất số K của thông báo --notice thành dự thảo (cần --as)"),
    show_candidates: bool = typer.Option(
        False, "--candidates", help="Chỉ liệt kê các đề xuất chưa được nhận (câu có thể là nhiệm vụ)"),
) -> None:
    """List drafts with what is uncertain; show, edit or assign one; assign all."""
    from engine import commands
    from engine.errors import InvalidInput
    from engine.people import find_agency, find_person

    editing = any(v is not None for v in (lead, deadline, task, coordinators))
    if candidate is not None:
        _promote(notice, candidate, person)
        return
    if show_candidates:
        _list_candidates(notice, fmt)
        return
    if directive_id is None and not do_assign:
        _list_drafts(notice, fmt)
        return
    if directive_id is not None and not editing and not do_assign:
        show_directive(directive_id, fmt)
        return
    if person is None:
        raise InvalidInput("Sửa hoặc giao dự thảo cần ghi người thực hiện: --as TÊN_CHUYÊN_VIÊN.")
    app = state.get_app()
    with app.session() as session:
        actor_id = find_person(session, person).id
        now = app.now()
        if directive_id is None:
            _assign_all(session, notice, actor_id, now)  # type: ignore[arg-type]
            return
        load_directive(session, directive_id)
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
                from engine.labels import FIELD_LABELS, label

                fields = [label(FIELD_LABELS, k) for k in edited.event.payload["changes"]  # type: ignore[union-attr]
                          if k not in ("lead_agency_id", "deadline_kind")]
                say(f"Đã sửa dự thảo #{directive_id}: {', '.join(fields)}.")
        if do_assign:
            commands.assign(session, directive_id, actor_id=actor_id, now=now)  # type: ignore[arg-type]
            say(f"Đã giao nhiệm vụ #{directive_id}.")
            warn_unreached(session, [directive_id])


def _list_drafts(notice: int | None, fmt: str) -> None:
    from sqlmodel import col, select

    from engine.models import Directive, Notice, State
    from engine.notices import get_notice

    check_format(fmt)
    app = state.get_app()
    with app.session() as session:
        stmt = select(Directive).where(Directive.state == State.draft).order_by(col(Directive.id))
        if notice is not None:
            stmt = stmt.where(Directive.notice_id == get_notice(session, notice).id)
        # JSON null is stored as 'null', not SQL NULL: filter here, not in the query
        scans = {i: ocr for i, ocr in session.exec(select(Notice.id, Notice.ocr)).all() if ocr}
        if scans:  # only notices read from a scan need the OCR module's note
            from engine.ingest.ocr import scan_note
        rows = []
        for d in session.exec(stmt).all():
            row = directive_row(d, None, app.now())
            note = scan_note(scans[d.notice_id]) if d.notice_id in scans else None
            row["uncertain"] = "; ".join(filter(None, [note, _uncertain(d)]))
            row["confidence"] = round(d.confidence, 2)
            rows.append(row)
    shown = [{**table_row(r), "confidence": f"{r['confidence']:.0%}"} for r in rows]
    emit(rows, [("id", "ID"), ("notice_id", "Thông báo"), ("ref", "Mục"), ("lead", "Chủ trì"),
                ("deadline", "Thời hạn"), ("confidence", "Tin cậy"), ("uncertain", "Cần xem lại"),
                ("task", "Nội dung")], fmt, title=f"Dự thảo chờ duyệt ({len(rows)})", table_rows=shown)
    if fmt == "table":  # what the extractor did not take, under the drafts of each notice listed
        listed = {notice} if notice is not None else {r["notice_id"] for r in rows}
        for notice_id in sorted(n for n in listed if n is not None):
            _list_candidates(notice_id, fmt, quiet=True)


def _assign_all(session: Any, notice: int | None, actor_id: int, now: Any) -> None:
    from sqlmodel import col, select

    from engine.ingest.service import IngestReport, assign_drafts
    from engine.models import Directive, State
    from engine.notices import get_notice

    stmt = select(Directive.id).where(Directive.state == State.draft).order_by(col(Directive.id))
    if notice is not None:
        stmt = stmt.where(Directive.notice_id == get_notice(session, notice).id)
    report = IngestReport(notice_id=notice or 0, created=True, drafts=list(session.exec(stmt).all()))
    assign_drafts(session, report, now, actor_id=actor_id)
    say(f"Đã giao {len(report.assigned)} nhiệm vụ.")
    warn_unreached(session, report.assigned)
    for did, why in report.left_as_draft.items():
        say(f"  #{did} vẫn là dự thảo: {why}")


def train(
    out: Path | None = typer.Option(None, "--out", help="Thư mục ghi mô hình (mặc định: mô hình đi kèm phần mềm)"),
) -> None:
    """Huấn luyện lại mô hình trích xuất nhiệm vụ từ kho văn bản mẫu có chú giải (data/corpus)."""
    from engine.ingest.model import MODEL_DIR
    from engine.ingest.training import retrain

    model = retrain(out)
    meta = model.meta
    say(f"Đã huấn luyện trên {len(meta['documents'])} văn bản ({meta['clauses']} mệnh đề, "
                  f"{meta['positives']} nhiệm vụ); mô hình ghi vào {out or MODEL_DIR}.")


def _candidate_rows(session: Any, notice_id: int | None) -> list[dict[str, Any]]:
    """Candidates not yet turned into drafts, numbered from 1 within their notice."""
    from sqlmodel import col, select

    from engine.models import Notice

    stmt = select(Notice.id, Notice.candidates).order_by(col(Notice.id))
    if notice_id is not None:
        stmt = stmt.where(Notice.id == notice_id)
    return [
        {"notice_id": nid, "number": k, "ref": c.get("ref") or "", "score": c.get("score"), "text": c.get("text")}
        for nid, candidates in session.exec(stmt).all()
        for k, c in enumerate(candidates or [], start=1) if not c.get("directive_id")
    ]


def _list_candidates(notice_id: int | None, fmt: str, *, quiet: bool = False) -> None:
    """The clauses of a notice (or of all) that may be directives but were not taken."""
    check_format(fmt)
    with state.get_app().session() as session:
        if notice_id is not None:
            from engine.notices import get_notice

            get_notice(session, notice_id)
        rows = _candidate_rows(session, notice_id)
    if quiet and not rows:
        return
    where = f" của thông báo #{notice_id}" if notice_id is not None else ""
    shown = [{**r, "score": f"{r['score']:.0%}" if isinstance(r["score"], int | float) else ""} for r in rows]
    emit(rows, [("notice_id", "Thông báo"), ("number", "Số"), ("ref", "Mục"), ("score", "Điểm"),
                ("text", "Câu văn")], fmt,
         title=f"Đề xuất chưa nhận{where} ({len(rows)}): dondoc review --notice N --candidate K --as …",
         table_rows=shown)


def _promote(notice_id: int | None, number: int, person: str | None) -> None:
    """Turn candidate `number` (from 1) of a notice into a draft, as an audited Drafted event."""
    from engine.errors import InvalidInput
    from engine.ingest.service import promote_candidate
    from engine.people import find_person

    if notice_id is None or person is None:
        raise InvalidInput("Cần --notice (mã số thông báo) và --as (chuyên viên Văn phòng) để nhận một đề xuất.")
    app = state.get_app()
    with app.session() as session:
        actor = find_person(session, person)
        directive_id = promote_candidate(session, notice_id, number - 1, actor_id=actor.id,  # type: ignore[arg-type]
                                         now=app.now())
    say(f"Đã tạo dự thảo #{directive_id} từ đề xuất số {number} của thông báo #{notice_id}.")


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    app.command("extract", help="Trích xuất nhiệm vụ từ một thông báo mà không lưu gì (xem trước).")(extract)
    app.command("ingest", help="Nhập thông báo: lưu mọi nhiệm vụ thành dự thảo chờ duyệt (một thông báo chỉ "
                               "nhập một lần).")(ingest)
    app.command("train", help="Huấn luyện lại mô hình trích xuất từ kho văn bản mẫu có chú giải (data/corpus).")(
        train)
    app.command("review", help="Duyệt dự thảo: xem những gì cần xem lại, xem một dự thảo, sửa chủ trì, thời hạn, "
                               "nội dung, rồi giao.")(review)
    group = typer.Typer(help="Thông báo kết luận đã nhập.", no_args_is_help=True)
    group.command("list", help="Liệt kê thông báo đã nhập, số nhiệm vụ theo tình trạng.")(notices_list)
    group.command("show", help="Xem một thông báo và các nhiệm vụ của nó (--format json: cả văn bản).")(notices_show)
    group.command("delete", help="Xóa thông báo cùng các dự thảo của nó, khi chưa nhiệm vụ nào được giao.")(
        notices_delete)
    app.add_typer(group, name="notices")
