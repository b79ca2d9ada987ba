"""`dondoc directives list`, `dondoc directive show` and the lifecycle actions (ack, report, …)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

import typer
from sqlmodel import Session, col, select

from dondoc.cli.context import emit, parse_time, say, state
from engine import commands
from engine.errors import InvalidInput, NotFound
from engine.models import Agency, Directive, DirectiveEvent, Notice
from engine.people import OFFICE_ROLES, find_agency, find_person
from engine.queries import LIST_BUCKETS, DirectiveFilter, conditions
from engine.report_files import store_report_file
from engine.stats import bucket_of
from engine.timeutil import local

FORMAT = typer.Option("table", "--format", "-f", help="table or json")
AS = typer.Option(..., "--as", help="Who acts: person id or exact name")

LIST_COLUMNS = [("id", "ID"), ("ref", "Mục"), ("lead", "Chủ trì"), ("state", "Trạng thái"),
                ("deadline", "Thời hạn"), ("bucket", "Nhóm"), ("task", "Nội dung")]


def _fmt_time(value: Any) -> str | None:
    return local(value).format("YYYY-MM-DD HH:mm") if value else None


def directive_row(d: Directive, notice: Notice | None, now: Any) -> dict[str, Any]:
    """A directive as a flat dict with stable keys (the JSON listing contract)."""
    return {
        "id": d.id, "notice_id": d.notice_id, "notice": notice.number if notice else None, "ref": d.ref,
        "task": d.task, "lead": d.lead,
        "lead_agency_id": d.lead_agency_id, "coordinators": d.coordinators, "report_to": d.report_to,
        "state": d.state.value, "deadline": local(d.deadline).date().isoformat() if d.deadline else None,
        "deadline_text": d.deadline_text, "deadline_kind": d.deadline_kind, "recurrence": d.recurrence,
        "bucket": bucket_of(d, now), "version": d.version, "flags": d.review_flags,
        "pending_extension": d.pending_extension,
    }


def _load(session: Session, directive_id: int) -> Directive:
    directive = session.get(Directive, directive_id)
    if directive is None:
        raise NotFound(f"no directive with id {directive_id}")
    return directive


def list_directives(
    state_: str | None = typer.Option(None, "--state", help="draft, assigned, in_progress, reported, overdue, …"),
    agency: str | None = typer.Option(None, "--agency", help="Lead agency: code, name or alias"),
    bucket: str | None = typer.Option(None, "--bucket", help=", ".join(LIST_BUCKETS)),
    notice: int | None = typer.Option(None, "--notice", help="Notice id"),
    search: str = typer.Option("", "--search", "-q", help="Words to find, diacritics and case ignored"),
    fmt: str = FORMAT,
) -> None:
    """List directives (the web's filters: engine.queries)."""
    app = state.get_app()
    now = app.now()
    with app.session() as session:
        agency_id = find_agency(session, agency).id if agency else None
        f = DirectiveFilter(state=state_, bucket=bucket, agency_id=agency_id, notice_id=notice, q=search)
        stmt = select(Directive).where(*conditions(f, now, app.calendar)).order_by(col(Directive.id))
        notices = {n.id: n for n in session.exec(select(Notice)).all()}
        rows = [directive_row(d, notices.get(d.notice_id), now) for d in session.exec(stmt).all()]
    emit(rows, LIST_COLUMNS, fmt, title=f"Nhiệm vụ ({len(rows)})")


def show_directive(directive_id: int = typer.Argument(...), fmt: str = FORMAT) -> None:
    """Show one directive with its event history."""
    app = state.get_app()
    with app.session() as session:
        d = _load(session, directive_id)
        notice = session.get(Notice, d.notice_id) if d.notice_id else None
        events = session.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == directive_id)
                              .order_by(col(DirectiveEvent.seq))).all()
        lead_agency = session.get(Agency, d.lead_agency_id) if d.lead_agency_id else None
    row = directive_row(d, notice, app.now())
    row["lead_agency"] = lead_agency.name if lead_agency else None
    row["events"] = [{"seq": e.seq, "type": e.type, "actor": e.actor, "at": e.at.isoformat(), "payload": e.payload}
                     for e in events]
    if fmt == "json":
        emit([row], [], "json")
        return
    if d.original_deadline is not None:  # the notice's phrase no longer describes the deadline
        since = f"đã gia hạn; hạn ban đầu {local(d.original_deadline).format('DD/MM/YYYY')}"
        phrase = f"{since} — “{d.deadline_text}”" if d.deadline_text else since
    else:
        phrase = d.deadline_text or "không ghi"
    say(f"#{d.id} mục {d.ref or '—'} · {row['state']} · thời hạn {row['deadline'] or '—'}"
                  f" ({phrase})")
    say(f"Chủ trì: {d.lead or '—'}" + (f" · Phối hợp: {', '.join(d.coordinators)}" if d.coordinators else ""))
    say(f"Nội dung: {d.task}")
    emit(row["events"], [("seq", "#"), ("type", "Sự kiện"), ("actor", "Người thực hiện"), ("at", "Lúc"),
                         ("payload", "Chi tiết")], "table", title="Lịch sử")


def _act(command: commands.Command) -> None:
    app = state.get_app()
    with app.session() as session:
        outcome = commands.handle(session, command, app.now())
    _print_outcome(outcome)


def _print_outcome(outcome: commands.Outcome) -> None:
    d = outcome.directive
    if outcome.noop:
        say(f"Không có thay đổi: nhiệm vụ #{d.id} đã ở trạng thái {d.state.value}.")
    else:
        assert outcome.event is not None
        say(f"✅ #{d.id}: {outcome.event.type} → {d.state.value} (phiên bản {d.version})")


def _actor_id(person: str) -> int:
    with state.get_app().session() as session:
        return find_person(session, person).id  # type: ignore[return-value]


def ack(directive_id: int = typer.Argument(...), person: str = AS) -> None:
    """Acknowledge a directive (Đã nhận)."""
    _act(commands.AcknowledgeDirective(directive_id, _actor_id(person)))


def report(directive_id: int = typer.Argument(...), person: str = AS,
           text: str = typer.Option("", "--text", help="The result, in words"),
           file: Path | None = typer.Option(None, "--file", help="A document to attach")) -> None:
    """Submit the result report."""
    attachment = None
    if file is not None:
        attachment = _store_attachment(file)
    _act(commands.SubmitReport(directive_id, _actor_id(person), text, attachment))


def _store_attachment(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise InvalidInput(f"{file}: file not found")
    app = state.get_app()  # in the database, where the bot, the web app and every host read report files
    with app.session() as session:
        return store_report_file(session, file.read_bytes(), name=file.name,
                                 mime_type=mimetypes.guess_type(file.name)[0], now=app.now())


def accept(directive_id: int = typer.Argument(...), person: str = AS,
           note: str = typer.Option("", "--note")) -> None:
    """Accept the report: the directive is done."""
    _act(commands.AcceptReport(directive_id, _actor_id(person), note))


def return_(directive_id: int = typer.Argument(...), person: str = AS,
            reason: str = typer.Option("", "--reason")) -> None:
    """Send the report back to the lead."""
    _act(commands.ReturnReport(directive_id, _actor_id(person), reason))


def extend(directive_id: int = typer.Argument(...), person: str = AS,
           to: str | None = typer.Option(None, "--to", help="New deadline (ISO date)"),
           reason: str = typer.Option("", "--reason"),
           approve: bool = typer.Option(False, "--approve", help="Office: grant the pending request"),
           deny: bool = typer.Option(False, "--deny", help="Office: refuse the pending request")) -> None:
    """Ask for (lead) or grant/deny (office) a new deadline."""
    if approve and deny:
        raise InvalidInput("choose --approve or --deny, not both")
    with state.get_app().session() as session:
        who = find_person(session, person)
    actor = who.id  # type: ignore[assignment]
    new = parse_time(to) if to else None
    if deny:
        _act(commands.DenyExtension(directive_id, actor, reason))  # type: ignore[arg-type]
        return
    if approve or who.role in OFFICE_ROLES:
        _act(commands.GrantExtension(directive_id, actor, new))
    else:
        if new is None:
            raise InvalidInput("give the requested deadline with --to YYYY-MM-DD")
        _act(commands.RequestExtension(directive_id, actor, new, reason))


def _act_all(outcomes: list[commands.Outcome]) -> None:
    for outcome in outcomes:
        _print_outcome(outcome)


def cancel(directive_ids: list[int] = typer.Argument(..., help="One or more directive ids"), person: str = AS,
           reason: str = typer.Option("", "--reason")) -> None:
    """Cancel directives: all of them, or none if one cannot be."""
    app = state.get_app()
    actor = _actor_id(person)
    with app.session() as session:
        _act_all(commands.cancel_many(session, directive_ids, actor_id=actor, now=app.now(), reason=reason))


def assign(directive_ids: list[int] = typer.Argument(..., help="One or more draft ids"), person: str = AS) -> None:
    """Assign reviewed drafts: all of them, or none if one cannot be."""
    app = state.get_app()
    actor = _actor_id(person)
    with app.session() as session:
        _act_all(commands.assign_many(session, directive_ids, actor_id=actor, now=app.now()))
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
    group.command("list")(list_directives)
    app.add_typer(group, name="directives")
    one = typer.Typer(help="Một nhiệm vụ.", no_args_is_help=True)
    one.command("show")(show_directive)
    app.add_typer(one, name="directive")
    app.command("ack")(ack)
    app.command("report")(report)
    app.command("accept")(accept)
    app.command("return")(return_)
    app.command("extend")(extend)
    app.command("cancel")(cancel)
    app.command("assign")(assign)
