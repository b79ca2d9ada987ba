"""Storing a notice: drafts for every directive, one lead each, nothing dropped, the same file only once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from config.settings import DATA_DIR
from engine.directory import load_default_directory
from engine.errors import ExtractionError
from engine.ingest.service import ingest_file
from engine.models import Agency, Directive, Notice, Person, Role, State
from tests.support.factory import T0

SAMPLE = DATA_DIR / "samples" / "tb-ket-luan-bac-giang-2024-04.txt"


@pytest.fixture
def directory(session: Session) -> Person:
    load_default_directory(session, DATA_DIR / "agencies.yaml")
    office = session.exec(select(Person).where(Person.role == Role.office)).first()
    assert office is not None
    return office


def _drafts(session: Session, ref: str) -> list[Directive]:
    return list(session.exec(select(Directive).where(Directive.ref == ref).order_by(col(Directive.id))).all())


def test_seed_notice_becomes_reviewable_drafts(session: Session, directory: Person) -> None:
    report = ingest_file(session, SAMPLE, T0)
    assert report.created and len(report.drafts) == len(set(report.drafts))
    # "Yêu cầu Ban QLDA …, Ban QLDA …, Chủ tịch UBND các huyện, thị xã, thành phố …": one draft per body.
    split = _drafts(session, "1.(4)-2")
    districts = session.exec(select(Agency).where(Agency.kind == "huyen")).all()
    assert len(split) == 2 + len(districts)
    assert {d.lead_agency_id for d in split} >= {a.id for a in districts}
    assert all(any(f.startswith("split_from_multi_lead") for f in d.review_flags) for d in split)
    assert not any("unresolved_lead" in d.review_flags for d in split)  # each lead is resolved now
    assert {d.deadline for d in split} == {split[0].deadline} and split[0].deadline is not None
    # A person as lead: "đồng chí Phan Thế Tuấn - Phó Chủ tịch UBND tỉnh".
    [person_led] = _drafts(session, "1.(3)-2")
    leader = session.get(Person, person_led.leader_id)
    assert leader is not None and leader.name == "Phan Thế Tuấn"
    # A collective lead is kept as written, for the office to decide.
    [collective] = _drafts(session, "1.(1)")
    assert collective.lead == "các cấp, các ngành, các địa phương" and collective.lead_agency_id is None
    assert "collective_lead" in collective.review_flags
    assert all(d.state == State.draft for d in session.exec(select(Directive)).all())


def test_assign_all_assigns_what_has_a_lead_and_explains_the_rest(session: Session, directory: Person) -> None:
    report = ingest_file(session, SAMPLE, T0, assign_all=True, actor_id=directory.id)
    assert report.assigned and report.left_as_draft
    assert set(report.assigned) | set(report.left_as_draft) == set(report.drafts)
    for directive_id, why in report.left_as_draft.items():
        d = session.get(Directive, directive_id)
        assert d is not None and d.state == State.draft and d.lead_agency_id is None and d.leader_id is None
        assert "chưa có đơn vị hoặc người chủ trì" in why


def test_the_same_file_twice_adds_nothing(session: Session, directory: Person, tmp_path: Path) -> None:
    first = ingest_file(session, SAMPLE, T0)
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SAMPLE.read_bytes())
    again = ingest_file(session, copy, T0)
    assert not again.created and again.notice_id == first.notice_id
    assert len(session.exec(select(Directive)).all()) == len(first.drafts)


def test_unreadable_files_are_refused_with_the_reason(session: Session, directory: Person, tmp_path: Path) -> None:
    empty = tmp_path / "trong.txt"
    empty.write_bytes(b"")
    with pytest.raises(ExtractionError, match=r"trong\.txt"):
        ingest_file(session, empty, T0)
    with pytest.raises(ExtractionError, match=r"khong-co\.pdf"):
        ingest_file(session, tmp_path / "khong-co.pdf", T0)
    assert session.exec(select(Directive)).all() == []


SMALL = ("ỦY BAN NHÂN DÂN\nTỈNH BẮC GIANG\nSố: {number}/TB-UBND\nBắc Giang, ngày 19 tháng 4 năm 2024\n\n"
         "THÔNG BÁO\nKết luận phiên họp UBND tỉnh thường kỳ tháng 4 năm 2024\n\n"
         "1. Giao Sở Tài chính rà soát dự toán, hoàn thành trước ngày 25/4/2024.\n"
         "2. Giao Sở Tư pháp thẩm định dự thảo Quyết định, hoàn thành trong tháng 6/2024.{extra}\n")


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("variant", ["utf-16", "bom", "nfd", "crlf", "spaces"])
def test_the_same_notice_in_another_encoding_or_layout_is_recognised(
    session: Session, directory: Person, tmp_path: Path, variant: str
) -> None:
    import unicodedata

    text = SMALL.format(number=90, extra="").replace("Số: 90/TB-UBND\n", "")  # no number: only the content tells
    first = ingest_file(session, _write(tmp_path / "a.txt", text), T0)
    assert session.get(Notice, first.notice_id).number is None  # type: ignore[union-attr]
    copy = {
        "utf-16": lambda: _write(tmp_path / "b.txt", text, "utf-16"),
        "bom": lambda: _write(tmp_path / "b.txt", text, "utf-8-sig"),
        "nfd": lambda: _write(tmp_path / "b.txt", unicodedata.normalize("NFD", text)),
        "crlf": lambda: _write(tmp_path / "b.txt", text.replace("\n", "\r\n")),
        "spaces": lambda: _write(tmp_path / "b.txt", text.replace(" ", "  ").replace("\n", " \n\n")),
    }[variant]()
    again = ingest_file(session, copy, T0)
    assert not again.created and again.notice_id == first.notice_id
    assert len(session.exec(select(Directive)).all()) == len(first.drafts) == 2
    assert ingest_file(session, copy, T0, force=True).created  # --force stores it anyway
    assert len(session.exec(select(Notice)).all()) == 2


def test_the_same_number_and_date_is_the_same_notice(session: Session, directory: Person, tmp_path: Path) -> None:
    first = ingest_file(session, _write(tmp_path / "a.txt", SMALL.format(number=90, extra="")), T0)
    notice = session.get(Notice, first.notice_id)
    assert notice is not None and "Giao Sở Tư pháp thẩm định" in notice.text  # the text is kept
    # The .docx of the same notice reads slightly differently (a signature line, a table), same number and date.
    other_layout = SMALL.format(number=" 90 ", extra="\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH")
    assert not ingest_file(session, _write(tmp_path / "b.txt", other_layout), T0).created
    assert ingest_file(session, _write(tmp_path / "c.txt", SMALL.format(number=91, extra="")), T0).created


def test_ingest_assign_after_a_crash_assigns_what_is_left(
    session: Session, directory: Person, tmp_path: Path
) -> None:
    path = _write(tmp_path / "a.txt", SMALL.format(number=90, extra=""))
    first = ingest_file(session, path, T0)
    from engine import commands

    commands.assign(session, first.drafts[0], actor_id=directory.id, now=T0)  # the run died after this one
    again = ingest_file(session, path, T0, assign_all=True, actor_id=directory.id)
    assert not again.created and again.assigned == first.drafts[1:]
    assert {d.state for d in session.exec(select(Directive)).all()} == {State.assigned}


def test_a_notice_is_deleted_only_while_all_its_directives_are_drafts(
    session: Session, directory: Person, tmp_path: Path
) -> None:
    from engine import commands
    from engine.errors import InvalidInput, PermissionDenied
    from engine.models import DirectiveEvent
    from engine.notices import delete_notice

    a = ingest_file(session, _write(tmp_path / "a.txt", SMALL.format(number=90, extra="")), T0)
    b = ingest_file(session, _write(tmp_path / "b.txt", SMALL.format(number=91, extra="")), T0)
    commands.assign(session, a.drafts[0], actor_id=directory.id, now=T0)
    with pytest.raises(InvalidInput, match="1 nhiệm vụ đã giao"):
        delete_notice(session, a.notice_id, actor_id=directory.id)
    leader = session.exec(select(Person).where(Person.role == Role.leader)).first()
    with pytest.raises(PermissionDenied):
        delete_notice(session, b.notice_id, actor_id=leader.id)  # type: ignore[union-attr]
    assert delete_notice(session, b.notice_id, actor_id=directory.id) == 2
    assert session.get(Notice, b.notice_id) is None
    left = session.exec(select(DirectiveEvent.directive_id)).all()
    assert set(left) == set(a.drafts)
