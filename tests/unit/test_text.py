"""Names are checked on the way in; stored texts are made inert on the way out (terminal, chat, Excel)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.text import clean_name, name_key, safe_text


@pytest.mark.parametrize("name", ["\x1b[31mNguyễn Văn A", "Nguyễn\u202eVăn A", "Lê\x00 Thu", "A\u2066B", "Lê\r\nThu"])
def test_control_characters_and_bidi_overrides_are_refused_in_names(name: str) -> None:
    with pytest.raises(InvalidInput, match="ký tự điều khiển"):
        clean_name(name, "Họ tên")


def test_names_are_stored_nfc_with_single_spaces_and_bounded() -> None:
    assert clean_name("  Nguyễn   Văn\tA ", "Họ tên") == "Nguyễn Văn A"
    assert clean_name("Le\u0302", "Họ tên") == "Lê"  # NFD in, NFC stored
    with pytest.raises(InvalidInput, match="quá 200 ký tự"):
        clean_name("A" * 201, "Họ tên")
    with pytest.raises(InvalidInput, match="không được để trống"):
        clean_name("  ", "Họ tên")


def test_safe_text_keeps_lines_and_makes_escapes_visible_and_inert() -> None:
    assert safe_text("Dòng 1\nDòng 2\tcột") == "Dòng 1\nDòng 2\tcột"
    shown = safe_text("\x1b[2J\x1b]8;;http://x\x07Nội dung \u202egnp.exe")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown.count("\ufffd") == 4 and "Nội dung" in shown


def test_names_match_exactly_apart_from_case_spacing_and_normal_form() -> None:
    assert name_key("  NGUYỄN  văn a") == name_key("Nguye\u0302\u0303n Văn A")
    assert name_key("Lê%") != name_key("Lê Thu") and name_key("Lê_Thu") != name_key("LêxThu")


def test_only_vietnamese_messages_are_shown_as_they_are() -> None:
    from engine.text import looks_vietnamese

    assert looks_vietnamese("Không có nhiệm vụ #999") and looks_vietnamese("ĐÃ GIAO")
    assert not looks_vietnamese("no such person") and not looks_vietnamese("")
