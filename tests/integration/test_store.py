"""Store behaviour on SQLite and PostgreSQL: atomic commands, replay, permissions, concurrency."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp

import pytest
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from dondoc.bootstrap import App
from engine import commands
from engine.audit import check_projections
from engine.db import begin_write, make_engine
from engine.errors import InvalidInput, PermissionDenied, TransitionNotAllowed
from engine.models import Agency, Directive, DirectiveEvent, Outbox, Role, State
from tests.support.factory import T0, Factory


@pytest.fixture
def world(factory: Factory) -> dict:
    stc = factory.agency("STC", "Sở Tài chính")
    stp = factory.agency("STP", "Sở Tư pháp")
    return {
        "stc": stc, "stp": stp,
        "office": factory.office(),
        "leader": factory.person("Giám đốc Sở Tài chính", agency=stc),
        "focal": factory.person("Chuyên viên đầu mối STC", role=Role.focal, agency=stc),
        "stranger": factory.person("Giám đốc Sở Tư pháp", agency=stp),
    }


def _events(session: Session, directive_id: int) -> list[str]:
    rows = session.exec(select(DirectiveEvent).where(DirectiveEvent.directive_id == directive_id)
                        .order_by(col(DirectiveEvent.seq))).all()
    return [e.type for e in rows]


def test_full_lifecycle_appends_events_and_queues_notifications(
    session: Session, factory: Factory, world: dict
) -> None:
    d = factory.directive(world["stc"], deadline=dt.date(2024, 5, 31), coordinators=["Sở Tư pháp"])
    out = commands.assign(session, d.id, actor_id=world["office"].id, now=T0)
    assert out.directive.state == State.assigned
    kinds = {(o.kind, o.person_id) for o in session.exec(select(Outbox)).all()}
    assert ("assigned", world["leader"].id) in kinds and ("assigned", world["focal"].id) in kinds
    assert ("coordinator_info", world["stranger"].id) in kinds  # leader of the coordinating Sở Tư pháp
    commands.acknowledge(session, d.id, actor_id=world["focal"].id, now=T0 + dt.timedelta(hours=1))
    commands.submit_report(session, d.id, actor_id=world["leader"].id, now=T0 + dt.timedelta(days=3),
                           text="Đã hoàn thiện hồ sơ, trình UBND tỉnh")
    done = commands.accept_report(session, d.id, actor_id=world["office"].id, now=T0 + dt.timedelta(days=4))
    assert done.directive.state == State.done
    assert done.directive.done_at == T0 + dt.timedelta(days=4)
    assert _events(session, d.id) == ["Drafted", "Assigned", "Acknowledged", "ReportSubmitted", "ReportAccepted"]
    assert done.directive.version == 5
    reloaded = session.exec(select(Directive).where(Directive.id == d.id)).one()
    assert reloaded.acknowledged_at is not None and reloaded.acknowledged_at.tzinfo is not None
    assert reloaded.deadline == dt.datetime(2024, 5, 31, 16, 59, 59, tzinfo=dt.UTC)


def test_event_and_projection_are_written_together_or_not_at_all(
    session: Session, factory: Factory, world: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = factory.directive(world["stc"], deadline=dt.date(2024, 5, 31))

    def broken_enqueue(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("disk full")

    monkeypatch.setattr(commands, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError):
        commands.assign(session, d.id, actor_id=world["office"].id, now=T0)
    session.expire_all()
    fresh = session.get(Directive, d.id)
    assert fresh is not None and fresh.state == State.draft and fresh.version == 1
    assert _events(session, d.id) == ["Drafted"]
    assert session.exec(select(Outbox)).all() == []


def test_refusals_name_the_problem(session: Session, factory: Factory, world: dict) -> None:
    d = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
    with pytest.raises(PermissionDenied, match="Giám đốc Sở Tư pháp không có quyền “xác nhận đã nhận”"):
        commands.acknowledge(session, d.id, actor_id=world["stranger"].id, now=T0)
    with pytest.raises(InvalidInput, match="cần có nội dung hoặc tệp đính kèm"):
        commands.submit_report(session, d.id, actor_id=world["leader"].id, now=T0, text="  ")
    commands.submit_report(session, d.id, actor_id=world["leader"].id, now=T0, text="Xong")
    with pytest.raises(PermissionDenied, match="việc này của Văn phòng UBND tỉnh"):
        commands.accept_report(session, d.id, actor_id=world["leader"].id, now=T0)
    with pytest.raises(TransitionNotAllowed, match="“xin gia hạn” khi nhiệm vụ đang ở trạng thái “đã báo cáo"):
        commands.request_extension(session, d.id, actor_id=world["leader"].id, now=T0,
                                   new_deadline=T0 + dt.timedelta(days=90))
    assert _events(session, d.id) == ["Drafted", "Assigned", "ReportSubmitted"]


def test_double_acknowledge_is_a_noop(session: Session, factory: Factory, world: dict) -> None:
    d = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
    first = commands.acknowledge(session, d.id, actor_id=world["leader"].id, now=T0)
    second = commands.acknowledge(session, d.id, actor_id=world["focal"].id, now=T0)
    assert not first.noop and second.noop and second.event is None
    assert _events(session, d.id).count("Acknowledged") == 1
    with pytest.raises(PermissionDenied):  # not "no change": a stranger has no say, whatever the state
        commands.acknowledge(session, d.id, actor_id=world["stranger"].id, now=T0)
    with pytest.raises(PermissionDenied):  # nor may the office acknowledge for the lead
        commands.acknowledge(session, d.id, actor_id=world["office"].id, now=T0)


def test_editing_a_draft_to_the_same_value_records_nothing(session: Session, factory: Factory, world: dict) -> None:
    d = factory.directive(world["stc"], deadline=dt.date(2024, 5, 31))
    office = world["office"].id
    changes = {"task": "Nội dung đã sửa", "deadline": dt.date(2024, 6, 28), "coordinators": ["Sở Tư pháp"]}
    assert not commands.edit_draft(session, d.id, actor_id=office, now=T0, changes=changes).noop
    again = commands.edit_draft(session, d.id, actor_id=office, now=T0, changes=dict(changes))
    assert again.noop and _events(session, d.id) == ["Drafted", "DraftEdited"]
    partly = commands.edit_draft(session, d.id, actor_id=office, now=T0, changes={**changes, "ref": "9"})
    assert partly.event is not None and partly.event.payload["changes"] == {"ref": "9"}
    assert session.get(Directive, d.id).deadline == dt.datetime(2024, 6, 28, 16, 59, 59, tzinfo=dt.UTC)  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="hơn 20 năm"):
        commands.edit_draft(session, d.id, actor_id=office, now=T0, changes={"deadline": dt.date(9999, 12, 31)})


def test_stale_writer_gets_a_conflict(app: App, factory: Factory, world: dict) -> None:
    d = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
    with app.session() as a, app.session() as b:
        stale = b.get(Directive, d.id)
        assert stale is not None
        commands.acknowledge(a, d.id, actor_id=world["leader"].id, now=T0)
        # b appends on its stale in-memory copy in a fresh write transaction: the version claim finds
        # no row at the old version, so nothing is written.
        begin_write(b)
        with pytest.raises(StaleDataError):
            commands.append(b, stale, "ExtensionRequested",
                            {"new_deadline": "2024-07-31T16:59:59+00:00", "reason": ""}, T0)
        b.rollback()
    with app.session() as c:
        assert _events(c, d.id) == ["Drafted", "Assigned", "Acknowledged"]


def test_extension_flow_keeps_history(session: Session, factory: Factory, world: dict) -> None:
    d = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
    new = dt.datetime(2024, 6, 30, 16, 59, 59, tzinfo=dt.UTC)
    commands.request_extension(session, d.id, actor_id=world["leader"].id, now=T0, new_deadline=new,
                               reason="Chờ ý kiến thẩm định của Bộ")
    assert session.get(Directive, d.id).pending_extension["reason"] == "Chờ ý kiến thẩm định của Bộ"  # type: ignore[index,union-attr]
    granted = commands.grant_extension(session, d.id, actor_id=world["office"].id, now=T0)
    assert granted.directive.deadline == new
    assert granted.directive.original_deadline == dt.datetime(2024, 5, 31, 16, 59, 59, tzinfo=dt.UTC)
    assert granted.directive.pending_extension is None
    with pytest.raises(InvalidInput, match="không có đề nghị gia hạn nào đang chờ"):
        commands.deny_extension(session, d.id, actor_id=world["office"].id, now=T0)


def test_replay_equals_projection(session: Session, factory: Factory, world: dict) -> None:
    office, leader = world["office"].id, world["leader"].id
    a = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
    b = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 4, 25))
    c = factory.directive(world["stc"])
    commands.edit_draft(session, c.id, actor_id=office, now=T0, changes={"task": "Nội dung đã sửa", "ref": "3"})
    commands.acknowledge(session, a.id, actor_id=leader, now=T0)
    commands.submit_report(session, a.id, actor_id=leader, now=T0, text="Báo cáo")
    commands.return_report(session, a.id, actor_id=office, now=T0, reason="Bổ sung số liệu")
    commands.mark_overdue(session, b.id, now=dt.datetime(2024, 4, 26, 1, tzinfo=dt.UTC))
    commands.request_extension(session, b.id, actor_id=leader, now=dt.datetime(2024, 4, 26, 2, tzinfo=dt.UTC),
                               new_deadline=dt.datetime(2024, 5, 15, 16, 59, 59, tzinfo=dt.UTC))
    commands.grant_extension(session, b.id, actor_id=office, now=dt.datetime(2024, 4, 26, 3, tzinfo=dt.UTC))
    commands.cancel(session, c.id, actor_id=office, now=T0, reason="Trùng nhiệm vụ")
    checked, differences = check_projections(session)
    assert checked == 3 and differences == []
    # Tampering with the projection is caught.
    row = session.get(Directive, a.id)
    row.state = State.done  # type: ignore[union-attr]
    session.add(row)
    session.commit()
    _, differences = check_projections(session)
    assert [(x.directive_id, x.field) for x in differences] == [(a.id, "state")]


def _ack_worker(url: str, directive_id: int, actor_id: int, barrier: mp.Barrier, out: mp.Queue) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        session.get(Directive, directive_id)  # warm up the connection before the race
        barrier.wait()
        try:
            result = commands.acknowledge(session, directive_id, actor_id=actor_id, now=T0)
            out.put("noop" if result.noop else "acked")
        except Exception as exc:  # reported to the parent, which fails the test
            out.put(f"error: {type(exc).__name__}: {exc}")
    engine.dispose()


def test_two_processes_acknowledging_at_once_append_exactly_one_event(
    app: App, session: Session, factory: Factory, world: dict, db_url: str
) -> None:
    ctx = mp.get_context("spawn")
    for _ in range(3):
        d = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_ack_worker, args=(db_url, d.id, who, barrier, out))
                 for who in (world["leader"].id, world["focal"].id)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        results = sorted(out.get(timeout=5) for _ in procs)
        assert results == ["acked", "noop"], results
        session.expire_all()
        assert _events(session, d.id).count("Acknowledged") == 1


def test_the_actor_is_checked_before_the_input(session: Session, factory: Factory, world: dict) -> None:
    """A stranger learns nothing about a directive's data from validation messages."""
    d = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
    with pytest.raises(PermissionDenied):
        commands.submit_report(session, d.id, actor_id=world["stranger"].id, now=T0, text="")
    with pytest.raises(PermissionDenied):
        commands.deny_extension(session, d.id, actor_id=world["leader"].id, now=T0)


def test_every_command_records_a_declared_event() -> None:
    from engine.lifecycle import TRANSITIONS

    declared = {t.event for t in TRANSITIONS}
    assert set(commands.EVENT_OF.values()) <= declared
    assert set(commands.EVENT_OF) == set(commands.Command.__args__)  # type: ignore[attr-defined]


def test_a_directive_nobody_receives_is_on_the_office_list(session: Session, factory: Factory, world: dict) -> None:
    from engine.calendar import WorkCalendar
    from engine.digest import queue_daily_digest
    from engine.notify import Notification, Recipient
    from engine.people import unreached_directives
    from engine.stats import compute_stats
    from notifiers.messages import render

    empty = factory.agency("SDL", "Sở Du lịch")  # nobody in the directory works there
    lonely = factory.assigned(empty, world["office"], deadline=dt.date(2024, 5, 31))
    reached = factory.assigned(world["stc"], world["office"], deadline=dt.date(2024, 5, 31))
    assert lonely.state == State.assigned  # tracked all the same …
    assert session.exec(select(Outbox).where(Outbox.directive_id == lonely.id)).all() == []  # … told to no one
    assert [d.id for d in unreached_directives(session)] == [lonely.id]
    by_agency = {r.name: r.no_recipient for r in compute_stats(session, T0, by="agency")}
    assert by_agency == {"Sở Du lịch": 1, "Sở Tài chính": 0}
    assert compute_stats(session, T0, by="all")[0].no_recipient == 1
    assert queue_daily_digest(session, T0, calendar=WorkCalendar()) >= 1
    row = session.exec(select(Outbox).where(Outbox.kind == "digest", Outbox.person_id == world["office"].id)).one()
    assert [i["id"] for i in row.payload["unreached"]] == [lonely.id] and reached.id != lonely.id
    office = Recipient(person_id=world["office"].id, name="Trần Thị Hoa", role="office")
    text = render(Notification(outbox_id=row.id, kind="digest", recipient=office, directive=None,  # type: ignore[arg-type]
                               payload=row.payload))
    assert "Không có ai trong danh bạ nhận thông báo (1)" in text.text and "[Sở Du lịch]" in text.text


def test_a_deadline_at_the_end_of_the_calendar_never_crashes_the_sweep(
    session: Session, factory: Factory, world: dict
) -> None:
    """A value stored before deadlines were range-checked (year 9999) is swept like any other."""
    from engine.sweep import sweep

    far = factory.assigned(world["stc"], world["office"], deadline=dt.date(9999, 12, 30))
    end = dt.datetime(9999, 12, 31, 3, 0, tzinfo=dt.UTC)  # 10:00 on the last day the calendar has
    report = sweep(session, end)
    session.expire_all()
    swept = session.get(Directive, far.id)
    assert swept is not None and swept.state == State.overdue and report.overdue_marked == 1
    assert swept.next_check_at is None  # no step exists after 9999: the sweep stops looking, it does not crash


def test_first_use_loads_the_directory_once_when_processes_start_together(app: App) -> None:
    """Two drivers starting at once on an empty database (the CLI beside `dondoc run`): one loads the
    directory, the other finds it loaded; neither fails on SQLite's lock."""
    import threading

    from engine.directory import load_default_directory

    barrier, results, errors = threading.Barrier(4), [], []

    def start() -> None:
        with app.session() as s:
            s.exec(select(Agency).limit(1)).first()  # a read snapshot first, as a driver's start-up has
            barrier.wait()
            try:
                results.append(load_default_directory(s, app.settings.agencies_file))
            except Exception as exc:  # the assertion below names it
                errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sum(r is not None for r in results) == 1
    with app.session() as s:
        codes = [a.code for a in s.exec(select(Agency)).all()]
    assert len(codes) == len(set(codes)) > 40
