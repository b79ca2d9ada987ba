"""Candidates (clauses that may be directives but were not taken) are stored with the notice, listed in review
and turned into an audited draft on the office's word."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from config.settings import DATA_DIR
from engine.directory import load_default_directory
from engine.errors import InvalidInput, PermissionDenied
from engine.ingest import extract_file
from engine.ingest.service import ingest_file, promote_candidate
from engine.models import Directive, DirectiveEvent, Notice, Person, Role, State
from tests.support.cli import CLI
from tests.support.factory import T0

SAMPLE = DATA_DIR / "samples" / "tb-ket-luan-bac-giang-2024-04.txt"
CANDIDATE = {"ref": "3", "text": "Giao Sở Tài chính rà soát dự toán, hoàn thành trước ngày 25/4/2024.", "score": 0.41}


@pytest.fixture
def office(session: Session) -> Person:
    load_default_directory(session, DATA_DIR / "agencies.yaml")
    person = session.exec(select(Person).where(Person.role == Role.office)).first()
    assert person is not None
    return person


def _notice_with(session: Session, candidates: list[dict]) -> Notice:
    notice = Notice(title="Thông báo", date=dt.date(2024, 4, 19), source_hash="x" * 64, created_at=T0,
                    candidates=candidates)
    session.add(notice)
    session.commit()
    return notice


def test_ingest_stores_the_candidates_the_extractor_returns(session: Session, office: Person) -> None:
    report = ingest_file(session, SAMPLE, T0)
    notice = session.get(Notice, report.notice_id)
    assert notice is not None
    expected = extract_file(SAMPLE, today=T0.date()).to_json()["candidates"]
    assert notice.candidates == expected
    assert all(set(c) == {"ref", "text", "score"} for c in notice.candidates)


def test_a_promoted_candidate_is_an_audited_draft_read_like_a_directive(session: Session, office: Person) -> None:
    notice = _notice_with(session, [dict(CANDIDATE)])
    directive_id = promote_candidate(session, notice.id, 0, actor_id=office.id, now=T0)  # type: ignore[arg-type]
    draft = session.get(Directive, directive_id)
    assert draft is not None and draft.state == State.draft and draft.notice_id == notice.id
    assert (draft.ref, draft.lead) == ("3", "Sở Tài chính") and draft.lead_agency_id is not None
    assert draft.deadline is not None and draft.deadline_kind == "date" and "from_candidate" in draft.review_flags
    [event] = session.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == directive_id)).all()
    assert (event.type, event.actor_id) == ("Drafted", office.id)
    session.refresh(notice)
    assert notice.candidates[0]["directive_id"] == directive_id
    with pytest.raises(InvalidInput, match="đã thành dự thảo"):
        promote_candidate(session, notice.id, 0, actor_id=office.id, now=T0)  # type: ignore[arg-type]


def test_promotion_refuses_a_missing_candidate_and_a_non_office_actor(session: Session, office: Person) -> None:
    notice = _notice_with(session, [dict(CANDIDATE)])
    with pytest.raises(InvalidInput, match="không có đề xuất số 2"):
        promote_candidate(session, notice.id, 1, actor_id=office.id, now=T0)  # type: ignore[arg-type]
    leader = Person(name="Nguyễn Văn Tài", role=Role.leader)
    session.add(leader)
    session.commit()
    with pytest.raises(PermissionDenied):
        promote_candidate(session, notice.id, 0, actor_id=leader.id, now=T0)  # type: ignore[arg-type]
    assert session.exec(select(Directive)).all() == []


def test_review_lists_candidates_and_one_command_makes_a_draft(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    monkeypatch.setenv("DONDOC_NOW", "2024-04-22T09:00:00+07:00")
    cli = CLI(capsys, monkeypatch)
    assert cli("people", "add", "Lê Thị Thu", "--role", "office").code == 0
    assert cli("ingest", str(SAMPLE)).code == 0
    engine = create_engine(db_url)
    with Session(engine) as session:
        notice = session.exec(select(Notice)).one()
        notice.candidates = [dict(CANDIDATE)]
        session.add(notice)
        session.commit()
        notice_id = notice.id
    engine.dispose()
    listed = json.loads(cli("review", "--candidates", "--format", "json").out)
    assert listed == [{"notice_id": notice_id, "number": 1, "ref": "3", "score": 0.41, "text": CANDIDATE["text"]}]
    assert "Đề xuất chưa nhận" in cli("review").out
    result = cli("review", "--notice", str(notice_id), "--candidate", "1", "--as", "Lê Thị Thu")
    assert result.code == 0 and "Đã tạo dự thảo" in result.out
    assert json.loads(cli("review", "--candidates", "--format", "json").out) == []
    refused = cli("review", "--candidate", "1", "--as", "Lê Thị Thu")
    assert refused.code == 1 and "--notice" in refused.err
