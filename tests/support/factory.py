"""Factories with realistic Vietnamese defaults for agencies, people, notices and directives."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from sqlmodel import Session

from engine.commands import add_draft, assign
from engine.models import Agency, Directive, Notice, Person, Role
from engine.timeutil import end_of_local_day

_seq = itertools.count(1)

NOTICE_DATE = dt.date(2024, 4, 19)
T0 = dt.datetime(2024, 4, 22, 2, 0, tzinfo=dt.UTC)  # 09:00 Monday 22/4/2024 in Hà Nội


class Factory:
    """Creates rows in one session and commits them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def agency(self, code: str | None = None, name: str | None = None, **kw: Any) -> Agency:
        n = next(_seq)
        agency = Agency(code=code or f"S{n}", name=name or f"Sở Thử nghiệm {n}", aliases=kw.pop("aliases", []), **kw)
        self.session.add(agency)
        self.session.commit()
        return agency

    def person(self, name: str | None = None, role: Role = Role.leader, agency: Agency | None = None,
               **kw: Any) -> Person:
        n = next(_seq)
        person = Person(name=name or f"Nguyễn Văn {n}", role=role, agency_id=agency.id if agency else None,
                        title=kw.pop("title", "Giám đốc" if role == Role.leader else ""), **kw)
        self.session.add(person)
        self.session.commit()
        return person

    def office(self, name: str = "Trần Thị Hoa") -> Person:
        return self.person(name=name, role=Role.office, title="Chuyên viên theo dõi")

    def notice(self, number: str = "123/TB-UBND", date: dt.date = NOTICE_DATE, **kw: Any) -> Notice:
        notice = Notice(
            number=number, date=date, issuer="UBND tỉnh Bắc Giang",
            title=kw.pop("title", "Thông báo kết luận phiên họp UBND tỉnh thường kỳ tháng 4/2024"),
            source_hash=hashlib.sha256(f"{number}{next(_seq)}".encode()).hexdigest(),
            created_at=kw.pop("created_at", T0), **kw,
        )
        self.session.add(notice)
        self.session.commit()
        return notice

    def directive(self, lead: Agency | None = None, *, deadline: dt.date | dt.datetime | None = None,
                  now: dt.datetime = T0, notice: Notice | None = None, **kw: Any) -> Directive:
        if isinstance(deadline, dt.date) and not isinstance(deadline, dt.datetime):
            deadline = end_of_local_day(deadline)
        directive = Directive(
            task=kw.pop("task", "Hoàn thiện hồ sơ báo cáo Thường trực HĐND tỉnh"),
            ref=kw.pop("ref", str(next(_seq))),
            lead=lead.name if lead else kw.pop("lead", None),
            lead_agency_id=lead.id if lead else None,
            notice_id=notice.id if notice else None,
            deadline=deadline,
            deadline_kind=kw.pop("deadline_kind", "date" if deadline else "none"),
            deadline_text=kw.pop("deadline_text", None),
            **kw,
        )
        add_draft(self.session, directive, now)
        self.session.commit()
        return directive

    def assigned(self, lead: Agency, office: Person, **kw: Any) -> Directive:
        directive = self.directive(lead, **kw)
        return assign(self.session, directive.id, actor_id=office.id, now=kw.get("now", T0)).directive  # type: ignore[arg-type]
