"""Directive extraction on hand-written notices in styles the dev corpus does not cover (tests/unit/notices/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.deadlines import parse_deadline
from engine.ingest import extract_text

NOTICES = Path(__file__).parent / "notices"

# stem → expected directives: (ref, lead, deadline ISO or None, kind or None), in document order.
EXPECTED: dict[str, list[tuple[str, str | None, str | None, str | None]]] = {
    # UBND tỉnh, Chủ tịch's working session with a Sở: Roman sections, "Giao Sở X:" + a) b) c), a heading
    # "UBND các huyện, …:" with dashes, a page number and a date broken across lines, TL./KT. signature.
    "s1_hatinh_tb_chu_tich_lam_viec_so": [
        ("II.1.a", "Sở Nông nghiệp và Môi trường", "2025-08-15", "date"),
        ("II.1.b", "Sở Nông nghiệp và Môi trường", "2025-09-30", "quarter"),
        ("II.1.c", "Sở Nông nghiệp và Môi trường", "2025-09-30", "date"),
        ("II.2", "Sở Tài chính", "2025-06-20", "date"),
        ("II.3.a", "UBND các huyện, thị xã, thành phố", None, "recurring"),
        ("II.3.b", "UBND các huyện, thị xã, thành phố", "2025-10-31", "month"),
        ("II.4", "Bộ Nông nghiệp và Môi trường", None, None),
        ("III", "Văn phòng UBND tỉnh", None, "recurring"),
    ],
    # VPCP notice of a Deputy PM's conclusions: evaluation item, a) b) c) d) with ministries, working days
    # counted from signing, "Đề nghị" to a central body.
    "s2_vpcp_tb_ket_luan_pho_thu_tuong": [
        ("2.a", "Ủy ban nhân dân thành phố Hà Nội, các tỉnh Hưng Yên, Bắc Ninh", "2025-09-30", "quarter"),
        ("2.b", "Bộ Xây dựng", "2025-09-30", "date"),
        ("2.c", "Bộ Tài chính", "2025-08-25", "date"),
        ("2.d", "Bộ Nông nghiệp và Môi trường", "2025-09-04", "working_days"),
        ("3", "Ngân hàng Nhà nước Việt Nam", None, None),
    ],
    # Storm letter (Kính gửi, V/v): hour deadlines, a daily report hour, an event-relative count of days,
    # "24/24 giờ", and a generic closing "Yêu cầu … khẩn trương triển khai thực hiện" that is no directive.
    "s3_nghean_cong_van_bao": [
        ("1.a", "UBND các huyện, thành phố, thị xã", "2024-09-06", "date"),
        ("1.b", "UBND các huyện, thành phố, thị xã", "2024-09-06", "date"),
        ("2", "Sở Nông nghiệp và Phát triển nông thôn", None, "after_event"),
        ("3", "Sở Công Thương", None, None),
        ("4", "Đài Phát thanh và Truyền hình tỉnh, Báo Nghệ An", None, None),
        ("5", "Các sở, ban, ngành, địa phương", None, "recurring"),
    ],
    # A Sở's own notice to its divisions: "before the school year opens", a day/month without year,
    # working days counted from receipt of the notice.
    "s4_thanhhoa_so_gddt_giao_ban": [
        ("1", "Phòng Giáo dục Trung học", None, "before_event"),
        ("2", "Phòng Tổ chức cán bộ", "2024-08-25", "date"),
        ("3.a", "Phòng Kế hoạch - Tài chính", "2024-09-30", "month"),
        ("3.b", "Phòng Kế hoạch - Tài chính", "2024-10-10", "date"),
        ("4", "Phòng Giáo dục và Đào tạo các huyện, thị xã, thành phố", "2024-09-05", "date"),
        ("5", "Thủ trưởng các đơn vị trực thuộc", "2024-08-26", "working_days"),
    ],
    # City People's Committee session: decimal items 1.1/1.2 under "1. Về …", a topic heading without a full
    # stop above a "Giao" paragraph, an event-month and an event-relative deadline, two "đề nghị" to ministries.
    "s5_cantho_phien_hop_ubnd_tp": [
        ("1.2", "Sở Kế hoạch và Đầu tư", "2024-10-31", "event_month"),
        ("1.3", "Các sở, ban ngành thành phố và Ủy ban nhân dân quận, huyện", "2024-12-31", "year"),
        ("2", "Sở Giáo dục và Đào tạo", None, "before_event"),
        ("3", "Bộ Giao thông vận tải", None, None),
        ("3-2", "Bộ Tài chính", None, None),
    ],
    # District notice: un-numbered "- Giao …" bullets, working days from an event, a weekly report.
    "s6_huyen_tb_ket_luan_dash_giao": [
        ("a", "Ban Quản lý dự án đầu tư xây dựng huyện", "2024-09-30", "date"),
        ("b", "Phòng Tài chính - Kế hoạch", None, "after_event"),
        ("c", "Công an huyện", None, None),
        ("d", "UBND các xã Vân Nội, Nguyên Khê, Xuân Nộn", "2024-10-15", "date"),
        ("e", "Văn phòng HĐND và UBND huyện", None, "recurring"),
    ],
    # Office letter conveying a Vice-Chair's conclusions: "Đối với <body>:" headings, a bullet whose verb is
    # outside the vocabulary, "đề nghị Bộ …" as the object of a Sở's task (not a second lead).
    "s7_quangnam_vp_truyen_dat_doi_voi": [
        ("1.a", "UBND thị xã Điện Bàn, UBND thành phố Hội An", "2024-11-20", "date"),
        ("1.b", "UBND thị xã Điện Bàn, UBND thành phố Hội An", "2024-12-31", "month"),
        ("2", "Sở Nông nghiệp và Phát triển nông thôn", "2024-12-31", "month"),
        ("3", "Sở Tài chính", "2024-11-25", "date"),
        ("4", "Sở Nông nghiệp và Phát triển nông thôn", "2024-11-22", "date"),
    ],
    # VPCP notice written for the failure modes seen on unseen documents: subjectless items under a lead-in,
    # "Về …: Bộ X …", "Bộ X, theo chức năng, …, khẩn trương …", "Đối với …, Bộ Y …", a colon list "Giao các Bộ: …",
    # plan content "theo hướng: Bộ A …, Bộ B …" that is no directive of its own, a named province's UBND, a body
    # outside every list ("Nhà đầu tư"), a bare completion year, "dịp 19 tháng 12", "16 giờ ngày 30/12",
    # "định kỳ tháng 3/2026" (one edition), narrative "Cùng tham dự …" and a follow-up "Trường hợp …, báo cáo …".
    "s8_vpcp_tb_ket_luan_cao_toc": [
        ("II.1", "các Bộ, ngành, địa phương liên quan", "2025-12-31", "date"),
        ("II.2", "các Bộ, ngành, địa phương liên quan", "2026-12-31", "year"),
        ("II.3", "Bộ Tài chính", "2026-01-31", "month"),
        ("II.4", "Bộ Công an", None, "none"),
        ("II.5", "Bộ Nông nghiệp và Môi trường", None, None),
        ("II.6", "các Bộ: Xây dựng, Tài chính", "2026-03-31", "quarter"),
        ("II.7", "Ủy ban nhân dân thành phố Hà Nội và các tỉnh Bắc Ninh, Hưng Yên", "2026-12-19", "event_date"),
        ("II.8", "Nhà đầu tư Dự án BOT kết nối", "2025-12-30", "date"),
        ("II.9", "Văn phòng Chính phủ", "2026-03-31", "event_month"),
    ],
    # Provincial letter: "a." topic headings, "(i) …; (ii) …" points run into one paragraph under a lead-in,
    # "Thứ nhất, …" items, narrative ("Đồng chí … chủ trì buổi làm việc", "nhiều hộ … đã …") that is no directive.
    "s9_tinh_cong_van_y_kien_chi_dao": [
        ("a", "Sở Công Thương", "2025-11-15", "date"),
        ("b.(i)", "Sở Tài chính", None, None),
        ("b.(ii)", "Sở Tài chính", None, None),
        ("b.(iii)", "Sở Tài chính", "2026-03-31", "quarter"),
        ("c.1", "Ủy ban nhân dân các huyện, thành phố", None, None),
    ],
}


def _extract(stem: str) -> dict:
    text = (NOTICES / f"{stem}.txt").read_text(encoding="utf-8")
    return extract_text(text, source_name=stem, today=dt.date(2030, 1, 1)).to_json()


@pytest.fixture(scope="module")
def extracted() -> dict[str, dict]:
    return {stem: _extract(stem) for stem in EXPECTED}


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_directives_refs_leads_and_deadlines(extracted: dict[str, dict], stem: str) -> None:
    got = [(d["ref"], d["lead"], d["deadline"], d["deadline_kind"]) for d in extracted[stem]["directives"]]
    assert got == EXPECTED[stem]


def test_times_and_recurrences(extracted: dict[str, dict]) -> None:
    storm = {d["ref"]: d for d in extracted["s3_nghean_cong_van_bao"]["directives"]}
    assert storm["1.a"]["deadline_time"] == "16:00" and storm["1.b"]["deadline_time"] == "10:00"
    assert storm["5"]["recurrence"] == "daily:time=15:00"
    assert storm["2"]["deadline_text"] == "trong 03 ngày kể từ khi bão tan"
    district = {d["ref"]: d for d in extracted["s6_huyen_tb_ket_luan_dash_giao"]["directives"]}
    assert district["e"]["recurrence"] == "weekly:day=fri"
    assert district["e"]["report_to"] == "Chủ tịch UBND huyện"
    province = {d["ref"]: d for d in extracted["s1_hatinh_tb_chu_tich_lam_viec_so"]["directives"]}
    assert province["II.3.a"]["recurrence"] == "monthly:day=20"
    assert province["III"]["recurrence"] == "quarterly"


def test_coordinators_and_recipients(extracted: dict[str, dict]) -> None:
    province = {d["ref"]: d for d in extracted["s1_hatinh_tb_chu_tich_lam_viec_so"]["directives"]}
    assert province["II.1.a"]["coordinators"] == ["Sở Tài chính", "UBND các huyện, thị xã, thành phố"]
    assert province["II.1.c"]["report_to"] == "UBND tỉnh"  # not "UBND tỉnh chậm nhất ngày …"
    assert province["II.3.a"]["report_to"] == "Sở Nông nghiệp và Môi trường"  # "báo cáo kết quả về Sở …"
    storm = {d["ref"]: d for d in extracted["s3_nghean_cong_van_bao"]["directives"]}
    assert storm["1.b"]["report_to"] == "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"


def test_follow_ups_colon_lists_and_times(extracted: dict[str, dict]) -> None:
    vpcp = {d["ref"]: d for d in extracted["s8_vpcp_tb_ket_luan_cao_toc"]["directives"]}
    assert vpcp["II.4"]["report_to"] == "Thủ tướng Chính phủ"  # "Trường hợp vượt thẩm quyền, báo cáo …"
    assert (vpcp["II.8"]["report_to"], vpcp["II.8"]["deadline_time"]) == ("Bộ Xây dựng", "16:00")
    assert vpcp["II.3"]["coordinators"] == ["các địa phương"]
    text = (NOTICES / "s8_vpcp_tb_ket_luan_cao_toc.txt").read_text(encoding="utf-8")
    six = next(d for d in extract_text(text, today=dt.date(2030, 1, 1)).directives if d.ref == "II.6")
    assert six.leads == ("Bộ Xây dựng", "Bộ Tài chính") and "multi_lead" in six.flags


def test_uncertain_clauses_are_candidates_not_dropped(extracted: dict[str, dict]) -> None:
    letter = extracted["s9_tinh_cong_van_y_kien_chi_dao"]
    texts = [c["text"] for c in letter["candidates"]]
    assert any(t.startswith("Đảng bộ các xã tổ chức quán triệt") for t in texts)
    assert any(t.startswith("Định kỳ trước ngày 25/12 hàng năm, Sở Công Thương") for t in texts)
    assert all(0 < c["score"] < 0.5 and c["ref"] for c in letter["candidates"])
    assert not any("chủ trì buổi làm việc" in d["task"] for d in letter["directives"])


def test_metadata_of_the_new_styles(extracted: dict[str, dict]) -> None:
    vpcp = extracted["s2_vpcp_tb_ket_luan_pho_thu_tuong"]["document"]
    assert (vpcp["number"], vpcp["date"], vpcp["signer"]) == ("412/TB-VPCP", "2025-08-12", "Nguyễn Sỹ Hiệp")
    province = extracted["s1_hatinh_tb_chu_tich_lam_viec_so"]["document"]
    assert (province["number"], province["date"], province["meeting_date"]) == (
        "285/TB-UBND", "2025-05-28", "2025-05-23")
    assert "PHÓ CHÁNH VĂN PHÒNG" in province["signer_title"]


@pytest.mark.parametrize(("phrase", "anchor", "deadline", "kind"), [
    ("trong 15 ngày làm việc kể từ ngày ký Thông báo này", "2025-08-12", "2025-09-04", "working_days"),
    ("trong 10 ngày làm việc kể từ ngày nhận được Thông báo này", "2024-08-12", "2024-08-26", "working_days"),
    ("trong 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", "2024-09-16", None, "after_event"),
    ("trong 03 ngày kể từ khi bão tan", "2024-09-05", None, "after_event"),
    ("trước ngày khai giảng năm học mới", "2024-08-12", None, "before_event"),
    ("trước 15 giờ hằng ngày", "2024-09-05", None, "recurring"),
    ("vào chiều thứ Sáu hằng tuần", "2024-09-16", None, "recurring"),
    ("định kỳ hằng ngày báo cáo", "2024-09-16", None, "recurring"),
    ("trước ngày 20 hằng tháng", "2025-05-28", None, "recurring"),
])
def test_deadline_phrases_of_the_new_styles(phrase: str, anchor: str, deadline: str | None, kind: str) -> None:
    found = parse_deadline(phrase, dt.date.fromisoformat(anchor))
    assert found is not None
    assert (found.date.isoformat() if found.date else None, found.kind) == (deadline, kind)
