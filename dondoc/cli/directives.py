"""`dondoc directives list`, `dondoc directive show` and the lifecycle actions (ack, report, …)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dondoc.cli.context import (
    AS_HELP,
    DATE_HELP,
    check_format,
    emit,
    format_option,
    local_day,
    local_time,
    parse_time,
    say,
    state,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from engine import commands
    from engine.models import Directive, Notice

AS = typer.Option(..., "--as", help=AS_HELP)
ID = typer.Argument(..., help="Mã số nhiệm vụ (cột ID của dondoc directives list)")
LIST_COLUMNS = [("id", "ID"), ("notice", "Thông báo"), ("ref", "Mục"), ("lead", "Chủ trì"), ("state", "Trạng thái"),
                ("deadline", "Thời hạn"), ("bucket", "Tình hình thực hiện"), ("task", "Nội dung")]


def directive_row(d: Directive, notice: Notice | None, now: Any) -> dict[str, Any]:
    """A directive as a flat dict with stable keys and codes (the JSON listing contract)."""
    from engine.stats import bucket_of
    from engine.timeutil import local

    return {
        "id": d.id, "notice_id": d.notice_id, "notice": notice.number if notice else None, "ref": d.ref,
        "task": d.task, "lead": d.lead,
        "lead_agency_id": d.lead_agency_id, "coordinators": d.coordinators, "report_to": d.report_to,
        "state": d.state.value, "deadline": local(d.deadline).date().isoformat() if d.deadline else None,
        "deadline_text": d.deadline_text, "deadline_kind": d.deadline_kind, "recurrence": d.recurrence,
        "bucket": bucket_of(d, now), "version": d.version, "flags": d.review_flags,
        "pending_extension": d.pending_extension,
    }


TASK_IN_LIST = 110  # characters of the task a listing shows; `directive show` and JSON give all of it


def table_row(row: dict[str, Any]) -> dict[str, Any]:
    """The same row as a person reads it: labels for codes, dd/mm/yyyy for dates, the task shortened."""
    from engine.labels import BUCKET_LABELS, STATE_LABELS, flag_label, label

    task = " ".join(row["task"].split())
    return {**row, "state": label(STATE_LABELS, row["state"]), "bucket": label(BUCKET_LABELS, row["bucket"]),
            "deadline": local_day(row["deadline"]), "flags": [flag_label(f) for f in row["flags"]],
            "task": task if len(task) <= TASK_IN_LIST else task[:TASK_IN_LIST - 1].rstrip() + "…"}


def _choice(value: str | None, labels: dict[str, str], what: str) -> str | None:
    """A code given on the command line (its Vietnamese label works too), or InvalidInput listing them."""
    from engine.errors import InvalidInput
    from engine.text import name_key

    if value is None:
        return None
    for code, text in labels.items():
        if name_key(value) in (name_key(code), name_key(text)):
            return code
    raise InvalidInput(f"Không có {what} “{value}”; chọn một trong: {', '.join(labels)}.")


def list_directives(
    state_: str | None = typer.Option(None, "--state", help="Trạng thái: draft, assigned, in_progress, reported, "
                                                             "overdue, done, cancelled"),
    agency: str | None = typer.Option(None, "--agency", help="Đơn vị chủ trì: mã, tên hoặc tên khác"),
    bucket: str | None = typer.Option(None, "--bucket", help="Tình hình thực hiện: done_on_time, done_late, "
                                                             "open_in_time, open_overdue, no_deadline, due_soon"),
    notice: int | None = typer.Option(None, "--notice", help="Mã số thông báo (xem: dondoc notices list)"),
    search: str = typer.Option("", "--search", "-q", help="Từ cần tìm, không phân biệt dấu và chữ hoa"),
    fmt: str = format_option(),
) -> None:
    """List directives (the web's filters: engine.queries)."""
    from sqlmodel import col, select

    from engine.labels import BUCKET_LABELS, STATE_LABELS
    from engine.models import Directive
    from engine.notices import get_notice
    from engine.people import find_agency
    from engine.queries import LIST_BUCKETS, DirectiveFilter, conditions

    check_format(fmt)
    wanted_state = _choice(state_, STATE_LABELS, "trạng thái")
    wanted_bucket = _choice(bucket, {b: BUCKET_LABELS[b] for b in LIST_BUCKETS}, "nhóm")
    app = state.get_app()
    now = app.now()
    with app.session() as session:
        agency_id = find_agency(session, agency).id if agency else None
        notice_id = get_notice(session, notice).id if notice is not None else None
        f = DirectiveFilter(state=wanted_state, bucket=wanted_bucket, agency_id=agency_id, notice_id=notice_id,
                            q=search)
        stmt = select(Directive).where(*conditions(f, now, app.calendar)).order_by(col(Directive.id))
        notices = _notices(session)
        rows = [directive_row(d, notices.get(d.notice_id), now) for d in session.exec(stmt).all()]
    emit(rows, LIST_COLUMNS, fmt, title=f"Nhiệm vụ ({len(rows)})", table_rows=[table_row(r) for r in rows])


def _notices(session: Session) -> dict[int, Any]:
    """id → a light notice (number and title only: the texts stay in the database)."""
    from types import SimpleNamespace

    from sqlmodel import select

    from engine.models import Notice

    rows = session.exec(select(Notice.id, Notice.number, Notice.title)).all()
    return {i: SimpleNamespace(id=i, number=number, title=title) for i, number, title in rows}


def load_directive(session: Session, directive_id: int) -> Directive:
    """A directive by id, or NotFound."""
    from engine.errors import NotFound
    from engine.models import Directive

    directive = session.get(Directive, directive_id)
    if directive is None:
        raise NotFound(f"Không có nhiệm vụ #{directive_id} (xem: dondoc directives list).")
    return directive


def show_directive(directive_id: int = ID, fmt: str = format_option()) -> None:
    """Show one directive with its event history."""
    from sqlmodel import col, select

    from engine.labels import EVENT_LABELS, event_details, label
    from engine.models import Agency, DirectiveEvent
    from engine.views import lead_name

    check_format(fmt)
    app = state.get_app()
    with app.session() as session:
        d = load_directive(session, directive_id)
        notice = _notices(session).get(d.notice_id)
        events = session.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == directive_id)
                              .order_by(col(DirectiveEvent.seq))).all()
        lead_agency = session.get(Agency, d.lead_agency_id) if d.lead_agency_id else None
        lead = lead_name(session, d)
    row = directive_row(d, notice, app.now())
    row["lead_agency"] = lead_agency.name if lead_agency else None
    row["original_deadline"] = d.original_deadline.isoformat() if d.original_deadline else None
    row["events"] = [{"seq": e.seq, "type": e.type, "actor": e.actor, "at": e.at.isoformat(), "payload": e.payload}
                     for e in events]
    if fmt == "json":
        emit([row], [], "json")
        return
    shown = table_row(row)
    if d.original_deadline is not None:  # the notice's phrase no longer describes the deadline
        since = f"đã gia hạn; hạn ban đầu {local_day(d.original_deadline)}"
        phrase = f"{since} — “{d.deadline_text}”" if d.deadline_text else since
    else:
        phrase = d.deadline_text or "không ghi"
    say(f"#{d.id} · thông báo {row['notice'] or '—'} · mục {d.ref or '—'} · {shown['state']} · "
        f"thời hạn {shown['deadline'] or '—'} ({phrase})", style="bold")
    say(f"Chủ trì: {lead or '—'}" + (f" · Phối hợp: {'; '.join(d.coordinators)}" if d.coordinators else ""))
    if d.report_to:
        say(f"Báo cáo về: {d.report_to}")
    say(f"Nội dung: {d.task}")
    if d.pending_extension:
        say(f"Đang xin gia hạn đến {local_day(d.pending_extension.get('new_deadline'))}: "
            f"{d.pending_extension.get('reason') or 'không ghi lý do'}", style="yellow")
    if shown["flags"]:
        say(f"Cần xem lại: {'; '.join(shown['flags'])}")
    history = [{"seq": e.seq, "type": label(EVENT_LABELS, e.type), "at": local_time(e.at),
                "actor": "Hệ thống" if e.actor == "system" else e.actor, "details": event_details(e.type, e.payload)}
               for e in events]
    emit(history, [("seq", "#"), ("type", "Sự kiện"), ("actor", "Người thực hiện"), ("at", "Lúc"),
                   ("details", "Chi tiết")], "table", title="Lịch sử")


def _act(command: commands.Command) -> None:
    from engine import commands as engine_commands

    app = state.get_app()
    with app.session() as session:
        outcome = engine_commands.handle(session, command, app.now())
    _print_outcome(outcome)


def _print_outcome(outcome: commands.Outcome) -> None:
    from engine.labels import EVENT_LABELS, STATE_LABELS, label

    d = outcome.directive
    now = label(STATE_LABELS, d.state.value).lower()
    if outcome.noop:
        say(f"Không có thay đổi: nhiệm vụ #{d.id} đã ở trạng thái “{now}”.")
    else:
        assert outcome.event is not None
        say(f"✅ #{d.id}: {label(EVENT_LABELS, outcome.event.type)} — nay “{now}” (phiên bản {d.version})")


def _actor_id(person: str) -> int:
    from engine.people import find_person

    with state.get_app().session() as session:
        return find_person(session, person).id  # type: ignore[return-value]


def ack(directive_id: int = ID, person: str = AS) -> None:
    """Acknowledge a directive (Đã nhận)."""
    from engine.commands import AcknowledgeDirective

    _act(AcknowledgeDirective(directive_id, _actor_id(person)))


def report(directive_id: int = ID, person: str = AS,
           text: str = typer.Option("", "--text", help="Kết quả thực hiện, bằng lời"),
           file: Path | None = typer.Option(None, "--file", help="Tệp báo cáo đính kèm")) -> None:
    """Submit the result report."""
    from engine.commands import SubmitReport

    actor = _actor_id(person)
    attachment = _store_attachment(file) if file is not None else None
    _act(SubmitReport(directive_id, actor, text, attachment))


def _store_attachment(file: Path) -> dict[str, Any]:
    import mimetypes

    from engine.errors import InvalidInput
    from engine.report_files import store_report_file

    if not file.is_file():
        raise InvalidInput(f"{file}: không tìm thấy tệp")
    app = state.get_app()  # in the database, where the bot, the web app and every host read report files
    with app.session() as session:
        return store_report_file(session, file.read_bytes(), name=file.name,
                                 mime_type=mimetypes.guess_type(file.name)[0], now=app.now())


def accept(directive_id: int = ID, person: str = AS,
           note: str = typer.Option("", "--note", help="Ghi chú của Văn phòng")) -> None:
    """Accept the report: the directive is done."""
    from engine.commands import AcceptReport

    _act(AcceptReport(directive_id, _actor_id(person), note))


def return_(directive_id: int = ID, person: str = AS,
            reason: str = typer.Option("", "--reason", help="Lý do trả lại, để đơn vị bổ sung")) -> None:
    """Send the report back to the lead."""
    from engine.commands import ReturnReport

    _act(ReturnReport(directive_id, _actor_id(person), reason))


def extend(directive_id: int = ID, person: str = AS,
           to: str | None = typer.Option(None, "--to", help=f"Hạn mới. {DATE_HELP}"),
           reason: str = typer.Option("", "--reason", help="Lý do"),
           approve: bool = typer.Option(False, "--approve", help="Văn phòng: đồng ý đề nghị đang chờ"),
           deny: bool = typer.Option(False, "--deny", help="Văn phòng: không chấp thuận đề nghị đang chờ")) -> None:
    """Ask for (lead) or grant/deny (office) a new deadline."""
    from engine.commands import DenyExtension, GrantExtension, RequestExtension
    from engine.errors import InvalidInput
    from engine.people import OFFICE_ROLES, find_person

    if approve and deny:
        raise InvalidInput("Chọn --approve hoặc --deny, không chọn cả hai.")
    with state.get_app().session() as session:
        who = find_person(session, person)
    actor = who.id
    new = parse_time(to) if to else None
    if deny:
        _act(DenyExtension(directive_id, actor, reason))  # type: ignore[arg-type]
        return
    if approve or who.role in OFFICE_ROLES:
        _act(GrantExtension(directive_id, actor, new))  # type: ignore[arg-type]
    else:
        if new is None:
            raise InvalidInput("Hãy ghi hạn mới đề nghị: --to 30/06/2024.")
        _act(RequestExtension(directive_id, actor, new, reason))  # type: ignore[arg-type]


def cancel(directive_ids: list[int] = typer.Argument(..., help="Một hoặc nhiều mã số nhiệm vụ"), person: str = AS,
           reason: str = typer.Option("", "--reason", help="Lý do hủy")) -> None:
    """Cancel directives: all of them, or none if one cannot be."""
    from engine import commands as engine_commands

    app = state.get_app()
    actor = _actor_id(person)
    with app.session() as session:
        outcomes = engine_commands.cancel_many(session, directive_ids, actor_id=actor, now=app.now(), reason=reason)
    for outcome in outcomes:
        _print_outcome(outcome)


def assign(directive_ids: list[int] = typer.Argument(..., help="Một hoặc nhiều mã số dự thảo"),
           person: str = AS) -> None:
    """Assign reviewed drafts: all of them, or none if one cannot be."""
    from engine import commands as engine_commands

    app = state.get_app()
    actor = _actor_id(person)
    with app.session() as session:
        outcomes = engine_commands.assign_many(session, directive_ids, actor_id=actor, now=app.now())
        for outcome in outcomes:
            _print_outcome(outcome)
        warn_unreached(session, directive_ids)


def warn_unreached(session: Session, directive_ids: list[int]) -> None:
    """After assigning: say which directives nobody will be told about, and what to do."""
    from engine.people import unreached_directives
    from engine.views import lead_name

    for d in unreached_directives(session, list(directive_ids)):
        say(f"⚠ #{d.id}: {lead_name(session, d)} chưa có ai trong danh bạ nhận thông báo; "
            "nhiệm vụ nằm trong danh sách “không có người nhận” của Văn phòng "
            "(thêm người: dondoc people add TÊN --agency MÃ).", style="yellow")


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    group = typer.Typer(help="Danh sách nhiệm vụ.", no_args_is_help=True)
    group.command("list", help="Liệt kê nhiệm vụ, lọc theo trạng thái, đơn vị, nhóm hoặc thông báo.")(list_directives)
    app.add_typer(group, name="directives")
    one = typer.Typer(help="Một nhiệm vụ.", no_args_is_help=True)
    one.command("show", help="Xem một nhiệm vụ cùng toàn bộ lịch sử của nó.")(show_directive)
    app.add_typer(one, name="directive")
    app.command("ack", help="Đơn vị chủ trì xác nhận đã nhận nhiệm vụ.")(ack)
    app.command("report", help="Đơn vị chủ trì báo cáo kết quả (nội dung và/hoặc tệp).")(report)
    app.command("accept", help="Văn phòng xác nhận hoàn thành theo báo cáo.")(accept)
    app.command("return", help="Văn phòng trả lại báo cáo để đơn vị bổ sung.")(return_)
    app.command("extend", help="Đơn vị xin gia hạn; Văn phòng đồng ý (--approve), từ chối (--deny) "
                               "hoặc đặt hạn mới (--to).")(extend)
    app.command("cancel", help="Hủy một hoặc nhiều nhiệm vụ: hủy tất cả, hoặc không hủy gì nếu có một cái "
                               "không hủy được.")(cancel)
    app.command("assign", help="Giao một hoặc nhiều dự thảo đã duyệt: giao tất cả, hoặc không giao gì nếu có "
                               "một cái không giao được.")(assign)
