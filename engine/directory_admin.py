"""Editing the directory one record at a time: agencies and people, with the rules that keep work reachable."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from engine.db import begin_write
from engine.errors import InvalidInput, NotFound
from engine.labels import AGENCY_KIND_LABELS
from engine.models import OPEN_STATES, Agency, Directive, Person, Role, State
from engine.search import fold
from engine.text import clean_name, name_key

AGENCY_KINDS = tuple(AGENCY_KIND_LABELS)
_UNFINISHED = (State.draft, *OPEN_STATES)


@dataclass(frozen=True)
class AgencyInput:
    code: str
    name: str
    kind: str = "so"
    aliases: tuple[str, ...] = ()
    supervisor_id: int | None = None


@dataclass(frozen=True)
class PersonInput:
    name: str
    role: str = "leader"
    title: str = ""
    agency_id: int | None = None


def _write(session: Session) -> None:
    begin_write(session)


def _clean_agency(session: Session, data: AgencyInput, agency_id: int | None) -> AgencyInput:
    code = clean_name(data.code, "Mã cơ quan", max_len=40)
    name = clean_name(data.name, "Tên cơ quan")
    if data.kind not in AGENCY_KINDS:
        raise InvalidInput(f"Loại cơ quan “{data.kind}” không hợp lệ.")
    clash = session.exec(select(Agency).where(func.lower(Agency.code) == code.lower(),
                                              col(Agency.id) != (agency_id or -1))).first()
    if clash is not None:
        raise InvalidInput(f"Mã “{code}” đã dùng cho {clash.name}.")
    if data.supervisor_id is not None:
        supervisor = session.get(Person, data.supervisor_id)
        if supervisor is None or supervisor.role != Role.supervisor or not supervisor.active:
            raise InvalidInput("Người phụ trách phải là một lãnh đạo UBND tỉnh (vai trò phụ trách) trong danh bạ.")
    aliases = tuple(dict.fromkeys(clean_name(a, "Tên khác") for a in data.aliases if a.strip()))
    _refuse_ambiguous_names(session, agency_id, [code, name, *aliases])
    return AgencyInput(code, name, data.kind, aliases, data.supervisor_id)


def _refuse_ambiguous_names(session: Session, agency_id: int | None, names: list[str]) -> None:
    """A code, name or alias that already names another agency would make look-ups ambiguous."""
    wanted = {name_key(n): n for n in names}
    for other in session.exec(select(Agency).where(col(Agency.id) != (agency_id or -1))).all():
        for taken in (other.code, other.name, *other.aliases):
            if name_key(taken) in wanted:
                raise InvalidInput(f"“{wanted[name_key(taken)]}” đã dùng để gọi {other.name} ({other.code}); "
                                   "hãy chọn tên khác.")


def save_agency(session: Session, data: AgencyInput, agency_id: int | None = None) -> Agency:
    """Add an agency, or update one (committed); InvalidInput names what is wrong."""
    try:
        _write(session)
        clean = _clean_agency(session, data, agency_id)
        agency = Agency() if agency_id is None else session.get(Agency, agency_id)
        if agency is None:
            raise NotFound(f"Không có cơ quan #{agency_id}.")
        agency.code, agency.name, agency.kind = clean.code, clean.name, clean.kind
        agency.aliases, agency.supervisor_id = list(clean.aliases), clean.supervisor_id
        session.add(agency)
        session.commit()
        return agency
    except BaseException:
        session.rollback()
        raise


def remove_agency(session: Session, agency_id: int) -> None:
    """Remove an agency that leads no directive and has no people; else say what must move first."""
    try:
        _write(session)
        agency = session.get(Agency, agency_id)
        if agency is None:
            raise NotFound(f"Không có cơ quan #{agency_id}.")
        led = session.exec(select(func.count()).select_from(Directive)
                           .where(col(Directive.lead_agency_id) == agency_id)).one()
        members = session.exec(select(func.count()).select_from(Person)
                               .where(col(Person.agency_id) == agency_id, col(Person.active))).one()
        if led or members:
            parts = [f"{led} nhiệm vụ" if led else "", f"{members} người" if members else ""]
            raise InvalidInput(f"Không thể xóa {agency.name}: cơ quan còn {' và '.join(p for p in parts if p)}. "
                               f"Hãy chuyển sang cơ quan khác trước.")
        # People removed earlier keep their history, not their link to an agency that is gone.
        session.execute(update(Person).where(col(Person.agency_id) == agency_id, ~col(Person.active))
                        .values(agency_id=None))
        session.delete(agency)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def save_person(session: Session, data: PersonInput, person_id: int | None = None) -> Person:
    """Add a person, or update one (committed)."""
    try:
        _write(session)
        name = clean_name(data.name, "Họ tên")
        try:
            role = Role(data.role)
        except ValueError:
            raise InvalidInput(f"Vai trò “{data.role}” không hợp lệ.") from None
        if data.agency_id is not None and session.get(Agency, data.agency_id) is None:
            raise InvalidInput("Cơ quan đã chọn không có trong danh bạ.")
        if role in (Role.leader, Role.focal) and data.agency_id is None:
            raise InvalidInput("Lãnh đạo hoặc đầu mối của cơ quan phải thuộc một cơ quan.")
        person = Person() if person_id is None else session.get(Person, person_id)
        if person is None or not person.active:
            raise NotFound(f"Không có người #{person_id} trong danh bạ.")
        colleagues = select(Person).where(col(Person.active), col(Person.id) != (person_id or -1),
                                          col(Person.agency_id).is_(None) if data.agency_id is None
                                          else col(Person.agency_id) == data.agency_id)
        same = [p for p in session.exec(colleagues).all() if name_key(p.name) == name_key(name)]
        if same:
            raise InvalidInput(f"Đã có {same[0].name} (mã số {same[0].id}) trong cùng cơ quan; không thêm trùng.")
        if person_id is not None and (person.agency_id != data.agency_id or person.role != role):
            _refuse_if_leading(session, person, "chuyển cơ quan hoặc đổi vai trò")
        person.name, person.role, person.agency_id = name, role, data.agency_id
        person.title = clean_name(data.title, "Chức vụ", required=False)
        session.add(person)
        session.commit()
        return person
    except BaseException:
        session.rollback()
        raise


def _refuse_if_leading(session: Session, person: Person, what: str) -> None:
    """A named lead, or the last lead person of an agency with unfinished work, must hand over first."""
    named = session.exec(select(func.count()).select_from(Directive).where(
        col(Directive.leader_id) == person.id, col(Directive.state).in_(_UNFINISHED))).one()
    last_of_agency = 0
    if person.agency_id is not None and person.role in (Role.leader, Role.focal):
        others = session.exec(select(func.count()).select_from(Person).where(
            col(Person.agency_id) == person.agency_id, col(Person.id) != person.id, col(Person.active),
            col(Person.role).in_((Role.leader, Role.focal)))).one()
        if not others:
            last_of_agency = session.exec(select(func.count()).select_from(Directive).where(
                col(Directive.lead_agency_id) == person.agency_id, col(Directive.leader_id).is_(None),
                col(Directive.state).in_(OPEN_STATES))).one()
    if named or last_of_agency:
        count = named + last_of_agency
        raise InvalidInput(f"Không thể {what} {person.name}: còn {count} nhiệm vụ chưa kết thúc do người này "
                           f"chủ trì hoặc nhận thông báo. Hãy giao lại cho người khác trước.")


def remove_person(session: Session, person_id: int) -> Person:
    """Take a person out of the directory (their history stays); refused while they still lead open work."""
    try:
        _write(session)
        person = session.get(Person, person_id)
        if person is None or not person.active:
            raise NotFound(f"Không có người #{person_id} trong danh bạ.")
        _refuse_if_leading(session, person, "xóa")
        supervised = session.exec(select(Agency).where(col(Agency.supervisor_id) == person_id)).all()
        if supervised:
            raise InvalidInput(f"Không thể xóa {person.name}: đang phụ trách {len(supervised)} cơ quan "
                               f"({', '.join(a.name for a in supervised[:3])}). Hãy phân công người khác trước.")
        # Unbound and unreachable: nothing queued for them goes out any more.
        person.active, person.telegram_chat_id, person.reachable = False, None, False
        session.add(person)
        session.commit()
        return person
    except BaseException:
        session.rollback()
        raise


def directory_people(session: Session) -> list[Person]:
    """People still in the directory, by agency then name."""
    stmt = select(Person).where(col(Person.active)).order_by(col(Person.agency_id), col(Person.name))
    return list(session.exec(stmt).all())


def find_people(session: Session, name: str) -> list[Person]:
    """People in the directory whose name matches, ignoring case, diacritics and spacing."""
    wanted = fold(name)
    if not wanted:
        return []
    return [p for p in directory_people(session) if fold(p.name) == wanted]
