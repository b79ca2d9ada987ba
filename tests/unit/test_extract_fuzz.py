"""Arbitrary, huge and binary-looking text never crashes the extractor and finishes in bounded time."""

from __future__ import annotations

import datetime as dt
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engine.deadlines import parse_deadline
from engine.ingest import extract_text

TODAY = dt.date(2024, 4, 17)
# Fragments of real notices, so generated text reaches the interesting code paths.
FRAGMENTS = [
    "Giao ", "Yêu cầu ", "Đề nghị ", "Sở Tài chính ", "chủ trì, phối hợp với ", "Văn phòng UBND tỉnh ", "báo cáo ",
    "trình ", "trước ngày 31/4/2024", "trong tháng 13/2024", "ngày 99/99/9999", "quý V/2024", "trước khi ",
    "định kỳ hằng ", "1. ", "(2) ", "- ", "+ ", "II. ", "a) ", ":\n", ";", ". ", "\n", "các cấp, các ngành ",
    "Nơi nhận:", "TL. CHỦ TỊCH\n", "Số: 12/TB-UBND", "Hà Nội, ngày 32 tháng 13 năm 2024", "24/24", "|",
]
texty = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=60).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texty)
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = extract_text(text, today=TODAY).to_json()
    assert set(result) == {"document", "directives", "candidates"}
    for d in result["directives"]:
        assert d["deadline"] is None or dt.date.fromisoformat(d["deadline"])
        assert 0.0 < d["confidence"] <= 1.0
    for c in result["candidates"]:
        assert 0.0 <= c["score"] < 1.0 and c["text"]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_binary_looking_text_never_crashes(data: bytes) -> None:
    extract_text(data.decode("latin-1"), today=TODAY)
    parse_deadline(data.decode("utf-8", errors="replace"), TODAY)


# No shrinking: a failing huge example would take minutes to shrink and the message already says enough.
@settings(max_examples=5, deadline=None, phases=(Phase.explicit, Phase.generate))
@given(st.sampled_from(FRAGMENTS), st.integers(min_value=1_000, max_value=5_000))
def test_huge_repetitive_input_finishes_in_bounded_time(fragment: str, repeat: int) -> None:
    text = (fragment + "Giao Sở Tài chính chủ trì, hoàn thành trước ngày 30/6/2024. ") * repeat
    started = time.perf_counter()
    extract_text(text, today=TODAY)
    elapsed = time.perf_counter() - started
    # Linear work: ~350 kB of text at most; far below this bound unless something goes quadratic.
    assert elapsed < 2.0 + len(text) / 100_000, f"{len(text)} chars took {elapsed:.1f}s"


def test_one_enormous_line_without_breaks() -> None:
    text = "a" * 1_000_000 + " trước ngày 30/6/2024"
    started = time.perf_counter()
    extract_text(text, today=TODAY)
    assert time.perf_counter() - started < 15
