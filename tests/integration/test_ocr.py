"""OCR of scanned and garbled notices (Tesseract, Vietnamese): the corpus PDF whose text layer is garbled, a
scan made here from the seed notice, images, the modes, progress, the scan note in review, and OCR clean-up.

OCR is slow, so each document is read once per session (module fixtures): about 7 pages in all, a few
seconds on two idle cores."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine.errors import ExtractionError
from engine.ingest import budget, ocr
from engine.ingest.limits import Limits
from engine.ingest.readers import read_document
from tests.support.scans import scan_pdf, typeset_pdf, vietnamese_font
from tests.unit.corpus_paths import CORPUS, DEV, SEED_STEM, gold, seed_text

STEM_05 = "05_laocai-sct-1894-2026_kiem-tra-vlncn"
TODAY = dt.date(2030, 1, 1)


def _tesseract_ready() -> bool:
    if shutil.which("tesseract") is None:
        return False
    listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False)
    return "vie" in listed.stdout.split()


@pytest.fixture(scope="module", autouse=True)
def tesseract() -> None:
    """OCR tests need Tesseract's Vietnamese model; scripts/test and .ci/run install it when missing."""
    if not _tesseract_ready():
        message = "Tesseract with Vietnamese (tesseract-ocr, tesseract-ocr-vie) is not installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + "; scripts/test installs it when run as root")


def _scorer() -> Any:
    spec = importlib.util.spec_from_file_location("corpus_score", CORPUS / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score(stem: str, extraction: Any) -> tuple[float, bool, bool]:
    """Directive F1 against the gold file, and whether every matched lead and deadline is right."""
    score = _scorer()
    expected = gold(stem)["directives"]
    pairs, missed, extras = score.match(expected, extraction.to_json()["directives"])
    precision = len(pairs) / max(1, len(pairs) + len(extras))
    recall = len(pairs) / max(1, len(expected))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    leads = all(score.same_body(g.get("lead"), p.get("lead")) for g, p in pairs)
    deadlines = all((g.get("deadline") or None) == (p.get("deadline") or None) for g, p in pairs) and not missed
    return f1, leads, deadlines


@pytest.fixture(scope="module")
def corpus_05() -> tuple[budget.Outcome, list[tuple[int, int, str]]]:
    """The signed corpus PDF (garbled text layer on every page) through the budgeted reader, once."""
    seen: list[tuple[int, int, str]] = []
    outcome = budget.run(DEV / f"{STEM_05}.pdf", today=TODAY, progress=lambda *a: seen.append(a))
    return outcome, seen


@pytest.fixture(scope="module")
def seed_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[budget.Outcome, list[tuple[int, int, str]]]:
    """The seed notice typeset in DejaVu Sans, rasterised at 250 dpi, tilted and speckled, image-only, OCR'd once."""
    font = vietnamese_font()
    if font is None:
        pytest.fail("no TrueType font with Vietnamese glyphs (fonts-dejavu-core) for the synthetic scan")
    folder = tmp_path_factory.mktemp("scan")
    source = typeset_pdf(seed_text(), folder / "seed-text.pdf", font)
    scanned = scan_pdf(source, folder / "seed-scan.pdf", dpi=250)
    seen: list[tuple[int, int, str]] = []
    outcome = budget.run(scanned, today=TODAY, progress=lambda *a: seen.append(a))
    return outcome, seen


def test_the_garbled_corpus_pdf_read_by_ocr_gives_the_directives_of_its_text(corpus_05: Any) -> None:
    outcome, _ = corpus_05
    assert outcome.error is None, outcome.error
    f1, leads, deadlines = _score(STEM_05, outcome.extraction)
    assert f1 >= 0.95 and leads and deadlines, f1
    info = outcome.extraction.ocr
    assert [p["page"] for p in info["pages"]] == [1, 2] and info["page_count"] == 2
    assert all(p["confidence"] > ocr.LOW_CONFIDENCE for p in info["pages"])
    assert info["engine"].startswith("tesseract") and info["dpi"] == ocr.DPI


def test_ocr_reads_the_two_column_header_and_the_tail_as_a_layout_extractor_would(corpus_05: Any) -> None:
    outcome, _ = corpus_05
    document = outcome.extraction.document
    assert document.number == "1894/TB-SCT" and str(document.date) == "2026-04-09"


def test_a_synthetic_scan_of_the_seed_gives_its_directives_and_every_deadline(seed_scan: Any) -> None:
    outcome, _ = seed_scan
    assert outcome.error is None, outcome.error
    f1, leads, deadlines = _score(SEED_STEM, outcome.extraction)
    assert f1 >= 0.9 and deadlines, f1
    assert leads


def test_progress_is_reported_for_every_ocr_page_through_the_worker(seed_scan: Any, corpus_05: Any) -> None:
    for outcome, seen in (seed_scan, corpus_05):
        pages = outcome.extraction.ocr["page_count"]
        assert sorted(done for done, _, _ in seen) == list(range(1, pages + 1))
        assert {total for _, total, _ in seen} == {pages} and {how for _, _, how in seen} == {"ocr"}


def test_pages_with_a_good_text_layer_keep_it(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    font = vietnamese_font()
    assert font is not None
    text = ("1. Giao Sở Tài chính chủ trì rà soát hồ sơ, hoàn thành trước ngày 30/6/2024.\n"
            "2. Giao Sở Xây dựng chủ trì thẩm định, hoàn thành trước ngày 15/7/2024.")
    text_pdf = typeset_pdf(text, tmp_path / "a.pdf", font)
    scan = scan_pdf(text_pdf, tmp_path / "scan.pdf", dpi=200)
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(str(text_pdf)), [0])
    mixed.import_pages(pdfium.PdfDocument(str(scan)), [0])
    mixed.save(str(tmp_path / "mixed.pdf"))
    reading = read_document(tmp_path / "mixed.pdf")
    assert [p["page"] for p in reading.ocr_pages] == [2] and reading.pages == 2
    layer = pdfium.PdfDocument(str(text_pdf))[0].get_textpage().get_text_range().replace("\r\n", "\n")
    assert reading.text.startswith(layer)  # page 1 exactly as its text layer
    assert reading.text.count("hoàn thành trước ngày 30/6/2024") == 2  # and page 2 read from the scan


def test_ocr_always_reads_even_a_good_text_layer_and_never_refuses_scans(tmp_path: Path) -> None:
    font = vietnamese_font()
    assert font is not None
    text_pdf = typeset_pdf("THÔNG BÁO\nGiao Sở Xây dựng chủ trì, hoàn thành trước ngày 15/5/2024.", tmp_path / "a.pdf",
                           font)
    assert read_document(text_pdf).ocr_pages == []
    always = read_document(text_pdf, ocr="always")
    assert [p["page"] for p in always.ocr_pages] == [1] and "Sở Xây dựng" in always.text
    scan = scan_pdf(text_pdf, tmp_path / "scan.pdf", dpi=200)
    with pytest.raises(ExtractionError, match=r"scan.pdf: trang 1 không có lớp chữ \(bản quét\?\); cần OCR"):
        read_document(scan, ocr="never")


def test_scanned_images_are_accepted(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    font = vietnamese_font()
    assert font is not None
    text_pdf = typeset_pdf(seed_text(), tmp_path / "seed.pdf", font)
    page = pdfium.PdfDocument(str(text_pdf))[0].render(scale=250 / 72, grayscale=True).to_pil()
    header = page.crop((0, 0, page.width, page.height // 5))  # a small image keeps OCR time down
    header.save(tmp_path / "scan.png")
    header.convert("RGB").save(tmp_path / "scan.jpg", quality=90)
    header.save(tmp_path / "scan.tif", save_all=True, append_images=[header.rotate(0)])
    for name in ("scan.png", "scan.jpg"):
        reading = read_document(tmp_path / name)
        assert "THÔNG BÁO" in reading.text and reading.ocr_pages[0]["page"] == 1
    tiff = read_document(tmp_path / "scan.tif")
    assert [p["page"] for p in tiff.ocr_pages] == [1, 2] and tiff.text.count("THÔNG BÁO") == 2
    with pytest.raises(ExtractionError, match="chỉ đọc được bằng OCR"):
        read_document(tmp_path / "scan.png", ocr="never")


def test_without_tesseract_the_error_names_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    outcome = budget.run(DEV / f"{STEM_05}.pdf", limits=Limits())
    message = str(outcome.error)
    assert "tesseract-ocr" in message and "tesseract-ocr-vie" in message and "\n" not in message


def test_review_marks_drafts_read_from_a_scan(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.cli import CLI

    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    monkeypatch.delenv("DONDOC_TELEGRAM_TOKEN", raising=False)
    font = vietnamese_font()
    assert font is not None
    text = ("THÔNG BÁO\nKết luận phiên họp UBND tỉnh\n"
            "1. Giao Sở Xây dựng chủ trì rà soát quy hoạch, hoàn thành trước ngày 15/5/2024.")
    scan = scan_pdf(typeset_pdf(text, tmp_path / "tb.pdf", font), tmp_path / "tb-scan.pdf", dpi=250)
    cli = CLI(capsys, monkeypatch)
    result = cli("ingest", str(scan))
    assert result.code == 0, result.err
    assert "trang 1/1 bằng OCR" in result.err  # not a terminal: one log line per OCR page
    review = cli("review", "--format", "json")
    rows = json.loads(review.out)
    assert rows and all(row["uncertain"].startswith(ocr.SCAN_NOTE) for row in rows)


# ------------------------------------------------------------------------------------------- clean-up


def test_scan_note_lists_low_confidence_pages() -> None:
    assert ocr.scan_note(None) is None
    assert ocr.scan_note({"pages": [{"page": 1, "confidence": 93.0}]}) == "đọc từ bản quét: kiểm tra lại"
    note = ocr.scan_note({"pages": [{"page": 1, "confidence": 93.0}, {"page": 2, "confidence": 61.4}]})
    assert note == "đọc từ bản quét: kiểm tra lại (trang tin cậy thấp: 2 (61%))"


def test_clean_up_joins_hyphenated_words_and_drops_margin_marks() -> None:
    text = "| Giao Sở Tài chính chủ trì, phối hợp với các cơ quan liên quan thẩm đị-\nnh hồ sơ ~\nKm0 -\nKm2"
    cleaned = "Giao Sở Tài chính chủ trì, phối hợp với các cơ quan liên quan thẩm định hồ sơ\nKm0 -\nKm2"
    assert ocr.clean_ocr_text(text) == cleaned


def _word(text: str, left: int, top: int, conf: float = 95.0, line: tuple[int, ...] = (0, 1, 1, 1)) -> Any:
    return ocr._Word(text, conf, left, top, 20 * len(text), 40, line)


def test_layout_keeps_two_columns_side_by_side_and_junk_out() -> None:
    left = [_word("UBND", 100, 100), _word("TỈNH", 220, 100), _word("LÀO", 330, 100), _word("CAI", 420, 100)]
    right = [_word("CỘNG", 1200, 102, line=(0, 2, 1, 1)), _word("HÒA", 1310, 102, line=(0, 2, 1, 1))]
    seal = [_word("tzoàng", 1000, 300, conf=31, line=(0, 3, 1, 1)), _word("^", 1200, 300, conf=20, line=(0, 3, 1, 1)),
            _word("Thuân", 1300, 300, conf=90, line=(0, 3, 1, 1))]
    units = [[w for w in unit if not ocr._junk(w)] for unit in ocr._columns(ocr._lines(left + right + seal))]
    text = ocr._layout([u for u in ocr._distinct(units) if u])
    assert text.split("\n") == ["UBND TỈNH LÀO CAI      CỘNG HÒA", "Thuân"]


def test_plausible_words_are_vietnamese_syllables_numbers_codes_or_abbreviations() -> None:
    for word in ("nghiêng", "Quyết", "định,", "1894/TB-SCT", "UBND", "VLNCN", "(Hàn", "khuyến"):
        assert ocr._plausible(word), word
    for word in ("tzoàng", "DLIZ", "hnÕ@", "ẠýẶ", "C“TÁNT!"):
        assert not ocr._plausible(word), word


def test_specks_of_dust_are_removed_but_full_stops_and_strokes_kept() -> None:
    from PIL import Image, ImageDraw

    page = Image.new("L", (200, 100), 255)
    draw = ImageDraw.Draw(page)
    draw.point([(20, 20), (60, 70), (61, 70)], fill=0)  # dust: one pixel, two pixels
    draw.rectangle((100, 50, 104, 54), fill=0)  # a full stop at 300 dpi: 5x5
    draw.line((140, 10, 190, 90), fill=0, width=2)  # a thin stroke
    cleaned = ocr.prepare(page.convert("RGB"))
    assert cleaned.getpixel((20, 20)) == 255 and cleaned.getpixel((60, 70)) == 255
    assert cleaned.getpixel((102, 52)) == 0 and cleaned.getpixel((165, 50)) < 128


def test_a_speck_read_as_punctuation_is_dropped() -> None:
    line = [_word("Giao", 100, 100), _word("-", 200, 120, conf=85), _word("Sở", 220, 100, conf=96),
            _word("cáo.", 300, 100, conf=84), _word("tư", 400, 100)]
    line[1] = ocr._Word("-", 85, 200, 120, 3, 3, (0, 1, 1, 1))  # 3 px wide: dust, not a hyphen
    assert [w.text for w in ocr._clean_unit(line)] == ["Giao", "Sở", "cáo", "tư"]
    hyphen = [_word("tế", 100, 100), ocr._Word("-", 93, 150, 120, 12, 5, (0, 1, 1, 1)), _word("xã", 180, 100)]
    assert [w.text for w in ocr._clean_unit(hyphen)] == ["tế", "-", "xã"]
