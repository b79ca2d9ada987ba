"""Limits on what one notice file may cost, checked before the expensive work and named when exceeded."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ExtractionError

MB = 1024 * 1024
# A scanned page at 600 dpi in colour is ~35 megapixels; anything far beyond is a decompression bomb.
MAX_IMAGE_PIXELS = 120_000_000


@dataclass(frozen=True)
class Limits:
    """Bounds for reading and extracting one file; the defaults mirror `config.settings.Settings`."""

    file_mb: float = 20
    unpacked_mb: float = 300  # decompressed DOCX parts, or a PDF's streams, in total
    pages: int = 200
    paragraphs: int = 20_000
    cells: int = 50_000
    chars: int = 2_000_000
    seconds: float = 120  # wall time of reading + extraction in the worker process, before OCR
    ocr_page_seconds: float = 10  # more wall time earned by each page that OCR finishes
    memory_mb: int = 1024  # data segment of the worker process (and of each OCR process it starts)

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        """The limits a deployment configured (`DONDOC_INGEST_MAX_*`)."""
        return cls(
            file_mb=settings.ingest_max_file_mb, unpacked_mb=settings.ingest_max_unpacked_mb,
            pages=settings.ingest_max_pages, paragraphs=settings.ingest_max_paragraphs,
            cells=settings.ingest_max_table_cells, chars=settings.ingest_max_chars,
            seconds=settings.ingest_max_seconds, ocr_page_seconds=settings.ingest_ocr_page_seconds,
            memory_mb=settings.ingest_max_memory_mb,
        )


class LimitExceeded(ExtractionError):
    """A file refused because it is over one of the limits; `limit` names which (a `Limits` field)."""

    def __init__(self, name: str, limit: str, message: str) -> None:
        self.name, self.limit, self.detail = name, limit, message
        super().__init__(f"{name}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # crosses the worker's pipe
        return (type(self), (self.name, self.limit, self.detail))


def number(value: float) -> str:
    """A count written the Vietnamese way: 1.000.000."""
    return f"{value:,.0f}".replace(",", ".")


def check_file_size(path: Path, limits: Limits) -> None:
    """Refuse a file larger than the configured size before reading a byte of it."""
    check_size(path.name, path.stat().st_size, limits)


def check_size(name: str, size: int, limits: Limits) -> None:
    """Refuse `size` bytes (a file on disk, an upload's declared or received length) over the size limit."""
    if size > limits.file_mb * MB:
        raise LimitExceeded(name, "file_mb",
                            f"tệp {size / MB:.1f} MB, vượt giới hạn kích thước tệp {number(limits.file_mb)} MB")


def check_pages(name: str, pages: int, limits: Limits) -> None:
    """Refuse a document with more pages than allowed."""
    if pages > limits.pages:
        raise LimitExceeded(name, "pages", f"{number(pages)} trang, vượt giới hạn {number(limits.pages)} trang")


def check_chars(name: str, chars: int, limits: Limits) -> None:
    """Refuse text longer than the extractor is allowed to read."""
    if chars > limits.chars:
        raise LimitExceeded(name, "chars", f"văn bản dài hơn giới hạn {number(limits.chars)} ký tự")


def unpacked_exceeded(name: str, limits: Limits) -> LimitExceeded:
    """The error for data that decompresses to more than allowed."""
    return LimitExceeded(name, "unpacked_mb",
                         f"dữ liệu nén bên trong giải nén ra hơn {number(limits.unpacked_mb)} MB, vượt giới hạn")


class Counter:
    """Counts paragraphs, table cells and characters while a document is streamed; raises at the first excess."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name, self.limits = name, limits
        self.paragraphs = self.cells = self.chars = 0

    def paragraph(self) -> None:
        """One more paragraph."""
        self.paragraphs += 1
        if self.paragraphs > self.limits.paragraphs:
            raise LimitExceeded(self.name, "paragraphs",
                                f"hơn {number(self.limits.paragraphs)} đoạn văn, vượt giới hạn số đoạn văn")

    def text(self, chars: int) -> None:
        """`chars` more characters of text."""
        self.chars += chars
        check_chars(self.name, self.chars, self.limits)

    def cell(self) -> None:
        """One more table cell."""
        self.cells += 1
        if self.cells > self.limits.cells:
            raise LimitExceeded(self.name, "cells", f"hơn {number(self.limits.cells)} ô bảng, vượt giới hạn số ô bảng")


# A PDF stream: its dictionary ends with ">>", then the keyword "stream" and an end of line.
_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_FLATE = re.compile(rb"/Filter\s*\[?\s*/(?:FlateDecode|Fl)\b")
_CHUNK = 1 << 16


def check_pdf_streams(data: bytes, name: str, limits: Limits) -> int:
    """Total decompressed size of a PDF's streams, found by scanning the bytes (no parser to recurse or hang).

    Flate streams are inflated in bounded steps and the output thrown away, so a bomb costs at most the limit
    in CPU and nothing in memory; other filters count at their stored size (the worker's budget covers them).
    """
    cap = int(limits.unpacked_mb * MB)
    total = 0
    for match in _STREAM.finditer(data):
        head = data[max(0, match.start() - 2048):match.start()]
        head = head[head.rfind(b"obj") + 1:] if b"obj" in head else head
        start = match.end()
        if _FLATE.search(head):
            total += _inflated_size(data, start, cap - total)
        else:
            end = data.find(b"endstream", start)
            total += (end if end >= 0 else len(data)) - start
        if total > cap:
            raise unpacked_exceeded(name, limits)
    return total


def _inflated_size(data: bytes, start: int, budget: int) -> int:
    """Bytes the zlib stream at `start` inflates to, stopping just past `budget`."""
    inflater = zlib.decompressobj()
    size, pos = 0, start
    try:
        while pos < len(data) and not inflater.eof and size <= budget:
            pending = data[pos:pos + _CHUNK]
            pos += len(pending)
            while pending and size <= budget and not inflater.eof:
                size += len(inflater.decompress(pending, _CHUNK))
                pending = inflater.unconsumed_tail
    except zlib.error:  # a damaged stream: the renderer will fail on it too, cheaply
        pass
    return size
