"""Read a notice file (.txt, .docx, .pdf, or a scanned image) into NFC text, or fail with a one-line reason.

Every reader checks the limits of `engine.ingest.limits` before (or while streaming through) the expensive
work; scanned or garbled PDF pages and images are read by OCR (`engine.ingest.ocr`).
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from engine.errors import ExtractionError
from engine.ingest.limits import (
    MAX_IMAGE_PIXELS,
    MB,
    Counter,
    LimitExceeded,
    Limits,
    check_chars,
    check_file_size,
    check_pages,
    check_pdf_streams,
    number,
    unpacked_exceeded,
)

OcrMode = Literal["auto", "always", "never"]
OCR_MODES: tuple[OcrMode, ...] = ("auto", "always", "never")
# progress(done, total, what): pages read so far, pages in the file, how the last page was read ("text"/"ocr")
Progress = Callable[[int, int, str], None]

# Letters of the Vietnamese alphabet (both cases, precomposed) plus ASCII; anything else in a text
# layer is suspicious when it makes up a noticeable share of the letters.
_VIET = set(
    "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệfghiìỉĩíịjklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvwxyỳỷỹýỵz"
)
_VIET |= {c.upper() for c in _VIET}
_MAX_ODD_SHARE = 0.03
_MAX_LEGACY_SHARE = 0.05  # TCVN3/VNI text decoded as Unicode shows letters such as "ª", "µ", "¬"
TEXT_SUFFIXES = (".txt", ".text", ".md", "")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


@dataclass
class Reading:
    """The text of a file, and how each page was read."""

    text: str
    pages: int = 0
    ocr_pages: list[dict[str, Any]] = field(default_factory=list)  # [{"page": 1, "confidence": 93.4}]
    ocr_engine: str | None = None

    def ocr_info(self) -> dict[str, Any] | None:
        """What the notice records when some of its text came from OCR; None when none did."""
        if not self.ocr_pages:
            return None
        from engine.ingest.ocr import DPI

        return {"engine": self.ocr_engine, "dpi": DPI, "pages": self.ocr_pages, "page_count": self.pages}


def read_document(
    path: str | Path, *, ocr: OcrMode = "auto", limits: Limits | None = None, progress: Progress | None = None
) -> Reading:
    """Text of a notice file, dispatched on its extension; scans and garbled PDF pages OCR'd as `ocr` allows."""
    path = Path(path)
    limits = limits or Limits()
    if ocr not in OCR_MODES:
        raise ExtractionError(f"chế độ OCR không hợp lệ '{ocr}' (dùng auto, always hoặc never)")
    if not path.exists():
        raise ExtractionError(f"{path.name}: không có tệp này")
    if path.is_dir():
        raise ExtractionError(f"{path.name}: là thư mục, không phải tệp")
    if path.stat().st_size == 0:
        raise ExtractionError(f"{path.name}: tệp rỗng")
    check_file_size(path, limits)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        reading = Reading(read_text_file(path, limits))
    elif suffix == ".docx":
        reading = Reading(read_docx(path, limits))
    elif suffix == ".pdf":
        reading = read_pdf(path, ocr=ocr, limits=limits, progress=progress)
    elif suffix in IMAGE_SUFFIXES:
        reading = read_image(path, ocr=ocr, limits=limits, progress=progress)
    else:
        raise ExtractionError(
            f"{path.name}: không hỗ trợ loại tệp '{suffix}' (dùng .txt, .docx, .pdf hoặc ảnh .png/.jpg/.tif)"
        )
    check_chars(path.name, len(reading.text), limits)
    return reading


def read_file(path: str | Path, *, ocr: OcrMode = "auto", limits: Limits | None = None) -> str:
    """Just the text of a notice file (see `read_document`)."""
    return read_document(path, ocr=ocr, limits=limits).text


def read_text_file(path: Path, limits: Limits | None = None) -> str:
    """A .txt file in UTF-8 or UTF-16 (BOM detected), NFC-normalised."""
    limits = limits or Limits()
    data = path.read_bytes()
    if not data.strip():
        raise ExtractionError(f"{path.name}: tệp rỗng")
    # a character takes at most four bytes: when even a quarter of the bytes is too many, refuse before decoding
    check_chars(path.name, len(data) // 4, limits)
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
                    f"{path.name}: không phải văn bản UTF-8 hay UTF-16 (tệp nhị phân hoặc bảng mã cũ)"
                ) from None
    check_chars(path.name, len(text), limits)
    return _checked(unicodedata.normalize("NFC", text), path)


def _utf16_without_bom(data: bytes, path: Path) -> str:
    even_nuls = data[0:4096:2].count(0)
    odd_nuls = data[1:4096:2].count(0)
    encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
    if max(even_nuls, odd_nuls) < len(data[:4096]) // 4:
        raise ExtractionError(f"{path.name}: dữ liệu nhị phân, không phải văn bản thông báo")
    return data.decode(encoding, errors="replace")


def _checked(text: str, path: Path) -> str:
    if not text.strip():
        raise ExtractionError(f"{path.name}: tệp không có chữ nào")
    control = sum(1 for c in text[:20000] if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if control > max(5, len(text[:20000]) // 100) or text.count("\ufffd") > max(5, len(text) // 100):
        raise ExtractionError(f"{path.name}: dữ liệu nhị phân, không phải văn bản thông báo")
    if garbled_share(text) > _MAX_LEGACY_SHARE:
        raise ExtractionError(
            f"{path.name}: chữ bị lỗi phông hoặc dùng bảng mã tiếng Việt cũ (TCVN3/VNI); "
            "hãy chuyển sang Unicode trước"
        )
    return text


# ---------------------------------------------------------------------------------------------------- DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_MAIN_TYPES = ("wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml",
               "ms-word.document.macroEnabled.main+xml", "ms-word.template.macroEnabledTemplate.main+xml")
_MAX_PARTS = 5000


def read_docx(path: Path, limits: Limits | None = None) -> str:
    """Paragraphs and table rows of a .docx in document order, nested tables included, streamed.

    The zip's declared sizes are checked first (Python's zipfile never yields more than an entry declares),
    then the main part is parsed incrementally: paragraphs, cells and characters are counted as they stream
    by and the read stops at the first limit, so a bomb costs neither time nor memory.
    """
    from lxml import etree

    limits = limits or Limits()
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > _MAX_PARTS:
                raise LimitExceeded(path.name, "unpacked_mb", f"hơn {number(_MAX_PARTS)} phần nén bên trong")
            if sum(e.file_size for e in entries) > limits.unpacked_mb * MB:
                raise unpacked_exceeded(path.name, limits)
            with archive.open(_main_part(archive)) as stream:
                lines = _docx_lines(stream, Counter(path.name, limits))
    except ExtractionError:
        raise
    except etree.XMLSyntaxError as exc:
        if "limit" in str(exc).lower():  # libxml2's own bound on one text node (10 MB)
            raise LimitExceeded(path.name, "chars", f"văn bản dài hơn giới hạn {number(limits.chars)} ký tự") from None
        raise ExtractionError(f"{path.name}: không phải tệp Word (.docx) đọc được (XML hỏng)") from None
    except Exception as exc:  # zipfile, lxml and KeyError on damaged or fake files
        raise ExtractionError(f"{path.name}: không phải tệp Word (.docx) đọc được ({type(exc).__name__})") from None
    return _checked(unicodedata.normalize("NFC", "\n".join(lines)), path)


def _main_part(archive: zipfile.ZipFile) -> str:
    """The document part named in [Content_Types].xml (word/document.xml in nearly every file)."""
    from lxml import etree

    names = set(archive.namelist())
    if "[Content_Types].xml" in names:
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size < MB:
            root = etree.fromstring(archive.read(info), etree.XMLParser(resolve_entities=False, no_network=True))
            for override in root:
                if str(override.get("ContentType", "")).endswith(_MAIN_TYPES):
                    name = str(override.get("PartName", "")).lstrip("/")
                    if name in names:
                        return name
    return "word/document.xml"


@dataclass
class _Cell:
    lines: list[str] = field(default_factory=list)
    continued: bool = False  # a vertically merged cell below its first row: its text is in the first row


def _docx_lines(stream: IO[bytes], counter: Counter) -> list[str]:
    """Stream WordprocessingML: body paragraphs are lines, a table row is its distinct cell texts on lines."""
    from lxml import etree

    lines: list[str] = []
    paragraphs: list[list[str]] = []  # open paragraphs (a text box holds paragraphs inside a paragraph)
    cells: list[_Cell] = []
    rows: list[list[str]] = []
    skipping = 0  # inside mc:Fallback, which repeats the content of mc:Choice

    def emit(text: str) -> None:
        (cells[-1].lines if cells else lines).append(text)

    events = etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    for event, element in events:
        tag = element.tag
        if tag == _MC_FALLBACK:
            skipping += 1 if event == "start" else -1
        if skipping:
            continue
        if event == "start":
            if tag == _W + "p":
                paragraphs.append([])
            elif tag == _W + "tc":
                counter.cell()
                cells.append(_Cell())
            elif tag == _W + "tr":
                rows.append([])
            continue
        if tag == _W + "t" and paragraphs:
            paragraphs[-1].append(element.text or "")
            counter.text(len(paragraphs[-1][-1]))
        elif tag in (_W + "tab", _W + "br", _W + "cr", _W + "noBreakHyphen") and paragraphs:
            parent = element.getparent()
            if parent is not None and parent.tag == _W + "r":  # not a tab stop in paragraph properties
                paragraphs[-1].append({"tab": "\t", "noBreakHyphen": "-"}.get(tag[len(_W):], "\n"))
        elif tag == _W + "vMerge" and cells:
            if element.get(_W + "val") in (None, "continue"):
                cells[-1].continued = True
        elif tag == _W + "p" and paragraphs:
            if not cells:  # a paragraph in a table counts as part of its cell
                counter.paragraph()
            emit("".join(paragraphs.pop()))
            _forget(element)
        elif tag == _W + "tc" and cells:
            cell = cells.pop()
            text = "\n".join(cell.lines)
            if rows and not cell.continued and text.strip() and text not in rows[-1]:
                rows[-1].append(text)
            _forget(element)
        elif tag == _W + "tr" and rows:
            emit("\n".join(rows.pop()))
            _forget(element)
        elif tag == _W + "tbl":
            _forget(element)
    return lines


def _forget(element: Any) -> None:
    """Drop a finished element and the siblings before it, so the parsed tree never grows."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


# ----------------------------------------------------------------------------------------------------- PDF

_OCR_LETTERS = 200  # a page with fewer letters than this in its layer and a large image is a scan


def read_pdf(
    path: Path, *, ocr: OcrMode = "auto", limits: Limits | None = None, progress: Progress | None = None
) -> Reading:
    """Each page's text layer; pages without one, or with a garbled one, read by OCR (unless `ocr` is never)."""
    import pypdfium2 as pdfium

    limits = limits or Limits()
    data = path.read_bytes()
    check_pdf_streams(data, path.name, limits)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionError(f"{path.name}: tệp PDF có mật khẩu; hãy gỡ mật khẩu trước") from None
        raise ExtractionError(f"{path.name}: không phải tệp PDF đọc được ({exc})") from None
    try:
        total = len(document)
        check_pages(path.name, total, limits)
        if total == 0:
            raise ExtractionError(f"{path.name}: tệp PDF không có trang nào")
        texts: list[str] = []
        scanned: list[int] = []
        for index in range(total):
            page = document[index]
            text = _page_text(page)
            if ocr == "always" or _needs_ocr(page, text):
                scanned.append(index)
            elif progress is not None:
                progress(index + 1 - len(scanned), total, "text")
            texts.append(text)
        if scanned and ocr == "never":
            raise ExtractionError(_needs_ocr_message(path.name, texts, scanned))
        reading = Reading("", pages=total)
        if scanned:
            _ocr_pdf_pages(document, scanned, texts, reading, total, progress)
    finally:
        document.close()
    reading.text = unicodedata.normalize("NFC", "\n".join(texts))
    if not reading.text.strip():
        raise ExtractionError(f"{path.name}: không đọc được chữ nào trong tệp PDF")
    if not reading.ocr_pages:
        _checked(reading.text, path)
    return reading


def _page_text(page: Any) -> str:
    """The page's text layer; pdfium marks a hyphen that ends a line with U+FFFE."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
    finally:
        textpage.close()
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-\n")


def _needs_ocr(page: Any, text: str) -> bool:
    """No text layer, a garbled one (wrong glyph mapping), or a few words over a scanned image."""
    letters = sum(1 for c in text if c.isalpha())
    if letters and garbled_share(text) > _MAX_ODD_SHARE:
        return True
    if letters >= _OCR_LETTERS:
        return False
    import pypdfium2.raw as raw

    width, height = page.get_size()
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) > 0.25 * width * height:
            return True
    return letters == 0 and next(page.get_objects(max_depth=1), None) is not None


def _needs_ocr_message(name: str, texts: list[str], scanned: list[int]) -> str:
    pages = ", ".join(str(i + 1) for i in scanned[:10]) + (" …" if len(scanned) > 10 else "")
    if all(not any(c.isalpha() for c in texts[i]) for i in scanned):
        reason = "không có lớp chữ (bản quét?)"
    else:
        reason = "có lớp chữ không đọc được (phông gán sai ký tự)"
    return f"{name}: trang {pages} {reason}; cần OCR (--ocr auto)"


def _ocr_pdf_pages(
    document: Any, scanned: list[int], texts: list[str], reading: Reading, total: int, progress: Progress | None
) -> None:
    from engine.ingest import ocr

    def rendered() -> Iterator[tuple[int, Any]]:
        for index in scanned:
            page = document[index]
            width, height = page.get_size()
            scale = min(ocr.DPI / 72, (MAX_IMAGE_PIXELS / max(1.0, width * height)) ** 0.5)
            image = page.render(scale=scale, may_draw_forms=True).to_pil()
            page.close()
            yield index, image

    results = _ocr(reading, rendered(), total - len(scanned), progress)
    for index in scanned:
        texts[index] = results[index].text


def _ocr(reading: Reading, images: Iterator[tuple[int, Any]], done_before: int, progress: Progress | None) -> Any:
    """OCR the (index, image) pairs into `reading`'s OCR record, reporting each page as it is read."""
    from engine.ingest import ocr

    reading.ocr_engine = ocr.engine_version()
    done = [done_before]

    def on_page(index: int, result: ocr.OcrPage) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], reading.pages, "ocr")

    results = ocr.ocr_images(images, on_page=on_page)
    reading.ocr_pages.extend({"page": i + 1, "confidence": results[i].confidence} for i in sorted(results))
    return results


# -------------------------------------------------------------------------------------------------- images


def read_image(
    path: Path, *, ocr: OcrMode = "auto", limits: Limits | None = None, progress: Progress | None = None
) -> Reading:
    """A scanned notice as an image (every frame of a multi-page TIFF), read by OCR."""
    from PIL import Image, UnidentifiedImageError

    limits = limits or Limits()
    if ocr == "never":
        raise ExtractionError(f"{path.name}: ảnh bản quét chỉ đọc được bằng OCR (--ocr auto)")
    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ExtractionError(f"{path.name}: không phải ảnh đọc được ({type(exc).__name__})") from None
    with image:
        reading = Reading("", pages=getattr(image, "n_frames", 1))
        check_pages(path.name, reading.pages, limits)
        try:
            results = _ocr(reading, enumerate(_frames(image, path)), 0, progress)
        except (OSError, SyntaxError) as exc:  # PIL reports truncated or corrupt data when decoding
            raise ExtractionError(f"{path.name}: ảnh bị hỏng, không đọc được ({type(exc).__name__})") from None
    reading.text = unicodedata.normalize("NFC", "\n".join(results[i].text for i in sorted(results)))
    if not reading.text.strip():
        raise ExtractionError(f"{path.name}: OCR không đọc được chữ nào trong ảnh")
    return reading


def _frames(image: Any, path: Path) -> Iterator[Any]:
    """Each frame, its size checked before a pixel of it is decoded."""
    from PIL import ImageSequence

    for frame in ImageSequence.Iterator(image):
        width, height = frame.size
        if width * height > MAX_IMAGE_PIXELS:
            raise LimitExceeded(path.name, "pixels", f"ảnh {width}×{height} điểm, vượt giới hạn "
                                f"{number(MAX_IMAGE_PIXELS / 1e6)} megapixel")
        yield frame.convert("RGB") if frame.mode not in ("L", "RGB") else frame.copy()


# ---------------------------------------------------------------------------------------------- detection


def garbled_share(text: str) -> float:
    """Share of letters that are not Vietnamese/ASCII letters, counting '(cid:N)' placeholders and the control
    characters a PDF text layer yields for glyphs it cannot map."""
    cids = len(re.findall(r"\(cid:\d+\)", text))
    text = re.sub(r"\(cid:\d+\)", "", text)
    letters = [c for c in text if c.isalpha()]
    odd = sum(1 for c in letters if c not in _VIET)
    unmapped = sum(1 for c in text if (unicodedata.category(c) == "Cc" and c not in "\n\r\t\f") or c == "\ufffd")
    total = len(letters) + cids + unmapped
    return (odd + cids + unmapped) / total if total else 0.0
