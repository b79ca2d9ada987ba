"""A tracking officer's first day in a real browser: log in, upload, fix, assign, watch, search; Telegram alongside."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlmodel import col, func, select

from config.settings import Settings
from engine.binding import create_code
from engine.directory import load_default_directory
from engine.login import create_login_token, login_url
from engine.models import Agency, Directive, Notice, Person, Role, State
from tests.browser.conftest import bot_in_thread, web_server
from tests.support.botapi import FakeBotAPI
from tests.support.factory import T0
from tests.support.fakes import FixedClock
from tests.support.telegram import buttons, telegram_app

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "corpus" / "dev" / "00_seed_bac-giang-2024-04.txt"
LEADER_CHAT = 710_000_001


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_office_works_a_notice_in_the_browser_while_a_leader_answers_in_telegram(
    chromium: Any, botapi: FakeBotAPI, settings: Settings, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    app = telegram_app(settings, botapi, FixedClock(T0), per_chat_interval=0.02)
    with app.session() as s:
        load_default_directory(s, app.settings.agencies_file)
        office = s.exec(select(Person).where(Person.role == Role.office).order_by(col(Person.id))).first()
        stc = s.exec(select(Agency).where(Agency.code == "STC")).one()
        leader = s.exec(select(Person).where(Person.agency_id == stc.id, Person.role == Role.leader)).first()
        bind = create_code(s, leader.id, T0)  # type: ignore[arg-type]
        token = create_login_token(s, office.id, T0)  # type: ignore[arg-type]
    with bot_in_thread(app), web_server(app) as url:
        botapi.inject_message(LEADER_CHAT, f"/start {bind}")
        botapi.wait_for(lambda: botapi.sent(LEADER_CHAT), timeout=10)
        page = chromium.new_page(viewport={"width": 1440, "height": 900}, locale="vi-VN")
        page.set_default_timeout(15_000)

        # Log in with the link `dondoc web login-link` prints.
        page.goto(login_url(url, token))
        page.click("#confirm-login")
        page.wait_for_url(url + "/")
        assert office.name in page.inner_text("header")

        # Upload the seed notice; the page follows the reading and opens the notice beside its drafts.
        page.click("text=Thông báo")
        page.set_input_files("#file", str(SEED))
        page.click("#upload-button")
        page.wait_for_url(re.compile(r".*/thong-bao/\d+$"))
        drafts = page.locator("article.draft")
        assert drafts.count() > 10 and page.locator("#source mark").count() > 10
        with app.session() as s:
            not_taken = len(s.exec(select(Notice)).one().candidates)
        assert page.locator("#candidates tbody tr").count() == not_taken  # nothing dropped silently
        shot(page, shots, "thong-bao")

        # Fix one collective lead: the draft goes to Sở Kế hoạch và Đầu tư.
        unresolved = page.locator("article.draft", has=page.locator(".lead .red"))
        before = unresolved.count()
        card = unresolved.first
        card_id = card.get_attribute("id")
        card.locator("button", has_text="Sửa").click()
        form = page.locator(f"#{card_id} form")
        form.locator("select[name=lead]").select_option(label="Sở Kế hoạch và Đầu tư")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(f"#{card_id} .okmsg")
        assert page.inner_text(f"#{card_id} .lead") == "Sở Kế hoạch và Đầu tư"
        assert unresolved.count() == before - 1

        # Assign every draft whose lead is settled, in one transaction.
        page.click("#assign-all")
        page.wait_for_selector(".okmsg")
        with app.session() as s:
            assigned = s.exec(select(func.count()).select_from(Directive)
                              .where(col(Directive.state) != State.draft)).one()
        assert f"Đã giao {assigned} nhiệm vụ" in page.inner_text(".okmsg")
        assert assigned == drafts.count() - (before - 1)

        # The dashboard counts them in the official buckets.
        page.goto(url + "/")
        assert page.inner_text("#total") == str(assigned)
        kpis = {k: int(page.inner_text(f'.kpi[data-bucket="{k}"] .n').replace(".", ""))
                for k in ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline")}
        assert sum(kpis.values()) == assigned and kpis["open_in_time"] > 0
        shot(page, shots, "tong-quan")

        # Search without diacritics.
        page.goto(url + "/nhiem-vu")
        page.fill("#f-q", "so tai chinh")
        page.press("#f-q", "Enter")
        page.wait_for_url(re.compile(r".*q=so\+tai\+chinh.*"))
        rows = page.locator("#list tbody tr[data-id]")
        found = {int(rows.nth(i).get_attribute("data-id")) for i in range(rows.count())}  # type: ignore[arg-type]
        with app.session() as s:
            led = set(s.exec(select(Directive.id).where(Directive.lead_agency_id == stc.id,
                                                        col(Directive.state) != State.draft)).all())
        assert led and led <= found  # every directive Sở Tài chính leads, and those naming it elsewhere
        shot(page, shots, "nhiem-vu")

        # The leader acknowledges in Telegram; the open directive page changes without a reload.
        with app.session() as s:
            target = s.exec(select(Directive).where(Directive.lead_agency_id == stc.id, Directive.ref == "2")).one()
        page.goto(f"{url}/nhiem-vu/{target.id}")
        assert "chưa xác nhận" in page.inner_text("#ack")
        alert = botapi.wait_for(lambda: [m for m in botapi.sent(LEADER_CHAT) if "Nhiệm vụ mới" in (m.text or "")
                                         and f"mục {target.ref}" in (m.text or "")], timeout=15)[0]
        page.evaluate("window.__marker = 1")  # survives only if the page is not reloaded
        botapi.inject_callback(LEADER_CHAT, alert.message_id, buttons(alert)["✅ Đã nhận"])
        page.wait_for_function("document.querySelector('#state-text').innerText === 'Đang thực hiện'")
        assert page.evaluate("window.__marker") == 1
        assert "Xác nhận đã nhận" in page.inner_text("#timeline")
        shot(page, shots, "nhiem-vu-chi-tiet")

        page.goto(url + "/danh-ba")
        shot(page, shots, "danh-ba")
        page.goto(url + "/xuat-bao-cao")
        shot(page, shots, "xuat-bao-cao")
        page.close()
    app.engine.dispose()
    assert sorted(p.name for p in shots.iterdir()) == sorted(
        f"{n}.png" for n in ("thong-bao", "tong-quan", "nhiem-vu", "nhiem-vu-chi-tiet", "danh-ba", "xuat-bao-cao"))
