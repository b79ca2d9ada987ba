"""Hostile files (issue "Hostile input"): each is generated here, read through the budgeted entry point, and
must be refused with one line naming the limit, or finish, within the time and memory budget."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from config.settings import Settings
from engine.ingest import budget
from engine.ingest.limits import LimitExceeded, Limits
from tests.unit.corpus_paths import DEV, REPO, SEED_STEM

LIMITS = Limits()
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)


def _docx(path: Path, body: bytes | list[bytes]) -> Path:
    """A minimal Word file whose document body is `body` (streamed in chunks when a list)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f"<w:document {W}><w:body>".encode())
            for chunk in body if isinstance(body, list) else [body]:
                part.write(chunk)
            part.write(b"</w:body></w:document>")
    return path


def _repeated_deflate(chunk: bytes, times: int) -> bytes:
    """Raw deflate of `chunk` repeated `times` times, built by repeating one fully flushed block: a bomb of
    any size in milliseconds instead of compressing gigabytes in the test."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * times + compressor.flush()


def _zip_with_bomb(path: Path, name: str, raw_deflate: bytes, size: int) -> Path:
    """A zip whose one entry declares (truthfully) `size` bytes; written by hand to avoid inflating it."""
    name_bytes = name.encode()
    crc = 0  # never checked: the reader must refuse on the declared size before reading
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(raw_deflate), size,
                        len(name_bytes), 0) + name_bytes
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(raw_deflate), size,
                          len(name_bytes), 0, 0, 0, 0, 0, 0) + name_bytes
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(raw_deflate), 0)
    path.write_bytes(local + raw_deflate + central + end)
    return path


def _pdf(path: Path, objects: list[bytes], pages: int = 1) -> Path:
    """A PDF with `pages` empty pages and extra objects (numbered from 4 on), with a correct xref table."""
    kids = " ".join(f"{4 + len(objects) + i} 0 R" for i in range(pages))
    body = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< >>", *objects]
    extra_refs = " ".join(f"{4 + i} 0 R" for i in range(len(objects)))
    for _ in range(pages):
        body.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 3 0 R "
                    f"/Contents [{extra_refs}] >>".encode())
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, content in enumerate(body, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(body) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(body) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def _flate_stream(inflated: int) -> bytes:
    raw = _repeated_deflate(b"\0" * (1 << 20), inflated >> 20)
    data = b"\x78\xda" + raw + b"\0\0\0\0"  # zlib header; the checksum is never reached
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"


def _refused(path: Path, limit: str, limits: Limits = LIMITS) -> str:
    outcome = budget.run(path, limits=limits)
    assert isinstance(outcome.error, LimitExceeded), outcome.error
    message = str(outcome.error)
    assert outcome.error.limit == limit, message
    assert message.startswith(path.name) and "\n" not in message and "Traceback" not in message
    assert outcome.seconds < limits.seconds and outcome.peak_rss_mb < limits.memory_mb
    return message


def test_docx_with_one_very_large_table_is_refused_at_the_cell_limit(tmp_path: Path) -> None:
    row = b"<w:tr>" + b"<w:tc><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>" * 200 + b"</w:tr>"
    path = _docx(tmp_path / "table.docx", b"<w:tbl>" + row * 300 + b"</w:tbl>")  # 60,000 cells
    assert "50.000 ô bảng" in _refused(path, "cells")


def test_docx_zip_bomb_of_five_million_paragraphs_is_refused_at_the_paragraph_limit(tmp_path: Path) -> None:
    chunk = b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 50_000
    path = _docx(tmp_path / "paragraphs.docx", [chunk] * 100)  # 5M paragraphs, 170 MB inflated, ~1 MB on disk
    assert path.stat().st_size < 2_000_000
    assert "20.000 đoạn văn" in _refused(path, "paragraphs")


def test_docx_expanding_to_a_gigabyte_of_text_is_refused_before_inflating(tmp_path: Path) -> None:
    raw = _repeated_deflate(b"a" * (1 << 20), 1024)
    path = _zip_with_bomb(tmp_path / "gigabyte.docx", "word/document.xml", raw, 1 << 30)
    assert "300 MB" in _refused(path, "unpacked_mb")


def test_docx_with_one_enormous_text_node_is_refused_at_the_character_limit(tmp_path: Path) -> None:
    text = b"Giao S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh " * 1_000_000  # 16 MB in one w:t
    path = _docx(tmp_path / "node.docx", b"<w:p><w:r><w:t>" + text + b"</w:t></w:r></w:p>")
    assert "2.000.000 ký tự" in _refused(path, "chars")


def test_pdf_with_deeply_nested_objects_and_a_compression_bomb_is_refused(tmp_path: Path) -> None:
    nested = b"[" * 50_000 + b"]" * 50_000
    path = _pdf(tmp_path / "nested-bomb.pdf", [nested, _flate_stream(1 << 30)])
    assert "300 MB" in _refused(path, "unpacked_mb")


def test_pdf_with_deeply_nested_objects_alone_finishes_or_is_refused_within_budget(tmp_path: Path) -> None:
    nested = b"<< /A " * 20_000 + b"1" + b" >>" * 20_000
    path = _pdf(tmp_path / "nested.pdf", [nested, b"[" * 100_000 + b"]" * 100_000])
    outcome = budget.run(path, limits=LIMITS, ocr="never")
    assert outcome.error is not None and "\n" not in str(outcome.error)  # no text to read: a clear refusal
    assert outcome.seconds < 30 and outcome.peak_rss_mb < LIMITS.memory_mb


def test_pdf_with_a_two_megabyte_stream_that_inflates_is_refused(tmp_path: Path) -> None:
    stream = _flate_stream(2 << 30)  # 2 GB of zeros in ~2 MB
    assert 1_500_000 < len(stream) < 3_000_000
    assert "300 MB" in _refused(_pdf(tmp_path / "inflates.pdf", [stream]), "unpacked_mb")


def test_pdf_with_more_pages_than_allowed_is_refused_before_reading_them(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "pages.pdf", [b"<< /Length 0 >>\nstream\n\nendstream"], pages=300)
    assert "300 trang, vượt giới hạn 200 trang" in _refused(path, "pages")


def test_docx_with_cells_merged_down_many_rows_is_fast_and_read_once(tmp_path: Path) -> None:
    first = (b"<w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr><w:p><w:r><w:t>"
             + "Giao Sở Tài chính chủ trì, hoàn thành trước ngày 30/6/2024.".encode() + b"</w:t></w:r></w:p></w:tc>")
    below = b"<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"
    rows = [b"<w:tr>" + first + b"<w:tc><w:p><w:r><w:t>0</w:t></w:r></w:p></w:tc></w:tr>"]
    rows += [b"<w:tr>" + below + b"<w:tc><w:p><w:r><w:t>%d</w:t></w:r></w:p></w:tc></w:tr>" % i
             for i in range(1, 5000)]
    path = _docx(tmp_path / "merged.docx", b"<w:tbl>" + b"".join(rows) + b"</w:tbl>")
    outcome = budget.run(path, limits=LIMITS)
    assert outcome.error is None and outcome.extraction is not None
    assert outcome.seconds < 20 and outcome.peak_rss_mb < LIMITS.memory_mb
    text = outcome.extraction.text
    assert text.count("Giao Sở Tài chính chủ trì") == 1 and "\n4999" in text  # the merged cell's text once
    assert len(outcome.extraction.directives) == 1


def test_text_with_a_hundred_thousand_items_is_refused_not_cut(tmp_path: Path) -> None:
    items = "\n".join(f"{i}. Giao Sở Tài chính rà soát hồ sơ số {i}, báo cáo trước ngày 30/6/2024." for i in
                      range(1, 100_001))
    path = tmp_path / "items.txt"
    path.write_text(items, encoding="utf-8")
    assert path.stat().st_size < LIMITS.file_mb * 1024 * 1024
    assert "2.000.000 ký tự" in _refused(path, "chars")


def test_a_fifty_megabyte_text_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as out:
        out.truncate(50 * 1024 * 1024)
    assert "vượt giới hạn kích thước tệp 20 MB" in _refused(path, "file_mb")


def test_work_over_the_time_budget_is_killed_and_refused(tmp_path: Path) -> None:
    path = tmp_path / "slow.txt"
    items = (f"{i}. Giao Sở Tài chính chủ trì rà soát hồ sơ số {i}, báo cáo trước ngày 30/6/2024." for i in
             range(1, 20_000))
    path.write_text("\n".join(items), encoding="utf-8")  # ~1.6M characters: seconds of extraction
    limits = Limits(seconds=0.5)
    outcome = budget.run(path, limits=limits)
    assert isinstance(outcome.error, LimitExceeded) and outcome.error.limit == "budget"
    assert "quá thời gian/bộ nhớ cho phép" in str(outcome.error)
    assert outcome.seconds < 3


def test_work_over_the_memory_budget_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "huge.png"
    Image.new("RGB", (10_000, 9_000), "white").save(path)  # 90 megapixels: under the pixel limit, 270 MB decoded
    limits = Limits(memory_mb=200)
    outcome = budget.run(path, limits=limits)
    assert isinstance(outcome.error, LimitExceeded) and outcome.error.limit == "budget", outcome.error
    assert "quá thời gian/bộ nhớ cho phép" in str(outcome.error)
    assert outcome.peak_rss_mb < 300


def test_a_real_notice_finishes_well_within_the_budget() -> None:
    outcome = budget.run(DEV / f"{SEED_STEM}.txt", limits=LIMITS)
    assert outcome.error is None and outcome.extraction is not None
    assert len(outcome.extraction.directives) == 24
    assert outcome.seconds < 10 and outcome.peak_rss_mb < 200


def test_the_command_line_refuses_a_bomb_in_one_line(tmp_path: Path) -> None:
    path = _docx(tmp_path / "bomb.docx", [b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * 50_000] * 20)
    env = {**os.environ, "DONDOC_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "dondoc.cli", "extract", str(path)], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr + done.stdout
    assert "bomb.docx: hơn 20.000 đoạn văn, vượt giới hạn số đoạn văn" in done.stderr


def test_limits_mirror_the_settings_defaults() -> None:
    assert Limits.from_settings(Settings()) == Limits()
    assert Limits.from_settings(Settings(ingest_max_pages=5)).pages == 5  # type: ignore[call-arg]


@pytest.mark.parametrize("limit", ["file_mb", "pages", "chars"])
def test_configured_limits_are_the_ones_applied(tmp_path: Path, limit: str) -> None:
    path = tmp_path / "notice.txt"
    path.write_text((DEV / f"{SEED_STEM}.txt").read_text(encoding="utf-8"), encoding="utf-8")
    small = {"file_mb": Limits(file_mb=0.001), "pages": Limits(pages=1), "chars": Limits(chars=1000)}[limit]
    outcome = budget.run(path, limits=small)
    if limit == "pages":  # a text file has no pages: the page limit does not apply
        assert outcome.error is None
    else:
        assert isinstance(outcome.error, LimitExceeded) and outcome.error.limit == limit
