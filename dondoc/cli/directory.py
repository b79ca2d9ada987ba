"""`dondoc agencies list|import` and `dondoc people list|add`."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlmodel import col, select

from dondoc.cli.context import emit, say, state
from engine.directory import import_directory, read_directory
from engine.errors import InvalidInput
from engine.models import Agency, Person, Role
from engine.people import find_agency
from engine.text import clean_name

FORMAT = typer.Option("table", "--format", "-f", help="table or json")


def agencies_list(fmt: str = FORMAT) -> None:
    """List the agency directory."""
    with state.get_app().session() as session:
        rows = [{"id": a.id, "code": a.code, "name": a.name, "kind": a.kind, "aliases": a.aliases,
                 "supervisor_id": a.supervisor_id}
                for a in session.exec(select(Agency).order_by(col(Agency.code))).all()]
    emit(rows, [("id", "ID"), ("code", "Mã"), ("name", "Tên"), ("kind", "Loại"), ("aliases", "Tên khác")], fmt,
         title=f"Danh bạ cơ quan ({len(rows)})")


def agencies_import(
    path: Path = typer.Argument(..., help="YAML (agencies + people) or CSV (code,name,kind,aliases)"),
) -> None:
    """Import or update the directory from a file.

    Agencies are matched by code. In a CSV, aliases are separated by ';'; an empty aliases field keeps
    the agency's aliases as they are, '-' removes them all.
    """
    data = read_directory(path)
    with state.get_app().session() as session:
        report = import_directory(session, data)
    say(f"Đã nhập: {report.agencies_added} cơ quan mới, {report.agencies_updated} cập nhật; "
                  f"{report.people_added} người mới, {report.people_updated} cập nhật.")


def people_list(fmt: str = FORMAT) -> None:
    """List people and their Telegram binding."""
    with state.get_app().session() as session:
        agencies = {a.id: a.code for a in session.exec(select(Agency)).all()}
        rows = [{"id": p.id, "name": p.name, "title": p.title, "role": p.role.value,
                 "agency": agencies.get(p.agency_id), "telegram_bound": p.telegram_chat_id is not None,
                 "reachable": p.reachable}
                for p in session.exec(select(Person).order_by(col(Person.id))).all()]
    emit(rows, [("id", "ID"), ("name", "Họ tên"), ("title", "Chức vụ"), ("role", "Vai trò"), ("agency", "Cơ quan"),
                ("telegram_bound", "Telegram")], fmt, title=f"Người dùng ({len(rows)})")


def people_add(
    name: str = typer.Argument(...),
    role: str = typer.Option("leader", "--role", help="office, leader, focal or supervisor"),
    agency: str | None = typer.Option(None, "--agency", help="Agency code, name or alias"),
    title: str = typer.Option("", "--title"),
) -> None:
    """Add a person."""
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role '{role}' (office, leader, focal, supervisor)") from None
    name = clean_name(name, "Họ tên")
    title = clean_name(title, "Chức vụ", required=False)
    with state.get_app().session() as session:
        agency_id = find_agency(session, agency).id if agency else None
        person = Person(name=name, role=role_value, agency_id=agency_id, title=title)
        session.add(person)
        session.commit()
        say(f"Đã thêm #{person.id}: {person.name} ({role_value.value})")


# The `people` group; dondoc.cli.telegram adds `invite` and `unbind` to it.
people = typer.Typer(help="Người dùng.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    agencies = typer.Typer(help="Danh bạ cơ quan.", no_args_is_help=True)
    agencies.command("list")(agencies_list)
    agencies.command("import")(agencies_import)
    app.add_typer(agencies, name="agencies")
    people.command("list")(people_list)
    people.command("add")(people_add)
    app.add_typer(people, name="people")
