"""The agency directory and its people: loaded from YAML or CSV, upserted by code/key."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlmodel import Session, select

from engine.db import begin_write
from engine.errors import InvalidInput
from engine.models import Agency, Person, Role
from engine.text import clean_name


@dataclass
class ImportReport:
    agencies_added: int = 0
    agencies_updated: int = 0
    people_added: int = 0
    people_updated: int = 0


MAX_FILE_BYTES = 5 * 1024 * 1024  # a province's directory is a few hundred rows, far below this
MAX_ROWS = 10_000
MAX_ALIASES = 50


class _AliasRefused(yaml.YAMLError):
    """A YAML alias (*name) in a directory file."""


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: a few lines of them can expand to gigabytes ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused()
        return super().compose_node(parent, index)


def read_directory(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Read a directory file: YAML with `agencies` and `people`, or a CSV of agencies."""
    if not path.is_file():
        raise InvalidInput(f"{path}: không tìm thấy tệp")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput(f"{path}: tệp lớn hơn {MAX_FILE_BYTES // (1024 * 1024)} MB, không phải một danh bạ")
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliasLoader) or {}
        except _AliasRefused:
            raise InvalidInput(f"{path}: tệp dùng bí danh YAML (*tên), không được chấp nhận") from None
        except (yaml.YAMLError, UnicodeDecodeError):
            raise InvalidInput(f"{path}: không phải YAML hợp lệ (UTF-8)") from None
        if not isinstance(data, dict) or not all(isinstance(data.get(k) or [], list) for k in ("agencies", "people")):
            raise InvalidInput(f"{path}: cần một bảng có hai danh sách 'agencies' và 'people'")
        out = {"agencies": list(data.get("agencies") or []), "people": list(data.get("people") or [])}
    elif path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        out = {"agencies": [{**row, "aliases": _csv_aliases(row.get("aliases"))} for row in rows], "people": []}
    else:
        raise InvalidInput(f"{path}: định dạng danh bạ không hỗ trợ (dùng .yaml hoặc .csv)")
    for key, rows in out.items():
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"{path}: {len(rows)} dòng '{key}', quá {MAX_ROWS} dòng cho phép")
        if not all(isinstance(row, dict) for row in rows):
            raise InvalidInput(f"{path}: mỗi mục của '{key}' phải là một bảng (code, name …)")
    return out


CLEAR = "-"  # in a CSV aliases field: remove every alias


def _csv_aliases(field: str | None) -> list[str] | None:
    """'A; B' → ['A', 'B']; an empty field means no change (None); '-' clears them."""
    text = (field or "").strip()
    if not text:
        return None
    if text == CLEAR:
        return []
    return [a.strip() for a in text.split(";") if a.strip()]


def import_directory(session: Session, data: dict[str, list[dict[str, Any]]], *,
                     only_if_empty: bool = False) -> ImportReport | None:
    """Upsert agencies by code and people by name+agency; one write transaction: all rows or none.
    With `only_if_empty`, nothing is done (None) when the directory already has agencies."""
    begin_write(session)  # the writer's lock first (SQLite): a read upgraded to a write fails when contended
    if session.get_bind().dialect.name == "postgresql":  # imports one at a time: two would insert the same codes
        session.execute(text("LOCK TABLE agency IN SHARE ROW EXCLUSIVE MODE"))
    try:
        if only_if_empty and session.exec(select(Agency).limit(1)).first() is not None:
            session.rollback()
            return None
        return _import(session, data)
    except BaseException:
        session.rollback()
        raise


def _import(session: Session, data: dict[str, list[dict[str, Any]]]) -> ImportReport:
    report = ImportReport()
    by_code = {a.code: a for a in session.exec(select(Agency)).all()}
    for i, row in enumerate(data["agencies"], 1):
        where = f"cơ quan thứ {i}"
        code = clean_name(row.get("code"), f"Mã của {where}", max_len=40)
        name = clean_name(row.get("name"), f"Tên của {where}")
        agency = by_code.get(code)
        if agency is None:
            agency = by_code[code] = Agency(code=code, name=name)
            report.agencies_added += 1
        else:
            report.agencies_updated += 1
        agency.name = name
        agency.kind = clean_name(row.get("kind") or agency.kind or "so", f"Loại của {where}", max_len=20)
        if row.get("aliases") is not None:  # absent or empty in a CSV: keep what the directory has
            aliases = row["aliases"] if isinstance(row["aliases"], list) else [row["aliases"]]
            if len(aliases) > MAX_ALIASES:
                raise InvalidInput(f"{where} ({code}) có {len(aliases)} tên khác, quá {MAX_ALIASES}.")
            agency.aliases = [clean_name(a, f"Tên khác của {code}") for a in aliases]
        session.add(agency)
    session.flush()
    people_by_key: dict[str, Person] = {}
    existing = {(p.name, p.agency_id): p for p in session.exec(select(Person)).all()}
    for i, row in enumerate(data["people"], 1):
        name = clean_name(row.get("name"), f"Họ tên của người thứ {i}")
        agency_code = row.get("agency")
        if agency_code and agency_code not in by_code:
            raise InvalidInput(f"{name}: không có cơ quan mã '{agency_code}' trong danh bạ")
        agency_id = by_code[agency_code].id if agency_code else None
        try:
            role = Role(row.get("role") or "leader")
        except ValueError:
            raise InvalidInput(f"{name}: vai trò phải là một trong {', '.join(r.value for r in Role)}") from None
        person = existing.get((name, agency_id))
        if person is None:
            person = Person(name=name, agency_id=agency_id)
            report.people_added += 1
        else:
            report.people_updated += 1
        person.title = clean_name(row.get("title"), f"Chức vụ của {name}", required=False)
        person.role = role
        session.add(person)
        if row.get("key"):
            people_by_key[str(row["key"])] = person
    session.flush()
    for row in data["agencies"]:
        key = row.get("supervisor")
        if key:
            if key not in people_by_key:
                raise InvalidInput(f"Cơ quan {row['code']}: không có người phụ trách mã '{key}'")
            by_code[clean_name(row["code"], "Mã cơ quan", max_len=40)].supervisor_id = people_by_key[key].id
    session.commit()
    return report


def load_default_directory(session: Session, path: Path) -> ImportReport | None:
    """Load the deployment's directory once, when the database has no agencies yet."""
    if session.exec(select(Agency).limit(1)).first() is not None:
        return None
    return import_directory(session, read_directory(path), only_if_empty=True)  # checked again under the lock
