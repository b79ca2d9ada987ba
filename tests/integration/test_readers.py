"""Reading real files: generated DOCX and PDF of the seed notice, the corpus originals, and bad inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.errors import ExtractionError
from engine.ingest import extract_file, extract_text
from engine.ingest.readers import garbled_share, read_file
from tests.unit.corpus_paths import DEV, SEED_STEM, seed_text

TODAY = dt.date(2030, 1, 1)
FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
]


def _summary(path_or_text: Path | str) -> list[tuple[str, str | None, str | None]]:
    if isinstance(path_or_text, Path):
        result = extract_file(path_or_text, today=TODAY)
    else:
        result = extract_text(path_or_text, today=TODAY)
    return [(d["ref"], d["lead"], d["deadline"]) for d in result.to_json()["directives"]]


def test_generated_docx_gives_the_same_directives_as_the_text(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in seed_text().splitlines():
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)  # signature block laid out as a table, as offices do
    table.cell(0, 0).text = "Nơi nhận:\n- Lưu: VT."
    table.cell(0, 1).text = "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG\nLê Tuấn Phú"
    path = tmp_path / "seed.docx"
    document.save(str(path))
    expected = _summary(seed_text())
    assert len(expected) == 24
    assert _summary(path) == expected
    assert extract_file(path, today=TODAY).document.signer == "Lê Tuấn Phú"


def test_generated_pdf_gives_the_same_directives_as_the_text(tmp_path: Path) -> None:
    font = next((f for f in FONT_CANDIDATES if f.exists()), None)
    if font is None:
        pytest.skip("no TrueType font with Vietnamese glyphs (DejaVuSans) installed for reportlab")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(font)))
    path = tmp_path / "seed.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    y, page = height - 60, 1
    for line in [s for s in seed_text().splitlines() if s.strip()]:
        if y < 60:  # a page number in the middle of a sentence, as in real scans
            pdf.setFont("DejaVuSans", 10)
            pdf.drawCentredString(width / 2, 30, str(page))
            pdf.showPage()
            y, page = height - 60, page + 1
        pdf.setFont("DejaVuSans", 9)
        pdf.drawString(40, y, line.strip())
        y -= 14
    pdf.save()
    assert _summary(path) == _summary(seed_text())


@pytest.mark.parametrize("stem", sorted(p.stem for p in DEV.glob("*.docx")))
def test_corpus_docx_matches_its_text(stem: str) -> None:
    from_docx = _summary(DEV / f"{stem}.docx")
    assert from_docx and from_docx == _summary(DEV / f"{stem}.txt")


def test_corpus_pdf_with_garbled_text_layer_is_refused_clearly_without_ocr() -> None:
    pdfs = sorted(DEV.glob("*.pdf"))
    assert pdfs
    with pytest.raises(ExtractionError, match=r"lớp chữ không đọc được.*cần OCR") as info:
        read_file(pdfs[0], ocr="never")
    assert pdfs[0].name in str(info.value) and "\n" not in str(info.value)


def test_garbled_share_tells_vietnamese_from_wrong_code_points() -> None:
    assert garbled_share("UBND TỈNH LÀO CAI, Sở Công Thương, hoá, thuỷ") == 0.0
    assert garbled_share("UBND 7ӌ1+ LÀO CAI ӍӎӏӐ (cid:55)(cid:1228)") > 0.2


def test_pdf_without_text_layer_needs_ocr(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(100, 100, 200, 200, fill=1)
    pdf.save()
    with pytest.raises(ExtractionError, match=r"trang 1 không có lớp chữ \(bản quét\?\); cần OCR"):
        read_file(path, ocr="never")


def test_utf16_and_utf8_bom_text(tmp_path: Path) -> None:
    text = "Giao Sở Tài chính chủ trì, hoàn thành trước ngày 30/6/2024."
    for name, data in [
        ("a.txt", text.encode("utf-16")),
        ("b.txt", b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("c.txt", text.encode("utf-16-le")),
    ]:
        (tmp_path / name).write_bytes(data)
        assert read_file(tmp_path / name) == text


def test_decomposed_text_is_normalised(tmp_path: Path) -> None:
    import unicodedata

    path = tmp_path / "nfd.txt"
    path.write_text(unicodedata.normalize("NFD", "Sở Tài chính"), encoding="utf-8")
    assert read_file(path) == "Sở Tài chính"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "tệp rỗng"),
        ("blank.txt", b"  \n\n ", "tệp rỗng"),
        ("binary.txt", bytes(range(256)) * 8, "nhị phân|không phải văn bản UTF-8"),
        ("fake.docx", b"this is not a zip", "không phải tệp Word"),
        ("fake.pdf", b"%PDF-1.4 garbage", "không phải tệp PDF đọc được"),
        ("notice.xlsx", b"PK\x03\x04", "không hỗ trợ loại tệp"),
        ("image.png", b"\x89PNG\r\n\x1a\n", "không phải ảnh đọc được"),
    ],
)
def test_bad_files_raise_one_line_errors(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ExtractionError, match=reason) as info:
        extract_file(path)
    assert str(info.value).startswith(name) and "\n" not in str(info.value)


def test_legacy_font_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tcvn3.txt"
    path.write_text("Th«ng b¸o kÕt luËn cña Chñ tÞch ñy ban nh©n d©n tØnh vÒ viÖc giao Së Tµi chÝnh chñ tr×", "utf-8")
    with pytest.raises(ExtractionError, match="bảng mã tiếng Việt cũ"):
        read_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match="không có tệp này"):
        extract_file(tmp_path / "missing.txt")


def test_seed_text_file_round_trip() -> None:
    assert len(_summary(DEV / f"{SEED_STEM}.txt")) == 24


def test_nested_tables_in_a_docx_are_read(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in seed_text().splitlines()[:12]:
        document.add_paragraph(line)
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "Nhiệm vụ"
    inner = outer.cell(0, 1).add_table(rows=61, cols=1)  # items laid out in a table inside a table cell
    for i, row in enumerate(inner.rows, start=1):
        row.cells[0].text = f"{i}. Giao Sở Tài chính chủ trì rà soát hồ sơ dự án số {i}, hoàn thành trước ngày 30/6."
    path = tmp_path / "nested.docx"
    document.save(str(path))
    text = read_file(path)
    assert all(f"hồ sơ dự án số {i}," in text for i in range(1, 62))
    directives = extract_file(path, today=TODAY).directives
    assert len(directives) == 61 and {d.lead for d in directives} == {"Sở Tài chính"}


def test_docx_text_in_content_controls_links_and_tracked_insertions_is_read(tmp_path: Path) -> None:
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = (
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>Giao Sở Xây dựng chủ trì</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        '<w:p><w:hyperlink><w:r><w:t xml:space="preserve">rà soát quy hoạch, </w:t></w:r></w:hyperlink>'
        "<w:ins><w:r><w:t>hoàn thành trước ngày 30/6/2024</w:t></w:r></w:ins><w:del><w:r><w:delText>đã bỏ"
        "</w:delText></w:r></w:del><w:r><w:tab/><w:t>.</w:t></w:r></w:p>"
    )
    path = tmp_path / "controls.docx"
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", f"<w:document {w}><w:body>{body}</w:body></w:document>")
    assert read_file(path) == "Giao Sở Xây dựng chủ trì\nrà soát quy hoạch, hoàn thành trước ngày 30/6/2024\t."
