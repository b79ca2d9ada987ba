"""Read a notice file (.txt, .docx, .pdf) into NFC text, or fail with a one-line reason."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from engine.errors import ExtractionError

# Letters of the Vietnamese alphabet (both cases, precomposed) plus ASCII; anything else in a text
# layer is suspicious when it makes up a noticeable share of the letters.
_VIET = set(
    "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệfghiìỉĩíịjklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvwxyỳỷỹýỵz"
)
_VIET |= {c.upper() for c in _VIET}
_MAX_ODD_SHARE = 0.03
_MAX_LEGACY_SHARE = 0.05  # TCVN3/VNI text decoded as Unicode shows letters such as "ª", "µ", "¬"


def read_text_file(path: Path) -> str:
    """A .txt file in UTF-8 or UTF-16 (BOM detected), NFC-normalised."""
    data = path.read_bytes()
    if not data.strip():
        raise ExtractionError(f"{path.name}: the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        if b"\x00" in data[:4096]:
            text = _utf16_without_bom(data, path)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise ExtractionError(
                    f"{path.name}: not UTF-8 or UTF-16 text (binary file or legacy encoding)"
                ) from None
    return _checked(unicodedata.normalize("NFC", text), path)


def _utf16_without_bom(data: bytes, path: Path) -> str:
    even_nuls = data[0:4096:2].count(0)
    odd_nuls = data[1:4096:2].count(0)
    encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
    if max(even_nuls, odd_nuls) < len(data[:4096]) // 4:
        raise ExtractionError(f"{path.name}: binary data, not a text notice")
    return data.decode(encoding, errors="replace")


def _checked(text: str, path: Path) -> str:
    if not text.strip():
        raise ExtractionError(f"{path.name}: the file contains no text")
    control = sum(1 for c in text[:20000] if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if control > max(5, len(text[:20000]) // 100) or text.count("\ufffd") > max(5, len(text) // 100):
        raise ExtractionError(f"{path.name}: binary data, not a text notice")
    if garbled_share(text) > _MAX_LEGACY_SHARE:
        raise ExtractionError(
            f"{path.name}: the text is garbled or in a legacy Vietnamese font encoding (TCVN3/VNI); "
            "convert it to Unicode first"
        )
    return text


def read_docx(path: Path) -> str:
    """Paragraphs and table cells of a .docx in document order."""
    import docx  # python-docx; imported here so .txt reading does not pay for it
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises its own and zipfile/lxml types on damaged files
        raise ExtractionError(f"{path.name}: not a readable Word (.docx) file ({type(exc).__name__})") from None
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    if cell.text.strip() and cell.text not in cells:
                        cells.append(cell.text)
                lines.append("\n".join(cells))
    return _checked(unicodedata.normalize("NFC", "\n".join(lines)), path)


def read_pdf(path: Path) -> str:
    """The text layer of a PDF; no layer or a garbled one is an error that asks for OCR."""
    import pdfplumber

    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise ExtractionError(f"{path.name}: not a readable PDF ({type(exc).__name__})") from None
    text = unicodedata.normalize("NFC", "\n".join(pages))
    if not text.strip():
        raise ExtractionError(f"{path.name}: the PDF has no text layer (a scan?); it needs OCR")
    if garbled_share(text) > _MAX_ODD_SHARE:
        raise ExtractionError(
            f"{path.name}: the PDF text layer is unreadable (its fonts map glyphs to wrong characters); it needs OCR"
        )
    return text


def garbled_share(text: str) -> float:
    """Share of letters that are not Vietnamese/ASCII letters, counting pdfminer's '(cid:N)' placeholders."""
    cids = len(re.findall(r"\(cid:\d+\)", text))
    text = re.sub(r"\(cid:\d+\)", "", text)
    letters = [c for c in text if c.isalpha()]
    odd = sum(1 for c in letters if c not in _VIET)
    total = len(letters) + cids
    return (odd + cids) / total if total else 0.0


def read_file(path: str | Path) -> str:
    """Text of a notice file, dispatched on its extension."""
    path = Path(path)
    if not path.exists():
        raise ExtractionError(f"{path.name}: no such file")
    if path.is_dir():
        raise ExtractionError(f"{path.name}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise ExtractionError(f"{path.name}: the file is empty")
    suffix = path.suffix.lower()
    if suffix in (".txt", ".text", ".md", ""):
        return read_text_file(path)
    if suffix == ".docx":
        return read_docx(path)
    if suffix == ".pdf":
        return read_pdf(path)
    raise ExtractionError(f"{path.name}: unsupported file type '{suffix}' (use .txt, .docx or .pdf)")
