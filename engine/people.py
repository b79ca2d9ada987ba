"""Who a person is relative to a directive, and who should hear about it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from engine.errors import NotFound
from engine.lifecycle import Actor
from engine.models import OPEN_STATES, Agency, Directive, Person, Role
from engine.text import name_key

LEAD_ROLES = (Role.leader, Role.focal)
OFFICE_ROLES = (Role.office, Role.supervisor)


def get_person(session: Session, person_id: int) -> Person:
    """A person by id, or NotFound."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Không có người mã số {person_id} trong danh bạ (xem: dondoc people list).")
    return person


def find_person(session: Session, ref: str) -> Person:
    """A person by id or exact name (NFC, case and spacing aside; '%' and '_' are plain characters)."""
    if ref.strip().isdigit():
        return get_person(session, int(ref))
    wanted = name_key(ref)
    people = session.exec(select(Person).where(col(Person.active)).order_by(col(Person.id))).all()
    matches = [p for p in people if name_key(p.name) == wanted]  # removed people answer to their id only
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFound(f"Không có ai tên “{ref}” trong danh bạ (xem: dondoc people list).")
    raise NotFound(f"“{ref}” là tên của {len(matches)} người; hãy dùng mã số (xem: dondoc people list).")


def find_agency(session: Session, ref: str) -> Agency:
    """An agency by id, code, name or alias (case-insensitive)."""
    if ref.isdigit():
        agency = session.get(Agency, int(ref))
        if agency:
            return agency
    needle = name_key(ref)
    for agency in session.exec(select(Agency).order_by(col(Agency.id))).all():
        names = [agency.code, agency.name, *agency.aliases]
        if any(name_key(n) == needle for n in names):
            return agency
    raise NotFound(f"Không có cơ quan “{ref}” trong danh bạ (xem: dondoc agencies list).")


def actor_kinds(person: Person | None, directive: Directive) -> set[Actor]:
    """The lifecycle actor kinds this person can act as on this directive."""
    if person is None:
        return {Actor.system}
    kinds: set[Actor] = set()
    if not person.active:  # removed from the directory: no rights left
        return kinds
    if person.role in OFFICE_ROLES:
        kinds.add(Actor.office)
    if (directive.leader_id is not None and person.id == directive.leader_id) or (
        person.role in LEAD_ROLES
        and directive.lead_agency_id is not None
        and person.agency_id == directive.lead_agency_id
    ):
        kinds.add(Actor.lead)
    return kinds


def lead_people(session: Session, directive: Directive) -> list[Person]:
    """The lead's leader(s) and focal officer(s), or the named lead person."""
    if directive.leader_id is not None:
        person = session.get(Person, directive.leader_id)
        return [person] if person else []
    if directive.lead_agency_id is None:
        return []
    stmt = (
        select(Person)
        .where(Person.agency_id == directive.lead_agency_id, col(Person.role).in_(LEAD_ROLES), col(Person.active))
        .order_by(col(Person.id))
    )
    return list(session.exec(stmt).all())


def office_people(session: Session) -> list[Person]:
    """Tracking staff of the office."""
    stmt = select(Person).where(Person.role == Role.office, col(Person.active))
    return list(session.exec(stmt.order_by(col(Person.id))).all())


def coordinator_people(session: Session, directive: Directive) -> list[Person]:
    """Leaders of the coordinating agencies that the directory knows."""
    if not directive.coordinators:
        return []
    wanted = {name_key(c) for c in directive.coordinators}
    agency_ids = [
        a.id
        for a in session.exec(select(Agency)).all()
        if {name_key(a.name), name_key(a.code), *(name_key(x) for x in a.aliases)} & wanted
    ]
    if not agency_ids:
        return []
    stmt = select(Person).where(col(Person.agency_id).in_(agency_ids), Person.role == Role.leader, col(Person.active))
    return list(session.exec(stmt.order_by(col(Person.id))).all())


def supervisor_of(session: Session, directive: Directive) -> Person | None:
    """The Phó Chủ tịch supervising the lead agency, if the directory says."""
    if directive.lead_agency_id is None:
        return None
    agency = session.get(Agency, directive.lead_agency_id)
    if agency is None or agency.supervisor_id is None:
        return None
    return session.get(Person, agency.supervisor_id)


def unreached_directives(
    session: Session, ids: list[int] | None = None, *, conditions: Sequence[Any] = ()
) -> list[Directive]:
    """Open directives that no one in the directory receives (an agency without a reachable leader or
    focal officer, or an unreachable named lead): the office's list to settle, shown in stats and digest."""
    receiving = set(session.exec(select(Person.agency_id).where(col(Person.role).in_(LEAD_ROLES),
                                                                col(Person.reachable))).all())
    silent = [a for a in session.exec(select(Agency.id)).all() if a not in receiving]
    unreachable = list(session.exec(select(Person.id).where(col(Person.reachable).is_(False))).all())
    if not silent and not unreachable:  # the usual case: no scan of the directives at all
        return []
    stmt = select(Directive).where(
        col(Directive.state).in_(OPEN_STATES),
        or_(and_(col(Directive.lead_agency_id).in_(silent), col(Directive.leader_id).is_(None)),
            col(Directive.leader_id).in_(unreachable)),
    )
    if ids is not None:
        stmt = stmt.where(col(Directive.id).in_(ids))
    return list(session.exec(stmt.where(*conditions).order_by(col(Directive.id))).all())
