"""Deadline phrases: every row of corpus/deadlines.tsv, the README phrasings and the traps."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from engine.calendar import WorkCalendar
from engine.deadlines import Deadline, find_deadlines, parse_deadline
from tests.unit.corpus_paths import CORPUS

D = dt.date


def _tsv_rows() -> list[dict[str, str]]:
    with (CORPUS / "deadlines.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _tsv_rows()


@pytest.mark.parametrize("row", ROWS, ids=[r["phrase"][:40] for r in ROWS])
def test_deadline_table_row(row: dict[str, str]) -> None:
    result = parse_deadline(row["phrase"], D.fromisoformat(row["notice_date"]))
    expected_date = D.fromisoformat(row["deadline"]) if row["deadline"] else None
    if row["kind"] == "none":
        assert result is None or (result.kind == "none" and result.date is None)
        return
    assert result is not None
    assert result.kind == row["kind"]
    assert result.date == expected_date
    if row["time"]:
        assert result.time == dt.time.fromisoformat(row["time"])
    else:
        assert result.time is None
    assert result.text in row["phrase"]


# README "Deadline phrasings a parser must handle", each in the sentence it came from.
PHRASINGS = [
    ("Sở Công Thương rà soát …; hoàn thành trước ngày 31/12/2026.", D(2026, 6, 19), D(2026, 12, 31), "date"),
    ("khẩn trương gửi báo cáo trước ngày 23/5/2019", D(2019, 5, 21), D(2019, 5, 23), "date"),
    ("trình Thủ tướng trước ngày 20 tháng 10 năm 2024", D(2024, 10, 14), D(2024, 10, 20), "date"),
    ("nộp hồ sơ trước ngày 10 tháng 01 năm 2014", D(2013, 12, 31), D(2014, 1, 10), "date"),
    ("ban hành văn bản trong tháng 4/2024", D(2024, 4, 17), D(2024, 4, 30), "month"),
    ("hoàn thành trong tháng 9 năm 2026", D(2026, 6, 10), D(2026, 9, 30), "month"),
    ("lùi thời gian sang tháng 12 năm 2014", D(2014, 6, 23), D(2014, 12, 31), "month"),
    ("tổ chức lấy ý kiến cử tri về Đề án vào ngày 21/4/2024.", D(2024, 4, 17), D(2024, 4, 21), "date"),
    ("trình HĐND tỉnh tại kỳ họp chuyên đề dự kiến tổ chức ngày 06/5/2024.", D(2024, 4, 17), D(2024, 5, 6),
     "event_date"),
    ("xây dựng Nghị quyết trình HĐND tỉnh tại kỳ họp thường kỳ tháng 7/2024 theo quy định", D(2024, 4, 17),
     D(2024, 7, 31), "event_month"),
    ("Chuẩn bị tốt điều kiện tổ chức các hoạt động trong dịp nghỉ lễ nhân Ngày Giải phóng hoàn toàn Miền Nam "
     "(30/4); Ngày Quốc tế Lao động (01/5), ...", D(2024, 4, 17), D(2024, 4, 30), "event_date"),
    ("Yêu cầu gửi báo cáo về Sở Kế hoạch và Đầu tư trước ngày 23/5/2019.", D(2019, 5, 21), D(2019, 5, 23), "date"),
    ("Báo cáo UBND tỉnh kết quả trước ngày 25/3/2023", D(2023, 3, 13), D(2023, 3, 25), "date"),
    ("gửi báo cáo trước ngày 21/11/2022", D(2023, 11, 14), D(2022, 11, 21), "date"),
    ("trước 14 giờ, ngày 05/12/2017", D(2017, 12, 1), D(2017, 12, 5), "date"),
    ("trình Thủ tướng Chính phủ ban hành trong tháng 11/2019", D(2019, 9, 1), D(2019, 11, 30), "month"),
    ("trình phiên họp Chính phủ tháng 11/2019", D(2019, 9, 1), D(2019, 11, 30), "event_month"),
    ("Thời gian hoàn thành: tháng 6/2024", D(2024, 4, 17), D(2024, 6, 30), "month"),
    ("Thời hạn hoàn thành: ngày 15 tháng 7 năm 2024", D(2024, 4, 17), D(2024, 7, 15), "date"),
    ("Thời gian thực hiện: Quý III/2024", D(2024, 4, 17), D(2024, 9, 30), "quarter"),
    ("báo cáo UBND tỉnh trong 30 ngày làm việc", D(2021, 3, 1), WorkCalendar().add_working_days(D(2021, 3, 1), 30),
     "working_days"),
]


@pytest.mark.parametrize(("text", "anchor", "expected", "kind"), PHRASINGS, ids=[p[0][:40] for p in PHRASINGS])
def test_readme_phrasing(text: str, anchor: dt.date, expected: dt.date, kind: str) -> None:
    result = parse_deadline(text, anchor)
    assert result is not None
    assert (result.date, result.kind) == (expected, kind)


def test_deadline_earlier_than_notice_is_kept_and_flagged() -> None:
    result = parse_deadline("gửi báo cáo trước ngày 21/11/2022", D(2023, 11, 14))
    assert result is not None and result.date == D(2022, 11, 21)
    assert "before_notice_date" in result.flags


def test_time_of_day_with_comma() -> None:
    result = parse_deadline("trước 14 giờ, ngày 05/12/2017", D(2017, 12, 1))
    assert result is not None and result.time == dt.time(14, 0)


@pytest.mark.parametrize(
    ("text", "recurrence"),
    [
        ("Định kỳ hằng quý tổng hợp, báo cáo Ủy ban nhân dân tỉnh", "quarterly"),
        ("Định kỳ từ ngày 1 đến ngày 5 hằng tháng cập nhật số liệu", "monthly:day=5"),
        ("định kỳ 6 tháng, hàng năm báo cáo kết quả", "half-yearly"),
        ("báo cáo trước ngày 20 hằng tháng", "monthly:day=20"),
    ],
)
def test_recurring(text: str, recurrence: str) -> None:
    result = parse_deadline(text, D(2024, 4, 17))
    assert result is not None and result.kind == "recurring" and result.date is None
    assert result.recurrence == recurrence


@pytest.mark.parametrize(
    "text",
    [
        "trước khi Luật Đất đai năm 2024 có hiệu lực thi hành",
        "hoàn thiện hồ sơ trước khi trình Thủ tướng Chính phủ xem xét, quyết định",
    ],
)
def test_before_event_has_no_date_and_asks_for_one(text: str) -> None:
    result = parse_deadline(text, D(2024, 4, 17))
    assert result is not None and result.kind == "before_event" and result.date is None
    assert "needs_date" in result.flags


@pytest.mark.parametrize("text", ["khẩn trương triển khai", "nhanh chóng xây dựng kế hoạch", "kịp thời báo cáo"])
def test_urgency_only_is_no_deadline(text: str) -> None:
    result = parse_deadline(text, D(2024, 4, 17))
    assert result is None or (result.kind == "none" and result.date is None)


TRAPS = [
    "Tiếp tục thực hiện nghiêm túc Chỉ thị số 26-CT/TU ngày 02/6/2023 của Ban Thường vụ Tỉnh uỷ",
    "các Tập đoàn chưa có báo cáo theo văn bản số 4917/BKHĐT-PTDN ngày 16 tháng 6 năm 2017 của Bộ Kế hoạch và Đầu tư",
    "theo quy định tại Nghị định số 32/2024/NĐ-CP",
    "Quy chuẩn kỹ thuật quốc gia QCVN 01:2019/BCT của Bộ Công Thương",
    "Kế hoạch đầu tư công trung hạn giai đoạn 2026 - 2030",
    "kỳ thi tốt nghiệp trung học phổ thông năm học 2023-2024",
    "Chiến lược 10 năm 2011-2020",
    "Quy hoạch tỉnh thời kỳ 2021-2030, tầm nhìn đến năm 2050",
    "theo Nghị quyết Phiên họp Chính phủ thường kỳ tháng 4 năm 2011",
    "Tăng cường thêm lực lượng bảo vệ và tổ chức bảo vệ 24/24 đối với khu vực kho VLNCN",
    "ưu tiên cân đối, bố trí ngân sách hằng năm cho các xã",
    "làm việc về tình hình khu công nghiệp (dự kiến tổ chức trong tháng 6 năm 2026)",
    "Trong tháng 5/2024 và thời gian tới, các cấp, các ngành cần thực hiện tốt các nhiệm vụ sau",
    "Ngày 21/ 5, UBND tỉnh ban hành Công văn số 846 /UBND-TH",
    "Luật Quản lý, sử dụng vũ khí, vật liệu nổ và công cụ hỗ trợ ngày 29/6/2024",
]


@pytest.mark.parametrize("text", TRAPS, ids=[t[:40] for t in TRAPS])
def test_trap_is_not_a_deadline(text: str) -> None:
    result = parse_deadline(text, D(2024, 4, 17))
    assert result is None or (result.kind == "none" and result.date is None)


def test_invalid_date_is_flagged_not_guessed() -> None:
    result = parse_deadline("hoàn thành trước ngày 31/4/2024", D(2024, 4, 17))
    assert result == Deadline(result.text, None, None, "invalid", None, result.flags)
    assert "invalid_date" in result.flags


def test_calendar_argument_is_used_for_working_days() -> None:
    extra = WorkCalendar(extra_days_off=[D(2024, 5, 7)])
    default = parse_deadline("trong 2 ngày làm việc", D(2024, 5, 6))
    moved = parse_deadline("trong 2 ngày làm việc", D(2024, 5, 6), extra)
    assert default is not None and moved is not None
    assert moved.date == default.date + dt.timedelta(days=1)


def test_the_stronger_phrase_wins_and_all_are_listed() -> None:
    text = "Định kỳ hằng quý báo cáo; hoàn thành trước ngày 30/6/2024"
    found = find_deadlines(text, D(2024, 4, 17))
    assert [d.kind for _, d in found] == ["recurring", "date"]
    result = parse_deadline(text, D(2024, 4, 17))
    assert result is not None and result.date == D(2024, 6, 30)


# Phrasings seen on documents outside the corpus (issue "Extraction that generalises").
@pytest.mark.parametrize(("text", "anchor", "expected", "kind"), [
    ("phấn đấu thông xe kỹ thuật năm 2025", D(2025, 3, 1), D(2025, 12, 31), "year"),
    ("hoàn thành trong dịp 19 tháng 12", D(2025, 11, 20), D(2025, 12, 19), "event_date"),
    ("báo cáo Thủ tướng Chính phủ 16 giờ ngày 30/7", D(2025, 7, 20), D(2025, 7, 30), "date"),
    ("báo cáo tại phiên họp định kỳ tháng 8/2026", D(2026, 6, 1), D(2026, 8, 31), "event_month"),
    ("định kỳ tháng 8/2026 rà soát, báo cáo", D(2026, 6, 1), D(2026, 8, 31), "event_month"),
])
def test_unseen_phrasing(text: str, anchor: dt.date, expected: dt.date, kind: str) -> None:
    result = parse_deadline(text, anchor)
    assert result is not None
    assert (result.date, result.kind) == (expected, kind)


def test_time_without_a_preposition_keeps_the_hour() -> None:
    result = parse_deadline("gửi Văn phòng Chính phủ 16 giờ ngày 30/7", D(2025, 7, 20))
    assert result is not None and result.time == dt.time(16, 0)


def test_same_day_every_year_is_a_recurrence_not_a_deadline() -> None:
    result = parse_deadline("tổng hợp báo cáo UBND tỉnh trước ngày 25/12 hàng năm", D(2025, 11, 25))
    assert result is not None and result.kind == "recurring" and result.date is None
    assert result.recurrence == "yearly:date=12-25"


@pytest.mark.parametrize("text", [
    "Xây dựng kịch bản thúc đẩy tăng trưởng từ nay đến hết năm 2025",
    "Hồi 16h ngày 26/11/2025, vị trí tâm bão số 15 vào khoảng 12,5 độ vĩ bắc",
    "Kết luận tại Hội nghị sơ kết công tác 6 tháng đầu năm 2025",
])
def test_periods_and_reported_moments_are_not_deadlines(text: str) -> None:
    result = parse_deadline(text, D(2025, 11, 20))
    assert result is None or result.date is None


@pytest.mark.parametrize("text", ["hoàn thành trong năm 99999", "trước ngày 31/12/9999", "trong tháng 5/2099"])
def test_a_deadline_far_outside_a_sane_range_is_unreadable_and_flagged(text: str) -> None:
    result = parse_deadline(text, D(2025, 11, 20))
    assert result is not None and result.date is None and result.kind == "invalid"
    assert "invalid_date" in result.flags


def test_without_a_known_notice_date_no_range_is_imposed() -> None:
    result = parse_deadline("trước ngày 12/6/2026", D(1970, 1, 1), max_years=None)
    assert result is not None and result.date == D(2026, 6, 12)
