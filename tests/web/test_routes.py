"""The web app through its ASGI interface: who may enter, what every page shows, and that actions are commands."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import col, select

from dondoc.bootstrap import App
from engine import commands
from engine.ingest.service import ingest_file
from engine.login import create_login_token
from engine.models import Agency, Directive, LoginToken, Notice, Outbox, Person, Role, State
from tests.support.fakes import FixedClock
from tests.web.conftest import Browser, login, person

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "dev" / "00_seed_bac-giang-2024-04.txt"
LAOCAI = ROOT / "data" / "corpus" / "dev" / "02_laocai-tbvp-2026_cum-cong-nghiep"


def seeded(app: App) -> tuple[Person, Notice, Directive]:
    """The seed notice ingested and assigned; returns the office member, the notice, Sở Tài chính's item 2."""
    office = person(app, Role.office)
    with app.session() as s:
        report = ingest_file(s, SEED, app.now(), actor_id=office.id)
        ready = [d.id for d in s.exec(select(Directive).where(Directive.notice_id == report.notice_id)).all()
                 if commands.has_lead(d)]
        commands.assign_many(s, ready, actor_id=office.id, now=app.now())  # type: ignore[arg-type]
        notice = s.get(Notice, report.notice_id)
        stc = s.exec(select(Agency).where(Agency.code == "STC")).one()
        target = s.exec(select(Directive).where(Directive.lead_agency_id == stc.id, Directive.ref == "2")).one()
    return office, notice, target  # type: ignore[return-value]


PAGES = ["/", "/thong-bao", "/nhiem-vu", "/nhiem-vu?q=so+tai+chinh&bucket=open_in_time", "/danh-ba", "/xuat-bao-cao"]


def test_every_page_renders_for_an_office_member(browser: Browser, web_app: App) -> None:
    office, notice, target = seeded(web_app)
    login(browser, web_app, office)
    stc = person(web_app, Role.leader, "STC")
    for url in [*PAGES, f"/thong-bao/{notice.id}", f"/nhiem-vu/{target.id}", f"/danh-ba/nguoi/{stc.id}",
                f"/danh-ba/co-quan/{stc.agency_id}", f"/nhiem-vu/{target.id}/sua-du-thao"]:
        page = browser.get(url)
        assert page.status_code == 200, url
        assert 'lang="vi"' in page.text or url.endswith("sua-du-thao")
    board = browser.get("/").text
    assert "Hoàn thành đúng hạn" in board and "Chưa hoàn thành, quá hạn" in board and "Sắp đến hạn" in board
    assert "Chưa xác nhận đã nhận" in board and "Quá hạn nhiều nhất" in board
    notice_page = browser.get(f"/thong-bao/{notice.id}").text
    assert notice_page.count("<mark ") >= 20  # the drafts' quoted text is highlighted in the source
    assert "chủ trì tập thể" in notice_page  # review flags in words


def test_without_a_session_every_page_sends_to_the_login_page(browser: Browser, web_app: App) -> None:
    for url in [*PAGES, "/thong-bao/1", "/nhiem-vu/1"]:
        response = browser.get(url)
        assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap"), url
    assert browser.get("/nhiem-vu").headers["location"] == "/dang-nhap?next=/nhiem-vu"
    htmx = browser.client.get("/nhiem-vu", headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers["HX-Redirect"].startswith("/dang-nhap")


def test_a_post_without_the_csrf_token_is_refused(browser: Browser, web_app: App) -> None:
    office, notice, target = seeded(web_app)
    login(browser, web_app, office)
    refused = browser.post(f"/thong-bao/{notice.id}/giao", {"all": "1"}, csrf=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    forged = browser.client.post(f"/nhiem-vu/{target.id}/cancel", data={"reason": "x", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert browser.post("/dang-xuat", csrf=False).status_code == 403
    with web_app.session() as s:
        assert s.get(Directive, target.id).state == State.assigned  # type: ignore[union-attr]


def test_a_leader_sees_only_their_agency_and_cannot_act_as_the_office(browser: Browser, web_app: App) -> None:
    _, notice, target = seeded(web_app)
    leader = person(web_app, Role.leader, "STC")
    with web_app.session() as s:
        commands.submit_report(s, target.id, actor_id=leader.id, now=web_app.now(), text="Đã xong")  # type: ignore[arg-type]
        other = s.exec(select(Directive).where(col(Directive.lead_agency_id) != target.lead_agency_id,
                                               col(Directive.state) != State.draft)).first()
    login(browser, web_app, leader)
    board = browser.get("/").text
    with web_app.session() as s:
        own = s.exec(select(Directive).where(Directive.lead_agency_id == target.lead_agency_id,
                                             col(Directive.state) != State.draft)).all()
    assert f'id="total">{len(own)}<' in board and "cơ quan anh/chị" in board
    listing = browser.get("/nhiem-vu").text
    assert f'data-id="{target.id}"' in listing and f'data-id="{other.id}"' not in listing  # type: ignore[union-attr]
    assert browser.get(f"/nhiem-vu/{other.id}").status_code == 404  # type: ignore[union-attr]
    assert "Thao tác của Văn phòng" not in browser.get(f"/nhiem-vu/{target.id}").text
    accept = browser.post(f"/nhiem-vu/{target.id}/accept", {"note": "tự duyệt"})
    assert accept.status_code == 403 and "không có quyền" in accept.text
    for url in ("/thong-bao", "/danh-ba", f"/thong-bao/{notice.id}"):
        assert browser.get(url).status_code == 403
    assert browser.post(f"/thong-bao/{notice.id}/giao", {"all": "1"}).status_code == 403
    assert browser.post("/danh-ba/co-quan", {"code": "X", "name": "Sở X"}).status_code == 403
    with web_app.session() as s:
        assert s.get(Directive, target.id).state == State.reported  # type: ignore[union-attr]


def test_a_login_link_is_single_use_expires_and_is_stored_only_as_a_hash(browser: Browser, web_app: App) -> None:
    office = person(web_app, Role.office)
    with web_app.session() as s:
        token = create_login_token(s, office.id, web_app.now())  # type: ignore[arg-type]
        late = create_login_token(s, office.id, web_app.now())  # type: ignore[arg-type]
        third = create_login_token(s, office.id, web_app.now())  # type: ignore[arg-type]
        stored = [t.token_hash for t in s.exec(select(LoginToken)).all()]
    assert token not in stored and hashlib.sha256(token.encode()).hexdigest() in stored
    browser.get(f"/dang-nhap/{token}")
    assert browser.post(f"/dang-nhap/{token}", {"next": "/nhiem-vu"}).headers["location"] == "/nhiem-vu"
    browser.get("/nhiem-vu")  # the session's CSRF token is new after logging in
    assert browser.post(f"/dang-nhap/{third}", {"next": "//evil.example"}).headers["location"] == "/"
    browser.get("/nhiem-vu")
    again = browser.post(f"/dang-nhap/{token}")
    assert again.status_code == 400 and "đã được sử dụng" in again.text
    web_app.clock.now += dt.timedelta(minutes=16)  # type: ignore[attr-defined]
    expired = browser.get(f"/dang-nhap/{late}")
    assert expired.status_code == 400 and "hết hạn" in expired.text
    assert browser.get(f"/dang-nhap/{'x' * 40}").status_code == 400


def test_sessions_are_signed_http_only_lax_and_end_after_eight_idle_hours(browser: Browser, web_app: App) -> None:
    clock: FixedClock = web_app.clock  # type: ignore[assignment]
    login(browser, web_app, person(web_app, Role.office))
    cookie = browser.get("/").headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    value = browser.client.cookies.get("dondoc_session")
    browser.client.cookies.clear()
    browser.client.cookies.set("dondoc_session", value[:-3] + "AAA")  # type: ignore[index]
    assert browser.get("/").status_code == 303  # a tampered cookie is no session
    browser.client.cookies.clear()
    browser.get("/dang-nhap")
    login(browser, web_app, person(web_app, Role.office))
    clock.now += dt.timedelta(hours=7, minutes=50)
    polled = browser.client.get("/nhiem-vu?partial=1&since=-1", headers={"X-Dondoc-Poll": "1"})
    assert polled.status_code == 200
    clock.now += dt.timedelta(minutes=20)  # polling is not activity: 8 h 10 min idle
    assert browser.get("/").status_code == 303
    assert "8 giờ không hoạt động" in browser.get("/dang-nhap").text
    secure = browser.client.get("https://testserver/dang-nhap")
    assert "Secure" in secure.headers["set-cookie"]


def test_the_login_page_sends_a_link_to_the_bound_telegram_chat_only(browser: Browser, web_app: App) -> None:
    office, unbound = person(web_app, Role.office), person(web_app, Role.supervisor)
    with web_app.session() as s:
        bound = s.get(Person, office.id)
        bound.telegram_chat_id = 555  # type: ignore[union-attr]
        s.add(bound)
        s.commit()
    answers = [browser.post("/dang-nhap", {"name": name}).text
               for name in (office.name.upper(), unbound.name, "Không Có Ai")]
    assert all("vừa được gửi tới Telegram" in a for a in answers)  # the same answer: no name enumeration
    with web_app.session() as s:
        rows = s.exec(select(Outbox).where(Outbox.kind == "login_link")).all()
    assert [r.person_id for r in rows] == [office.id]
    link = rows[0].payload["url"]
    assert link.startswith("http://testserver/dang-nhap/")
    browser.get(link.removeprefix("http://testserver"))
    assert browser.post(link.removeprefix("http://testserver")).status_code == 303
    with web_app.session() as s:
        assert s.get(Outbox, rows[0].id).payload["url"] is None  # type: ignore[union-attr]  # spent: no copy kept


def test_drafts_are_edited_and_assigned_through_the_commands(browser: Browser, web_app: App) -> None:
    office = person(web_app, Role.office)
    with web_app.session() as s:
        report = ingest_file(s, SEED, web_app.now(), actor_id=office.id)
        drafts = s.exec(select(Directive).where(Directive.notice_id == report.notice_id)).all()
        skhdt = s.exec(select(Agency).where(Agency.code == "SKHDT")).one()
    collective = next(d for d in drafts if not commands.has_lead(d))
    login(browser, web_app, office)
    bad = browser.post(f"/nhiem-vu/{collective.id}/sua-du-thao", {"lead": f"a:{skhdt.id}", "deadline": "31/02/2024"})
    assert bad.status_code == 200 and 'role="alert"' in bad.text and "31/02/2024" in bad.text
    assert 'name="lead"' in bad.text  # the form comes back
    empty = browser.post(f"/nhiem-vu/{collective.id}/sua-du-thao", {"task": "   "})
    assert "không được để trống" in empty.text
    ok = browser.post(f"/nhiem-vu/{collective.id}/sua-du-thao",
                      {"lead": f"a:{skhdt.id}", "deadline": "30/06/2024", "coordinators": "Sở Tài chính; Sở Nội vụ"})
    assert "Đã lưu thay đổi" in ok.text and "Sở Kế hoạch và Đầu tư" in ok.text and "30/06/2024" in ok.text
    some = [d.id for d in drafts if commands.has_lead(d)][:2]
    assert browser.post(f"/thong-bao/{report.notice_id}/giao", {"ids": [str(i) for i in some]}).status_code == 303
    assert "Đã giao 2 nhiệm vụ" in browser.get(f"/thong-bao/{report.notice_id}").text
    browser.post(f"/thong-bao/{report.notice_id}/giao", {"all": "1"})
    with web_app.session() as s:
        fixed = s.get(Directive, collective.id)
        states = [s.get(Directive, d.id).state for d in drafts]  # type: ignore[union-attr]
        events = s.exec(select(Directive.id).where(col(Directive.state) == State.assigned)).all()
    assert fixed.state == State.assigned and fixed.coordinators == ["Sở Tài chính", "Sở Nội vụ"]  # type: ignore[union-attr]
    assert states.count(State.draft) == sum(1 for d in drafts if not commands.has_lead(d)) - 1
    assert len(events) == len(drafts) - states.count(State.draft)


def _wait_upload(browser: Browser, response_text: str) -> str:
    import re

    job = re.search(r'/thong-bao/tai-len/([\w-]+)', response_text)
    assert job, response_text
    for _ in range(300):
        status = browser.get(f"/thong-bao/tai-len/{job.group(1)}")
        if "HX-Redirect" in status.headers or 'id="upload-error"' in status.text:
            return status.headers.get("HX-Redirect") or status.text
        time.sleep(0.05)
    raise AssertionError("the upload did not finish")


def test_an_upload_is_read_in_the_background_and_the_same_notice_again_is_refused(
    browser: Browser, web_app: App
) -> None:
    login(browser, web_app, person(web_app, Role.office))
    first = browser.client.post("/thong-bao/tai-len", data={"csrf_token": browser.csrf},
                                files={"file": (LAOCAI.name + ".txt", LAOCAI.with_suffix(".txt").read_bytes())})
    target = _wait_upload(browser, first.text)
    assert target.startswith("/thong-bao/")
    again = browser.client.post("/thong-bao/tai-len", data={"csrf_token": browser.csrf},
                                files={"file": (LAOCAI.name + ".docx", LAOCAI.with_suffix(".docx").read_bytes())})
    refused = _wait_upload(browser, again.text)
    assert "đã được nhập trước đó" in refused and target in refused
    wrong = browser.client.post("/thong-bao/tai-len", data={"csrf_token": browser.csrf},
                                files={"file": ("bang-tinh.xlsx", b"PK\x03\x04")})
    assert "Chỉ nhận tệp TXT, DOCX, PDF" in wrong.text
    scan = ROOT / "data" / "corpus" / "dev" / "05_laocai-sct-1894-2026_kiem-tra-vlncn.pdf"
    pdf = browser.client.post("/thong-bao/tai-len", data={"csrf_token": browser.csrf},
                              files={"file": (scan.name, scan.read_bytes())})
    assert _wait_upload(browser, pdf.text).startswith("/thong-bao/")
    jobs = browser.client.app.state.jobs.jobs.values()  # type: ignore[attr-defined]
    read = next(j for j in jobs if j.filename == scan.name)
    assert read.total_pages >= 1 and read.done_pages == read.total_pages  # the reader reported each page
    with web_app.session() as s:
        assert len(s.exec(select(Notice)).all()) == 2


def test_office_actions_on_a_directive_are_engine_commands(browser: Browser, web_app: App) -> None:
    office, _, target = seeded(web_app)
    leader = person(web_app, Role.leader, "STC")
    with web_app.session() as s:
        commands.request_extension(s, target.id, actor_id=leader.id, now=web_app.now(),  # type: ignore[arg-type]
                                   new_deadline=dt.datetime(2024, 8, 30, 16, 59, 59, tzinfo=dt.UTC),
                                   reason="Chờ ý kiến các sở")
    login(browser, web_app, office)
    page = browser.get(f"/nhiem-vu/{target.id}").text
    assert "Đồng ý gia hạn" in page and "Chờ ý kiến các sở" in page
    assert "Đã ghi nhận" in browser.post(f"/nhiem-vu/{target.id}/grant", {"new_deadline": ""}).text
    bad = browser.post(f"/nhiem-vu/{target.id}/deadline", {"new_deadline": "hôm qua"})
    assert 'role="alert"' in bad.text and "không phải ngày giờ hợp lệ" in bad.text
    browser.post(f"/nhiem-vu/{target.id}/deadline", {"new_deadline": "15/09/2024"})
    assert "Vui lòng nhập lý do" in browser.post(f"/nhiem-vu/{target.id}/cancel", {"reason": ""}).text
    with web_app.session() as s:
        commands.submit_report(s, target.id, actor_id=leader.id, now=web_app.now(), text="Hồ sơ đã trình")  # type: ignore[arg-type]
    browser.post(f"/nhiem-vu/{target.id}/return", {"reason": "Bổ sung số liệu quý II"})
    with web_app.session() as s:
        commands.submit_report(s, target.id, actor_id=leader.id, now=web_app.now(), text="Đã bổ sung")  # type: ignore[arg-type]
    done = browser.post(f"/nhiem-vu/{target.id}/accept", {"note": "Đạt yêu cầu"}).text
    assert "Hoàn thành" in done
    timeline = browser.get(f"/nhiem-vu/{target.id}").text
    for words in ("Đề nghị hạn mới: 30/08/2024", "Hạn mới: 30/08/2024 (theo đề nghị)",
                  "Hạn mới: 15/09/2024 (do Văn phòng đặt)", "Trả lại báo cáo", "Lý do: Bổ sung số liệu quý II",
                  "Xác nhận hoàn thành", office.name):
        assert words in timeline
    with web_app.session() as s:
        final = s.get(Directive, target.id)
    assert final.state == State.done  # type: ignore[union-attr]
    assert browser.post(f"/nhiem-vu/{target.id}/cancel", {"reason": "muộn"}).text.count("Không thể hủy") == 1


def test_search_ignores_diacritics_and_case_and_pages(browser: Browser, web_app: App) -> None:
    office, _, target = seeded(web_app)
    login(browser, web_app, office)
    found = browser.get("/nhiem-vu?q=SO+TAI+CHINH").text
    assert f'data-id="{target.id}"' in found
    none = browser.get("/nhiem-vu?q=so+tai+chinh+xyzzy").text
    assert "Không có nhiệm vụ nào phù hợp" in none
    paged = browser.get("/nhiem-vu?page=2").text
    assert "Trang 1/" not in paged or "Trang 2/" in paged
    bad = browser.get("/nhiem-vu?from=32/13/2024&agency=abc")
    assert bad.status_code == 200 and 'role="alert"' in bad.text


def test_live_updates_answer_no_content_until_something_changes(browser: Browser, web_app: App) -> None:
    office, _, target = seeded(web_app)
    login(browser, web_app, office)
    poll = {"X-Dondoc-Poll": "1", "HX-Request": "true"}
    page = browser.get(f"/nhiem-vu/{target.id}").text
    assert f"since={target.version}" in page
    unchanged = browser.client.get(f"/nhiem-vu/{target.id}?partial=1&since={target.version}", headers=poll)
    assert unchanged.status_code == 204
    with web_app.session() as s:
        marker = browser.get("/").text.split("since=")[1].split('"')[0]
        commands.acknowledge(s, target.id, actor_id=person(web_app, Role.leader, "STC").id,  # type: ignore[arg-type]
                             now=web_app.now())
    changed = browser.client.get(f"/nhiem-vu/{target.id}?partial=1&since={target.version}", headers=poll)
    assert changed.status_code == 200 and "Đang thực hiện" in changed.text
    board = browser.client.get(f"/?partial=1&since={marker}", headers=poll)
    assert board.status_code == 200 and 'id="board"' in board.text


def test_the_directory_keeps_open_work_reachable(browser: Browser, web_app: App) -> None:
    office, _, _ = seeded(web_app)
    leader = person(web_app, Role.leader, "STC")
    login(browser, web_app, office)
    refused = browser.post(f"/danh-ba/nguoi/{leader.id}/xoa")
    assert refused.status_code == 400 and "giao lại cho người khác" in refused.text
    dup = browser.post("/danh-ba/co-quan", {"code": "stc", "name": "Sở Tài chính mới"})
    assert dup.status_code == 400 and "đã dùng cho Sở Tài chính" in dup.text and "Sở Tài chính mới" in dup.text
    clash = browser.post("/danh-ba/co-quan", {"code": "SXD2", "name": "Sở Xây dựng", "aliases": "SXD; Sở XD"})
    assert clash.status_code == 400 and "đã dùng để gọi Sở Xây dựng" in clash.text  # a second name for one body
    assert browser.post("/danh-ba/co-quan", {"code": "SXD2", "name": "Sở Xây dựng Đô thị",
                                             "aliases": "SXDĐT; Sở XD đô thị"}).status_code == 303
    homeless = browser.post("/danh-ba/nguoi", {"name": "Đỗ Văn Mới", "role": "leader", "title": "Giám đốc"})
    assert homeless.status_code == 400 and "phải thuộc một cơ quan" in homeless.text
    with web_app.session() as s:
        sxd = s.exec(select(Agency).where(Agency.code == "SXD2")).one()
    assert sxd.aliases == ["SXDĐT", "Sở XD đô thị"]
    assert browser.post("/danh-ba/nguoi", {"name": "Đỗ Văn Mới", "role": "leader", "title": "Giám đốc",
                                           "agency_id": str(sxd.id)}).status_code == 303
    with web_app.session() as s:
        newcomer = s.exec(select(Person).where(Person.name == "Đỗ Văn Mới")).one()
    invite = browser.post(f"/danh-ba/nguoi/{newcomer.id}/moi")
    assert invite.status_code == 200 and "<svg" in invite.text and 'id="invite-link"' in invite.text
    assert browser.post(f"/danh-ba/nguoi/{newcomer.id}/xoa").status_code == 303
    assert browser.post(f"/danh-ba/co-quan/{sxd.id}/xoa").status_code == 303
    directory = browser.get("/danh-ba").text
    assert "Đỗ Văn Mới" not in directory and "Chưa liên kết" in directory


def test_export_downloads_the_filtered_directives(browser: Browser, web_app: App) -> None:
    office, _, target = seeded(web_app)
    login(browser, web_app, office)
    xlsx = browser.get(f"/xuat-bao-cao/tai-ve?format=xlsx&agency={target.lead_agency_id}")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content))["Nhiệm vụ"]
    leads = {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert leads == {"Sở Tài chính"}
    csv = browser.get("/xuat-bao-cao/tai-ve?format=csv&q=so+tai+chinh")
    assert csv.status_code == 200 and "Sở Tài chính" in csv.content.decode("utf-8-sig")
    assert browser.get("/xuat-bao-cao/tai-ve?format=pdf").status_code == 400


@pytest.mark.parametrize("url", ["/khong-co", "/nhiem-vu/999999", "/thong-bao/999999"])
def test_unknown_addresses_get_a_vietnamese_page(browser: Browser, web_app: App, url: str) -> None:
    login(browser, web_app, person(web_app, Role.office))
    response = browser.get(url)
    assert response.status_code == 404 and "Không tìm thấy" in response.text


def test_a_candidate_not_taken_becomes_a_draft_once(browser: Browser, web_app: App) -> None:
    office = person(web_app, Role.office)
    with web_app.session() as s:
        report = ingest_file(s, SEED, web_app.now(), actor_id=office.id)
        notice = s.get(Notice, report.notice_id)
        clause = "Giao Sở Tài chính chủ trì rà soát các khoản chi, hoàn thành trước ngày 30/6/2024."
        notice.candidates = [{"ref": "9", "score": 0.41, "text": clause}]  # type: ignore[union-attr]
        s.add(notice)
        s.commit()
    login(browser, web_app, office)
    assert "Lấy làm dự thảo" in browser.get(f"/thong-bao/{report.notice_id}").text
    assert browser.post(f"/thong-bao/{report.notice_id}/de-xuat/0").status_code == 303
    page = browser.get(f"/thong-bao/{report.notice_id}").text
    assert "Đã tạo dự thảo từ đề xuất số 1" in page and "đã thành dự thảo" in page
    browser.post(f"/thong-bao/{report.notice_id}/de-xuat/0")
    assert "đã thành dự thảo" in browser.get(f"/thong-bao/{report.notice_id}").text
    with web_app.session() as s:
        drafts = s.exec(select(Directive).where(Directive.notice_id == report.notice_id)).all()
    assert len(drafts) == len(report.drafts) + 1
