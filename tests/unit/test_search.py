"""Search keys: Vietnamese without diacritics or case, whatever the input's normal form."""

from __future__ import annotations

import unicodedata

from engine.search import fold, terms


def test_fold_drops_marks_case_and_spacing_and_reads_d_stroke_as_d() -> None:
    assert fold("Sở Tài chính") == "so tai chinh"
    assert fold("  ĐỒNG   THUẬN\nđiều hành ") == "dong thuan dieu hanh"
    assert fold(unicodedata.normalize("NFD", "Ủy ban nhân dân huyện Lục Ngạn")) == "uy ban nhan dan huyen luc ngan"


def test_a_query_is_a_phrase_and_commas_join_phrases() -> None:
    assert terms("so tai chinh") == ["so tai chinh"]
    assert terms("Sở Tài chính, giải phóng mặt bằng ,") == ["so tai chinh", "giai phong mat bang"]
    assert terms("   ") == []
