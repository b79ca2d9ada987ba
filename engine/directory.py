"""The agency directory and its people: loaded from YAML or CSV, upserted by code/key."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import Session, select

from engine.errors import InvalidInput
from engine.models import Agency, Person, Role


@dataclass
class ImportReport:
    agencies_added: int = 0
    agencies_updated: int = 0
    people_added: int = 0
    people_updated: int = 0


def read_directory(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Read a directory file: YAML with `agencies` and `people`, or a CSV of agencies."""
    if not path.exists():
        raise InvalidInput(f"{path}: file not found")
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InvalidInput(f"{path}: not valid YAML ({exc.__class__.__name__})") from exc
        if not isinstance(data, dict):
            raise InvalidInput(f"{path}: expected a mapping with 'agencies' and 'people'")
        return {"agencies": list(data.get("agencies") or []), "people": list(data.get("people") or [])}
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        agencies = [{**row, "aliases": _csv_aliases(row.get("aliases"))} for row in rows]
        return {"agencies": agencies, "people": []}
    raise InvalidInput(f"{path}: unsupported directory format (use .yaml or .csv)")


CLEAR = "-"  # in a CSV aliases field: remove every alias


def _csv_aliases(field: str | None) -> list[str] | None:
    """'A; B' → ['A', 'B']; an empty field means no change (None); '-' clears them."""
    text = (field or "").strip()
    if not text:
        return None
    if text == CLEAR:
        return []
    return [a.strip() for a in text.split(";") if a.strip()]


def import_directory(session: Session, data: dict[str, list[dict[str, Any]]]) -> ImportReport:
    """Upsert agencies by code and people by name+agency; commit once at the end."""
    report = ImportReport()
    by_code = {a.code: a for a in session.exec(select(Agency)).all()}
    for i, row in enumerate(data["agencies"], 1):
        code, name = str(row.get("code") or "").strip(), str(row.get("name") or "").strip()
        if not code or not name:
            raise InvalidInput(f"agency #{i}: 'code' and 'name' are required")
        agency = by_code.get(code)
        if agency is None:
            agency = by_code[code] = Agency(code=code, name=name)
            report.agencies_added += 1
        else:
            report.agencies_updated += 1
        agency.name, agency.kind = name, str(row.get("kind") or agency.kind or "so")
        if row.get("aliases") is not None:  # absent or empty in a CSV: keep what the directory has
            agency.aliases = [str(a) for a in row["aliases"]]
        session.add(agency)
    session.flush()
    people_by_key: dict[str, Person] = {}
    existing = {(p.name, p.agency_id): p for p in session.exec(select(Person)).all()}
    for i, row in enumerate(data["people"], 1):
        name = str(row.get("name") or "").strip()
        if not name:
            raise InvalidInput(f"person #{i}: 'name' is required")
        agency_code = row.get("agency")
        if agency_code and agency_code not in by_code:
            raise InvalidInput(f"person '{name}': unknown agency code '{agency_code}'")
        agency_id = by_code[agency_code].id if agency_code else None
        try:
            role = Role(row.get("role") or "leader")
        except ValueError:
            raise InvalidInput(f"person '{name}': role must be one of {', '.join(r.value for r in Role)}") from None
        person = existing.get((name, agency_id))
        if person is None:
            person = Person(name=name, agency_id=agency_id)
            report.people_added += 1
        else:
            report.people_updated += 1
        person.title, person.role = str(row.get("title") or ""), role
        session.add(person)
        if row.get("key"):
            people_by_key[str(row["key"])] = person
    session.flush()
    for row in data["agencies"]:
        key = row.get("supervisor")
        if key:
            if key not in people_by_key:
                raise InvalidInput(f"agency {row['code']}: unknown supervisor key '{key}'")
            by_code[row["code"]].supervisor_id = people_by_key[key].id
    session.commit()
    return report


def load_default_directory(session: Session, path: Path) -> ImportReport | None:
    """Load the deployment's directory once, when the database has no agencies yet."""
    if session.exec(select(Agency).limit(1)).first() is not None:
        return None
    return import_directory(session, read_directory(path))
