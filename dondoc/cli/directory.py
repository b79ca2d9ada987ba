"""`dondoc agencies list|import|edit|remove` and `dondoc people list|add|edit|remove`."""

from __future__ import annotations

from pathlib import Path

import typer

from dondoc.cli.context import check_format, emit, format_option, say, state

ROLE_HELP = "Vai trò: office (chuyên viên Văn phòng), leader (lãnh đạo đơn vị), focal (đầu mối), " \
            "supervisor (lãnh đạo UBND tỉnh)"
PERSON = typer.Argument(..., help="Mã số hoặc đúng họ tên trong danh bạ")
AGENCY = typer.Argument(..., help="Cơ quan: mã, tên hoặc tên khác")


def agencies_list(fmt: str = format_option()) -> None:
    """List the agency directory."""
    from sqlmodel import col, select

    from engine.labels import AGENCY_KIND_LABELS, label
    from engine.models import Agency, Person

    check_format(fmt)
    with state.get_app().session() as session:
        names = {p.id: p.name for p in session.exec(select(Person)).all()}
        agencies = session.exec(select(Agency).order_by(col(Agency.code))).all()
    rows = [{"id": a.id, "code": a.code, "name": a.name, "kind": a.kind, "aliases": a.aliases,
             "supervisor_id": a.supervisor_id} for a in agencies]
    shown = [{**r, "kind": label(AGENCY_KIND_LABELS, r["kind"]), "supervisor": names.get(r["supervisor_id"])}
             for r in rows]
    emit(rows, [("id", "ID"), ("code", "Mã"), ("name", "Tên"), ("kind", "Loại"), ("aliases", "Tên khác"),
                ("supervisor", "Lãnh đạo phụ trách")], fmt, title=f"Danh bạ cơ quan ({len(rows)})", table_rows=shown)


def agencies_import(path: Path = typer.Argument(..., help="Tệp YAML (agencies và people) hoặc CSV "
                                                          "(code,name,kind,aliases)")) -> None:
    """Import or update the directory from a file (agencies matched by code)."""
    from engine.directory import import_directory, read_directory

    data = read_directory(path)
    with state.get_app().session() as session:
        report = import_directory(session, data)
    say(f"Đã nhập: {report.agencies_added} cơ quan mới, {report.agencies_updated} cập nhật; "
        f"{report.people_added} người mới, {report.people_updated} cập nhật.")


def agencies_edit(
    agency: str = AGENCY,
    code: str | None = typer.Option(None, "--code", help="Mã mới"),
    name: str | None = typer.Option(None, "--name", help="Tên chính thức mới"),
    kind: str | None = typer.Option(None, "--kind", help="Loại: so, ban, huyen, office, leader, other"),
    aliases: str | None = typer.Option(None, "--aliases", help="Các tên khác, cách nhau bằng ';' (thay toàn bộ; "
                                                               "'-' để xóa hết)"),
    supervisor: str | None = typer.Option(None, "--supervisor", help="Lãnh đạo UBND tỉnh phụ trách: mã số hoặc "
                                                                     "họ tên; '-' để bỏ"),
) -> None:
    """Change an agency; what is not given stays as it is."""
    from engine.directory_admin import AgencyInput, save_agency
    from engine.people import find_agency, find_person

    with state.get_app().session() as session:
        current = find_agency(session, agency)
        boss = current.supervisor_id
        if supervisor is not None:
            boss = None if supervisor.strip() == "-" else find_person(session, supervisor).id
        names = tuple(current.aliases) if aliases is None else _aliases(aliases)
        saved = save_agency(session, AgencyInput(code or current.code, name or current.name, kind or current.kind,
                                                 names, boss), current.id)
        say(f"Đã cập nhật cơ quan {saved.name} ({saved.code}).")


def _aliases(text: str) -> tuple[str, ...]:
    return () if text.strip() == "-" else tuple(a.strip() for a in text.split(";") if a.strip())


def agencies_remove(agency: str = AGENCY) -> None:
    """Remove an agency that leads no directive and has no people."""
    from engine.directory_admin import remove_agency
    from engine.people import find_agency

    with state.get_app().session() as session:
        found = find_agency(session, agency)
        name = found.name
        remove_agency(session, found.id)  # type: ignore[arg-type]
    say(f"Đã xóa cơ quan {name} khỏi danh bạ.")


def people_list(
    fmt: str = format_option(),
    removed: bool = typer.Option(False, "--removed", help="Cả những người đã xóa khỏi danh bạ"),
) -> None:
    """List people and their Telegram binding."""
    from sqlmodel import col, select

    from engine.labels import ROLE_LABELS, label
    from engine.models import Agency, Person

    check_format(fmt)
    with state.get_app().session() as session:
        agencies = {a.id: a.code for a in session.exec(select(Agency)).all()}
        stmt = select(Person).order_by(col(Person.id))
        people = session.exec(stmt if removed else stmt.where(col(Person.active))).all()
    rows = [{"id": p.id, "name": p.name, "title": p.title, "role": p.role.value, "agency": agencies.get(p.agency_id),
             "telegram_bound": p.telegram_chat_id is not None, "reachable": p.reachable, "active": p.active}
            for p in people]
    shown = [{**r, "role": label(ROLE_LABELS, r["role"]),
              "telegram": ("đã liên kết" if r["telegram_bound"] else "chưa liên kết")
              + ("" if r["reachable"] or not r["telegram_bound"] else ", không liên lạc được")} for r in rows]
    columns = [("id", "ID"), ("name", "Họ tên"), ("title", "Chức vụ"), ("role", "Vai trò"), ("agency", "Cơ quan"),
               ("telegram", "Telegram")] + ([("active", "Còn trong danh bạ")] if removed else [])
    emit(rows, columns, fmt, title=f"Người dùng ({len(rows)})", table_rows=shown)


def people_add(
    name: str = typer.Argument(..., help="Họ tên"),
    role: str = typer.Option("leader", "--role", help=ROLE_HELP),
    agency: str | None = typer.Option(None, "--agency", help="Cơ quan: mã, tên hoặc tên khác"),
    title: str = typer.Option("", "--title", help="Chức vụ, ví dụ Giám đốc"),
) -> None:
    """Add a person (an exact duplicate in the same agency is refused)."""
    from engine.directory_admin import PersonInput, save_person
    from engine.labels import ROLE_LABELS, label
    from engine.people import find_agency

    with state.get_app().session() as session:
        agency_id = find_agency(session, agency).id if agency else None
        person = save_person(session, PersonInput(name, _role(role), title, agency_id))
        say(f"Đã thêm #{person.id}: {person.name} ({label(ROLE_LABELS, person.role.value).lower()})")


def _role(value: str) -> str:
    from engine.errors import InvalidInput
    from engine.labels import ROLE_LABELS
    from engine.text import name_key

    for code, text in ROLE_LABELS.items():
        if name_key(value) in (code, name_key(text)):
            return code
    raise InvalidInput(f"Không có vai trò “{value}”; chọn một trong: {', '.join(ROLE_LABELS)}.")


def people_edit(
    person: str = PERSON,
    name: str | None = typer.Option(None, "--name", help="Họ tên mới"),
    role: str | None = typer.Option(None, "--role", help=ROLE_HELP),
    agency: str | None = typer.Option(None, "--agency", help="Cơ quan mới: mã, tên hoặc tên khác; '-' để bỏ"),
    title: str | None = typer.Option(None, "--title", help="Chức vụ mới"),
) -> None:
    """Change a person; what is not given stays as it is."""
    from engine.directory_admin import PersonInput, save_person
    from engine.people import find_agency, find_person

    with state.get_app().session() as session:
        who = find_person(session, person)
        agency_id = who.agency_id
        if agency is not None:
            agency_id = None if agency.strip() == "-" else find_agency(session, agency).id
        data = PersonInput(name or who.name, _role(role) if role else who.role.value,
                           who.title if title is None else title, agency_id)
        saved = save_person(session, data, who.id)
        say(f"Đã cập nhật #{saved.id}: {saved.name}.")


def people_remove(person: str = PERSON) -> None:
    """Take a person out of the directory (their history stays); refused while they lead open work."""
    from engine.directory_admin import remove_person
    from engine.people import find_person

    with state.get_app().session() as session:
        who = find_person(session, person)
        removed = remove_person(session, who.id)  # type: ignore[arg-type]
    say(f"Đã xóa {removed.name} khỏi danh bạ; lịch sử của người này vẫn được giữ.")


# The `people` group; dondoc.cli.telegram adds `invite` and `unbind` to it.
people = typer.Typer(help="Người dùng: lãnh đạo, đầu mối, chuyên viên Văn phòng.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    agencies = typer.Typer(help="Danh bạ cơ quan.", no_args_is_help=True)
    agencies.command("list", help="Liệt kê các cơ quan trong danh bạ.")(agencies_list)
    agencies.command("import", help="Nhập hoặc cập nhật danh bạ từ tệp YAML hoặc CSV (khớp theo mã). Trong CSV, "
                                    "các tên khác cách nhau bằng ';'; để trống cột aliases thì giữ nguyên tên khác "
                                    "đang có, ghi '-' để xóa hết.")(agencies_import)
    agencies.command("edit", help="Sửa một cơ quan: mã, tên, loại, tên khác, lãnh đạo phụ trách.")(agencies_edit)
    agencies.command("remove", help="Xóa một cơ quan không còn chủ trì nhiệm vụ nào và không còn người.")(
        agencies_remove)
    app.add_typer(agencies, name="agencies")
    people.command("list", help="Liệt kê người dùng và tình trạng liên kết Telegram.")(people_list)
    people.command("add", help="Thêm một người (không thêm trùng tên trong cùng cơ quan).")(people_add)
    people.command("edit", help="Sửa họ tên, vai trò, cơ quan hoặc chức vụ của một người.")(people_edit)
    people.command("remove", help="Xóa một người khỏi danh bạ (lịch sử vẫn giữ); không xóa được khi người đó "
                                  "còn chủ trì hoặc là người duy nhất nhận nhiệm vụ đang mở.")(people_remove)
    app.add_typer(people, name="people")
