"""Layout clean-up: page numbers, two-column header, broken lines, the "Nơi nhận" and signature blocks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from engine.ingest.language import UP, UPPER

_PAGE_NUMBER = re.compile(r"^(?:-\s*)?(?:trang\s+)?\d{1,3}(?:\s*-)?(?:\s*/\s*\d{1,3})?$", re.I)
_SEPARATOR = re.compile(r"^[\s_\-–—=*.·•~]{3,}$")
_COLUMN_GAP = re.compile(r"\S(\s{3,}|\s*\|\s*)\S")
_TAIL_START = re.compile(r"^(?:nơi\s+nhận|như\s+trên\s*;?$)", re.I)
_HEADER_LINE = re.compile(
    r"^(?:CỘNG\s+HÒA|CỘNG\s+HOÀ|CỘNG\s+HÕA|Độc\s+lập\s*[-–]|Số\s*:|V/v\b|Về\s+việc\b"
    r"|[A-ZĐÀ-Ỹ][\wÀ-ỹ .'-]{1,30},\s*ngày\s)",
)
_TITLE_WORDS = re.compile(
    r"^(?:THÔNG\s+BÁO|KẾT\s+LUẬN|CÔNG\s+VĂN|CÔNG\s+ĐIỆN|QUYẾT\s+ĐỊNH|CHỈ\s+THỊ|THÔNG\s+TIN|KẾ\s+HOẠCH|"
    r"NGHỊ\s+QUYẾT|THÔNG\s+ĐIỆP|BÁO\s+CÁO\s+KẾT\s+LUẬN)\b")
# "Kính gửi:", "THỦ TƯỚNG CHÍNH PHỦ điện:": the addressee list that follows belongs to the header.
_ADDRESSEES = re.compile(rf"^(?:Kính\s+gửi|Đồng\s+kính\s+gửi|{UP}[{UPPER} ]{{2,80}}\s+điện\s*:)")
_BODY_START = re.compile(
    r"^(?:Ngày|Sáng|Chiều|Tối|Căn\s+cứ|Thực\s+hiện|Xét|Kính\s+gửi|Sau\s+khi|Vừa\s+qua|Trên\s+cơ\s+sở|Theo|Tại|"
    r"UBND\s+tỉnh\s+có"
    # a numbered or bulleted item never continues a title: "1. Giao …", "II. …", "(1) …", "a) …", "- …"
    r"|\d{1,2}\s*[.)]\s|[IVX]{1,5}\.\s|\(\d{1,2}\)\s|[a-zđ]\)\s|[-+•]\s"
    rf"|Kính\s+gửi|{UP}[{UPPER} ]{{2,80}}\s+điện\s*:)"
)


# OCR reads a rule or a speck in the margin as a dash in front of the title ("- THÔNG BÁO").
_OCR_BULLET = re.compile(r"^[-–—•·*]+\s*(?=[A-ZĐ]{2})")


@dataclass(frozen=True)
class CleanText:
    """The body lines to read directives from, plus the header and tail kept for metadata."""

    header: list[str]
    title: list[str]
    body: list[str]
    tail: list[str]


def normalize(text: str) -> str:
    """NFC text with unified line ends and spaces, zero-width and control characters removed."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\t", "    ")
    text = re.sub(r"[\u200b-\u200f\u2028\u2029\ufeff]", "", text)
    return "\n".join(line if line.isprintable() else "".join(c for c in line if c.isprintable())
                     for line in text.split("\n"))


def _columns(line: str) -> list[str]:
    """A two-column line ("UBND TỈNH …      CỘNG HÒA …", "a | b") split into its cells."""
    stripped = line.strip().strip("|").strip()
    if not _COLUMN_GAP.search(stripped):
        return [stripped] if stripped else []
    return [c.strip() for c in re.split(r"\s{3,}|\s*\|\s*", stripped) if c.strip()]


def split_document(text: str) -> CleanText:
    """Split normalised text into header, title, body and tail (Nơi nhận + signature) lines."""
    raw = [line for line in normalize(text).split("\n")]
    lines: list[str] = []
    for line in raw:
        # blanks left for a number or day to be filled in by hand are no column gap
        line = re.sub(r"(ngày|Số\s*:)\s{2,}", r"\1 ", line)
        stripped = line.strip()
        if not stripped or _PAGE_NUMBER.match(stripped) or _SEPARATOR.match(stripped):
            if stripped and _SEPARATOR.match(stripped):
                lines.append("")  # a separator ends the title block
            continue
        lines.extend(_columns(line) if _looks_like_layout(line, len(lines)) else [stripped])
    tail_at = next((i for i, s in enumerate(lines) if i > 0 and _TAIL_START.match(s)), len(lines))
    head, tail = lines[:tail_at], lines[tail_at:]
    header, title, body_at = [], [], 0
    limit = min(len(head), 30)
    i = 0
    while i < limit:
        s = head[i]
        if not s:
            i += 1
            continue
        titled = _TITLE_WORDS.match(_OCR_BULLET.sub("", s))
        if _HEADER_LINE.match(s) or (s.isupper() and len(s) < 60 and not titled):
            header.append(s)
            i += 1
            body_at = i
            continue
        if _ADDRESSEES.match(s):
            header.append(s)
            i += 1
            while i < len(head) and (head[i].startswith(("-", "+", "•")) or not head[i]):
                header.append(head[i])
                i += 1
            body_at = i
            continue
        if titled:
            title.append(_OCR_BULLET.sub("", s))
            i += 1
            while i < len(head) and head[i] and len(title) < 6 and not _BODY_START.match(head[i]):
                title.append(head[i])
                i += 1
            body_at = i
            continue
        break
    body = [s for s in head[body_at:] if s]
    tail = [s for s in tail if s]
    if not tail:  # no "Nơi nhận": a signature block may still close the body
        body, tail = _split_signature(body)
    return CleanText(header, title, body, tail)


def _looks_like_layout(line: str, index: int) -> bool:
    """Column splitting applies to table rows and to wide gaps, not to indented prose."""
    return "|" in line or bool(re.search(r"\S\s{4,}\S", line.strip()))


def _split_signature(body: list[str]) -> tuple[list[str], list[str]]:
    """Trailing upper-case title lines and a name line form the signature block."""
    cut = len(body)
    for i in range(len(body) - 1, max(-1, len(body) - 8), -1):
        s = body[i]
        if is_signature_title(s) or is_person_name(s):
            cut = i
        else:
            break
    return body[:cut], body[cut:]


def is_signature_title(line: str) -> bool:
    """Upper-case authority lines of a signature block (TL. CHỦ TỊCH, KT. GIÁM ĐỐC …)."""
    s = line.strip(" |")
    return bool(s) and s.upper() == s and any(ch.isalpha() for ch in s) and len(s) < 60 and not s[0].isdigit()


def is_person_name(line: str) -> bool:
    """A Vietnamese personal name: two to five capitalised words, no digits or punctuation."""
    words = line.strip().split()
    return (
        2 <= len(words) <= 5
        and all(w[0].isupper() and w[1:].islower() for w in words if w)
        and not re.search(r"[\d.,;:()/]", line)
    )


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph joined with single spaces."""
    return re.sub(r"\s+", " ", " ".join(lines)).strip()
