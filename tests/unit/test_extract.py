"""Directive extraction from the seed notice and from small texts written in the same language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from engine.ingest import AgencyDirectory, extract_text
from engine.ingest.agencies import normalize_name
from engine.ingest.structure import build_blocks
from tests.unit.corpus_paths import AGENCIES_YAML, SEED_STEM, gold, seed_text


def _core(text: str | None) -> str:
    return normalize_name(text or "")


def _base(ref: str) -> str:
    return re.sub(r"[^\w.]", "", ref.lower().split("-")[0])


def _find(directives: list[dict], gold_directive: dict) -> dict:
    """The predicted directive for a gold one: most of the gold task's words, the same item breaking ties."""
    words = set(_core(gold_directive["task"]).split())

    def score(d: dict) -> tuple[float, bool]:
        return len(words & set(_core(d["task"]).split())) / len(words), _base(d["ref"]) == _base(gold_directive["ref"])

    best = max(directives, key=score)
    assert score(best)[0] >= 0.8, f"no directive for {gold_directive['ref']}"
    return best


@pytest.fixture(scope="module")
def seed() -> dict:
    directory = AgencyDirectory(yaml.safe_load(AGENCIES_YAML.read_text(encoding="utf-8")))
    return extract_text(seed_text(), source_name=SEED_STEM, directory=directory, today=dt.date(2030, 1, 1)).to_json()


def test_seed_has_every_gold_directive_with_its_lead_and_deadline(seed: dict) -> None:
    expected = gold(SEED_STEM)["directives"]
    assert len(seed["directives"]) == len(expected)
    for g in expected:
        got = _find(seed["directives"], g)
        assert _core(got["lead"]) == _core(g["lead"]), g["ref"]
        assert got["deadline"] == g["deadline"], g["ref"]


def test_seed_refs_follow_the_numbering(seed: dict) -> None:
    refs = [d["ref"] for d in seed["directives"]]
    assert refs[:3] == ["1.(1)", "1.(2)", "1.(3)"]
    assert {"2", "3", "4", "5", "6", "7", "8", "9"} <= set(refs)
    assert not any(r.startswith("10") for r in refs)  # voting results and the closing formula


def test_seed_metadata(seed: dict) -> None:
    doc = seed["document"]
    assert doc["number"] is None and doc["date"] is None
    assert doc["meeting_date"] == "2024-04-17"
    assert doc["signer"] == "Lê Tuấn Phú"
    assert "CHÁNH VĂN PHÒNG" in doc["signer_title"]
    assert doc["issuer"] == "UBND tỉnh Bắc Giang"
    assert "Mai Sơn" in doc["chair"]


def test_seed_collective_and_multi_leads(seed: dict) -> None:
    by_ref = {d["ref"]: d for d in seed["directives"]}
    assert by_ref["1.(1)"]["lead"] == "các cấp, các ngành, các địa phương"
    assert "collective_lead" in by_ref["1.(1)"]["flags"] and "inherited_lead" in by_ref["1.(1)"]["flags"]
    multi = next(d for d in seed["directives"] if d["lead"] and d["lead"].startswith("Ban quản lý dự án ĐTXD công"))
    assert "multi_lead" in multi["flags"] and multi["deadline"] == "2024-05-31"


def test_seed_coordinators_report_to_and_resolution(seed: dict) -> None:
    by_ref = {d["ref"]: d for d in seed["directives"]}
    assert by_ref["2"]["coordinators"] == ["Văn phòng UBND tỉnh"]
    assert by_ref["2"]["report_to"] == "Thường trực HĐND tỉnh"
    assert by_ref["2"]["deadline_kind"] == "event_month"
    assert by_ref["2"]["lead_agency"] == "STC"
    assert by_ref["4"]["lead_agency"] == "SVHTTDL"  # "Thể Thao" spelled with a capital T


def test_unresolved_agency_is_kept_and_flagged() -> None:
    text = "Giao Sở Du hành Vũ trụ chủ trì, phối hợp với Sở Tài chính lập phương án, hoàn thành trước ngày 30/6/2024."
    directory = AgencyDirectory({"agencies": [{"code": "STC", "name": "Sở Tài chính", "kind": "so"}]})
    result = extract_text(text, directory=directory, today=dt.date(2024, 4, 1)).to_json()
    (d,) = result["directives"]
    assert d["lead"] == "Sở Du hành Vũ trụ"
    assert d["lead_agency"] is None and "unresolved_lead" in d["flags"]
    assert d["coordinators"] == ["Sở Tài chính"] and d["deadline"] == "2024-06-30"


def test_today_anchors_deadlines_only_when_the_notice_has_no_date() -> None:
    text = "Giao Sở Y tế chủ trì kiểm tra an toàn thực phẩm, báo cáo UBND tỉnh trước ngày 10/01."
    early = extract_text(text, today=dt.date(2024, 11, 20)).to_json()["directives"][0]
    assert early["deadline"] == "2025-01-10" and early["report_to"] == "UBND tỉnh"
    dated = "Hà Giang, ngày 02 tháng 01 năm 2024\n" + text
    assert extract_text(dated, today=dt.date(2024, 11, 20)).to_json()["directives"][0]["deadline"] == "2024-01-10"


def test_heading_lead_dashes_and_trailing_shared_deadline() -> None:
    text = "\n".join([
        "Ủy ban nhân dân tỉnh yêu cầu các cơ quan thực hiện các nhiệm vụ sau:",
        "1. Sở Xây dựng",
        "- Chủ trì rà soát quy hoạch chi tiết các khu đô thị.",
        "- Hướng dẫn các huyện cấp phép xây dựng.",
        "2. Công an tỉnh báo cáo tình hình trật tự an toàn giao thông.",
        "Báo cáo của các cơ quan, đơn vị gửi về UBND tỉnh trước ngày 12/6/2026.",
        "Văn phòng UBND tỉnh thông báo để các cơ quan biết, thực hiện./.",
    ])
    ds = extract_text(text, today=dt.date(2026, 6, 1)).to_json()["directives"]
    assert [(d["ref"], d["lead"]) for d in ds] == [
        ("1.a", "Sở Xây dựng"), ("1.b", "Sở Xây dựng"), ("2", "Công an tỉnh")]
    assert ds[2]["deadline"] == "2026-06-12" and ds[2]["report_to"] == "UBND tỉnh"


def test_evaluations_and_citations_are_not_directives() -> None:
    text = (
        "UBND tỉnh nhất trí thông qua dự thảo Quyết định tại Tờ trình số 25/TTr-STP ngày 08/4/2024 của Sở Tư pháp. "
        "Luật Đất đai giao Bộ Tài nguyên và Môi trường hướng dẫn thi hành. "
        "Chủ tịch UBND tỉnh thông báo kết quả biểu quyết."
    )
    assert extract_text(text, today=dt.date(2024, 4, 17)).directives == []


def test_colon_leads_lettered_items_and_dashes_under_a_named_lead() -> None:
    text = "\n".join([
        "Hà Tĩnh, ngày 12 tháng 5 năm 2024",
        "2. Nhiệm vụ thời gian tới:",
        "a) Sở Tài nguyên và Môi trường: Chủ trì, phối hợp với Sở Xây dựng, Sở Tài chính và UBND các huyện liên quan "
        "rà soát giá đất; hoàn thành trước ngày 30/5/2024.",
        "b) UBND huyện Kỳ Anh, UBND thị xã Kỳ Anh:",
        "- Tập trung tuyên truyền, vận động người dân bàn giao mặt bằng;",
        "- Hoàn thành việc chi trả tiền bồi thường trước ngày 15/6/2024.",
        "3. Giao Văn phòng UBND tỉnh theo dõi, đôn đốc; định kỳ hằng tháng tổng hợp, báo cáo Chủ tịch UBND tỉnh.",
    ])
    ds = extract_text(text).to_json()["directives"]
    assert [(d["ref"], d["lead"], d["deadline"]) for d in ds] == [
        ("2.a", "Sở Tài nguyên và Môi trường", "2024-05-30"),
        ("2.b.a", "UBND huyện Kỳ Anh, UBND thị xã Kỳ Anh", None),
        ("2.b.b", "UBND huyện Kỳ Anh, UBND thị xã Kỳ Anh", "2024-06-15"),
        ("3", "Văn phòng UBND tỉnh", None),
    ]
    assert ds[0]["coordinators"] == ["Sở Xây dựng", "Sở Tài chính", "UBND các huyện liên quan"]
    assert ds[3]["recurrence"] == "monthly" and ds[3]["report_to"] == "Chủ tịch UBND tỉnh"


def test_ministry_lists_relative_clauses_and_past_tense_evaluations() -> None:
    text = "\n".join([
        "Hà Nội, ngày 05 tháng 8 năm 2023",
        "1. Bộ Xây dựng đã chủ động phối hợp với các địa phương triển khai Đề án, tăng cường kiểm tra, đôn đốc.",
        "2. Bộ Xây dựng chủ trì, phối hợp với các Bộ: Tài chính, Kế hoạch và Đầu tư nghiên cứu, sửa đổi Nghị định "
        "số 100/2015/NĐ-CP, trình Chính phủ trong tháng 9 năm 2023.",
        "3. Các Bộ, cơ quan ngang Bộ đến nay chưa có báo cáo theo văn bản số 12/BXD-QLN ngày 16/6/2023, khẩn trương "
        "gửi báo cáo về Bộ Xây dựng trước ngày 15 tháng 9 năm 2023.",
        "4. Bộ Kế hoạch và Đầu tư có ý kiến về nguồn vốn tại cuộc họp.",
    ])
    ds = extract_text(text).to_json()["directives"]
    assert [d["ref"] for d in ds] == ["2", "3"]
    assert ds[0]["coordinators"] == ["Bộ Tài chính", "Bộ Kế hoạch và Đầu tư"]
    assert (ds[0]["deadline"], ds[0]["report_to"]) == ("2023-09-30", "Chính phủ")
    assert ds[1]["lead"].startswith("Các Bộ, cơ quan ngang Bộ")
    assert (ds[1]["deadline"], ds[1]["report_to"]) == ("2023-09-15", "Bộ Xây dựng")


def test_wrapped_lines_intro_phrases_and_relative_clause_headings() -> None:
    text = "\n".join([
        "Quảng Ninh, ngày 10 tháng 3 năm 2025",
        "1. Trên cơ sở kết quả rà soát, Sở Tài chính tham mưu UBND tỉnh phân bổ kinh phí trước ngày 31/3/2025.",
        "2. Giao Sở Tài chính chủ trì, phối hợp với Sở Kế hoạch và Đầu tư,",
        "Ủy ban nhân dân các huyện rà soát nguồn vốn; báo cáo UBND tỉnh trong quý II/2025.",
        "3. Ủy ban nhân dân các xã có cụm công nghiệp",
        "Lập hồ sơ thành lập cụm công nghiệp, gửi Sở Công Thương thẩm định, trình UBND tỉnh trước ngày 30/7/2025.",
    ])
    ds = extract_text(text).to_json()["directives"]
    assert [(d["ref"], d["lead"], d["deadline"], d["report_to"]) for d in ds] == [
        ("1", "Sở Tài chính", "2025-03-31", "UBND tỉnh"),
        ("2", "Sở Tài chính", "2025-06-30", "UBND tỉnh"),
        ("3", "Ủy ban nhân dân các xã có cụm công nghiệp", "2025-07-30", "UBND tỉnh"),
    ]
    assert ds[1]["coordinators"] == ["Sở Kế hoạch và Đầu tư", "Ủy ban nhân dân các huyện"]


def test_a_numbered_item_right_after_the_title_is_not_part_of_the_title() -> None:
    text = ("ỦY BAN NHÂN DÂN TỈNH BẮC GIANG\nSố: 90/TB-UBND\nBắc Giang, ngày 19 tháng 4 năm 2024\nTHÔNG BÁO\n"
            "Kết luận phiên họp UBND tỉnh thường kỳ tháng 4 năm 2024\n"
            "1. Giao Sở Tài chính chủ trì, phối hợp với Sở Tư pháp hoàn thiện hồ sơ dự thảo Nghị quyết; "
            "hoàn thành trước ngày 31/5/2024.\n")
    result = extract_text(text)
    assert result.document.title == "THÔNG BÁO Kết luận phiên họp UBND tỉnh thường kỳ tháng 4 năm 2024"
    [d] = result.directives
    assert (d.ref, d.lead, d.deadline.date if d.deadline else None) == ("1", "Sở Tài chính", dt.date(2024, 5, 31))


def test_marker_grammar_reads_every_numbering_style() -> None:
    lines = [
        "I. NHIỆM VỤ TRỌNG TÂM", "1. Sở Tài chính a) Chủ trì rà soát dự toán;", "b) Báo cáo UBND tỉnh.",
        "2. Sở Y tế thực hiện các nội dung sau: (i) kiểm tra an toàn thực phẩm; (ii) báo cáo kết quả.",
        "3. Sở Nội vụ", "a. Về công tác cán bộ", "Thứ nhất, rà soát đội ngũ.", "Thứ hai, bố trí cán bộ.",
        "b. Về thi đua", "- Phát động phong trào.", "+ Tổng kết.", "II - TỔ CHỨC THỰC HIỆN", "1.1. Văn phòng theo dõi.",
        "Điều 4. Chánh Văn phòng thi hành.",
    ]
    refs = [b.ref for b in build_blocks(lines)]
    assert refs == ["I", "I.1", "I.1.a", "I.1.b", "I.2", "I.2.(i)", "I.2.(ii)", "I.3", "I.3.a", "I.3.a.1", "I.3.a.2",
                    "I.3.b", "I.3.b.a", "I.3.b.a.1", "II", "II.1.1", "II.1.1.4"]


def test_numbering_above_99_is_neither_lost_nor_merged() -> None:
    items = [f"{i}. Giao Sở Tài chính rà soát dự toán số {i}, hoàn thành trong tháng 9/2025." for i in (98, 99)]
    text = "\n".join(["Hà Nội, ngày 05 tháng 8 năm 2025", *items, "100. Về đầu tư công",
                      "100.1. Giao Sở Xây dựng kiểm tra hồ sơ, hoàn thành trong tháng 10/2025.",
                      "100.2. Giao Sở Công Thương rà soát quy hoạch, hoàn thành trong tháng 11/2025.",
                      "101. Giao Sở Y tế kiểm tra an toàn thực phẩm, hoàn thành trong tháng 12/2025."])
    ds = extract_text(text).to_json()["directives"]
    assert [(d["ref"], d["deadline"]) for d in ds] == [
        ("98", "2025-09-30"), ("99", "2025-09-30"), ("100.1", "2025-10-31"), ("100.2", "2025-11-30"),
        ("101", "2025-12-31")]


def test_a_skipped_item_number_is_flagged_for_review() -> None:
    text = "\n".join(["Hà Nội, ngày 05 tháng 8 năm 2025", "(4) Giao Sở Tài chính rà soát dự toán.",
                      "(6) Giao Sở Xây dựng kiểm tra hồ sơ."])
    ds = {d["ref"]: d for d in extract_text(text).to_json()["directives"]}
    assert "numbering_gap" in ds["(6)"]["flags"] and "numbering_gap" not in ds["(4)"]["flags"]


def test_a_deadline_far_outside_a_sane_range_is_unreadable_not_9999() -> None:
    text = "Hà Nội, ngày 05 tháng 8 năm 2025\n1. Giao Sở Tài chính rà soát dự toán, hoàn thành trong năm 99999."
    [d] = extract_text(text).to_json()["directives"]
    assert (d["deadline"], d["deadline_kind"]) == (None, "invalid") and "invalid_date" in d["flags"]


def test_each_giao_sentence_is_a_directive_even_for_the_same_lead() -> None:
    # Two items run together (OCR read "8." as "8:"): each "Giao …" sentence keeps its own directive.
    text = "\n".join([
        "Bắc Giang, ngày 19 tháng 4 năm 2024",
        "7. Giao Sở Tư pháp chủ trì hoàn thiện dự thảo Quyết định, trình Chủ tịch UBND tỉnh ký ban hành. "
        "8: Dự thảo Nghị quyết bãi bỏ 12 Nghị quyết. Giao Sở Tư pháp hoàn thiện hồ sơ trình cấp có thẩm quyền.",
    ])
    ds = extract_text(text).to_json()["directives"]
    assert [(d["ref"], d["lead"]) for d in ds] == [("7", "Sở Tư pháp"), ("7-2", "Sở Tư pháp")]
