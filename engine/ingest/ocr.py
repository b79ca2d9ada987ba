"""OCR of scanned pages with Tesseract's Vietnamese model: page images in, laid-out NFC text and confidence out."""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import statistics
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import ExtractionError

DPI = 300
LANGUAGE = "vie"
LOW_CONFIDENCE = 80.0  # mean word confidence (Tesseract's 0–100) below which a page is shown for checking
SCAN_NOTE = "đọc từ bản quét: kiểm tra lại"
MISSING = ("chưa cài Tesseract OCR với tiếng Việt: cài các gói tesseract-ocr và tesseract-ocr-vie "
           "(apt-get install tesseract-ocr tesseract-ocr-vie)")
_PAGE_SECONDS = 120  # one page that takes longer is a pathological image; the worker budget bounds the whole file


class OcrUnavailable(ExtractionError):
    """Tesseract or its Vietnamese model is not installed."""


@dataclass(frozen=True)
class OcrPage:
    """One page read by OCR."""

    text: str
    confidence: float  # mean word confidence, 0–100
    words: int


@dataclass(frozen=True)
class _Word:
    """A word Tesseract read, with its box in page pixels and the line it belongs to."""

    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    line: tuple[int, ...]

    @property
    def right(self) -> int:
        return self.left + self.width


def engine_version() -> str:
    """Tesseract's version, or OcrUnavailable naming the packages to install."""
    try:
        import pytesseract

        version = str(pytesseract.get_tesseract_version()).split()[0]
        languages = pytesseract.get_languages(config="")
    except (ImportError, OSError, RuntimeError) as exc:  # TesseractNotFoundError is an OSError
        raise OcrUnavailable(MISSING) from exc
    if LANGUAGE not in languages:
        raise OcrUnavailable(MISSING)
    return f"tesseract {version} ({LANGUAGE})"


def workers() -> int:
    """OCR processes to run at once: one per core available to us (each Tesseract runs single-threaded)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cores, 4))


def ocr_images(
    images: Iterable[tuple[int, Any]],
    *,
    on_page: Callable[[int, OcrPage], None] | None = None,
    parallel: int | None = None,
) -> dict[int, OcrPage]:
    """OCR (number, PIL image) pairs, rendering lazily and running one Tesseract per core; keyed by number.

    At most two grey pages per worker wait in memory, so a long document costs a few pages of pixels at a time.
    """
    parallel = parallel or workers()
    results: dict[int, OcrPage] = {}
    pending: dict[Future[OcrPage], int] = {}

    def collect(done: Iterable[Future[OcrPage]]) -> None:
        for future in done:
            number = pending.pop(future)
            results[number] = future.result()
            if on_page is not None:
                on_page(number, results[number])

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # parallel pages beat Tesseract's own threads
    with ThreadPoolExecutor(parallel) as pool:
        for number, image in images:
            while len(pending) >= 2 * parallel:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
            # only the grey page waits in the queue: a quarter of the rendered colour bitmap
            pending[pool.submit(ocr_image, prepare(image))] = number
            del image  # the colour bitmap goes now, not when the next page replaces it
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            collect(done)
    return results


def ocr_image(image: Any) -> OcrPage:
    """One page image through Tesseract: seals removed, weak lines read again, words laid out, cleaned."""
    prepared = prepare(image)
    lines = _reread_weak_lines(prepared, _lines(_tesseract(prepared, psm=3)))
    units = [kept for unit in _distinct(_columns(lines)) if (kept := _clean_unit(unit))]
    text = clean_ocr_text(_layout(units))
    confidences = [w.conf for unit in units for w in unit if any(c.isalpha() for c in w.text)]
    confidence = round(statistics.fmean(confidences), 1) if confidences else 0.0
    return OcrPage(text, confidence, sum(len(u) for u in units))


def _tesseract(image: Any, *, psm: int, offset: tuple[int, int] = (0, 0), tag: int = 0) -> list[_Word]:
    """Tesseract's words with their boxes (in page coordinates) and confidences."""
    import pytesseract

    with tempfile.TemporaryDirectory(prefix="dondoc-ocr-") as tmp:
        # an uncompressed file: Tesseract reads it at once, and PNG encoding would cost more than the I/O
        path = Path(tmp) / "page.bmp"
        image.save(path)
        try:
            data = pytesseract.image_to_data(str(path), lang=LANGUAGE, config=f"--psm {psm}",
                                             output_type=pytesseract.Output.DICT, timeout=_PAGE_SECONDS)
        except RuntimeError as exc:  # pytesseract's timeout
            raise ExtractionError(f"OCR một trang quá {_PAGE_SECONDS} giây") from exc
        except pytesseract.TesseractError as exc:
            raise ExtractionError(f"Tesseract không đọc được trang ảnh ({exc.message.strip()[:80]})") from None
    dx, dy = offset
    out = []
    for i, raw in enumerate(data["text"]):
        text = unicodedata.normalize("NFC", str(raw)).strip()
        conf = float(data["conf"][i])
        if data["level"][i] != 5 or not text or conf < 0:
            continue
        line = (tag, int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        out.append(_Word(text, conf, int(data["left"][i]) + dx, int(data["top"][i]) + dy, int(data["width"][i]),
                         int(data["height"][i]), line))
    return out


_Unit = list["_Word"]  # the words of one text line, or of one column of it
_MAX_REREADS = 12  # lines per page: a poor scan costs at most about twice the time
_WEAK_LINE = 80.0


def _lines(words: list[_Word]) -> list[_Unit]:
    """Words grouped in Tesseract's text lines, left to right."""
    lines: dict[tuple[int, ...], list[_Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return [sorted(line, key=lambda w: w.left) for line in lines.values()]


def _columns(lines: list[_Unit]) -> list[_Unit]:
    """Each line cut where a gap is far wider than a space: Tesseract sometimes joins two columns."""
    units = []
    for line in lines:
        height = statistics.median(w.height for w in line)
        current = [line[0]]
        for before, word in itertools.pairwise(line):
            if word.left - before.right > 3 * height:
                units.append(current)
                current = []
            current.append(word)
        units.append(current)
    return units


def _reread_weak_lines(image: Any, lines: list[_Unit]) -> list[_Unit]:
    """Lines read with low confidence, or two lines fused into one, read again on their own.

    Tesseract's page layout sometimes fuses two tightly set lines (the italic "Nơi nhận:" above its list)
    into one garbled line; the same strip cropped and read as a uniform block comes out right. The new
    reading is kept when it reads more letters with confidence (junk read in a seal counts for nothing).
    """
    if not lines:
        return lines
    typical = statistics.median(_box(u)[3] - _box(u)[1] for u in lines)
    weak = [line for line in lines
            if _mean_conf(line) < _WEAK_LINE or _box(line)[3] - _box(line)[1] > 1.8 * typical][:_MAX_REREADS]
    out = [line for line in lines if not any(line is w for w in weak)]
    for n, line in enumerate(weak, start=1):
        left, top, right, bottom = _box(line)
        dx, dy = int(typical / 2), int(typical / 4)
        box = (max(0, left - dx), max(0, top - dy), min(image.width, right + dx), min(image.height, bottom + dy))
        again = _lines(_tesseract(image.crop(box), psm=6, offset=box[:2], tag=n))
        out.extend(again if _sure_letters(again) > _sure_letters([line]) else [line])
    return out


def _sure_letters(lines: list[_Unit]) -> int:
    return sum(len(w.text) for line in lines for w in line if w.conf >= _WEAK_LINE)


def _distinct(units: list[_Unit]) -> list[_Unit]:
    """One reading per place on the page: where a second reading overlaps another pass's, the more confident.

    Lines of one pass are never dropped for overlapping each other (a speckle can stretch a word's box into
    the line above); only a line read again can duplicate what the first pass read beside it.
    """
    kept: list[_Unit] = []
    for unit in sorted(units, key=_mean_conf, reverse=True):
        box, tag = _box(unit), unit[0].line[0]
        if all(other[0].line[0] == tag or _overlap(box, _box(other)) < 0.5 for other in kept):
            kept.append(unit)
    return kept


def _box(unit: _Unit) -> tuple[int, int, int, int]:
    return (min(w.left for w in unit), min(w.top for w in unit),
            max(w.right for w in unit), max(w.top + w.height for w in unit))


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller of two boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / max(1, smaller)


def _mean_conf(words: list[_Word]) -> float:
    return statistics.fmean(w.conf for w in words) if words else 0.0


def prepare(image: Any) -> Any:
    """Grey page with coloured ink (red seals, blue signatures) and specks of dust turned white, so neither is
    read as letters or punctuation. An image it returned is taken as it is."""
    from PIL import ImageChops

    if image.mode == "L" and getattr(image, "info", {}).get("dondoc") == "prepared":
        return image
    if image.mode in ("RGB", "RGBA", "P", "CMYK"):
        rgb = image.convert("RGB")
        _, saturation, value = rgb.convert("HSV").split()
        # bright and saturated: seal or signature ink; dark pixels (text, even under a seal) are kept
        coloured = ImageChops.multiply(saturation.point(lambda v: 255 if v > 60 else 0),
                                       value.point(lambda v: 255 if v > 90 else 0))
        grey = rgb.convert("L")
        grey.paste(255, mask=coloured)
    else:
        grey = image.convert("L")
    grey = _despeckle(grey)
    grey.info["dondoc"] = "prepared"
    return grey


def _despeckle(grey: Any) -> Any:
    """Scanner dust out: an inked pixel with at most 6 inked pixels in its 5x5 neighbourhood (a speck of 2x3 or
    less) turns white. At 300 dpi a full stop or a dot below is larger, and a stroke (two pixels wide even
    for a serif's hairline) puts ten or more inked pixels in the window."""
    from PIL import ImageChops, ImageFilter

    dark = grey.point(lambda v: 10 if v < 200 else 0)  # ten per inked pixel: a 5x5 sum stays under 255
    crowd = dark.filter(ImageFilter.Kernel((5, 5), [1] * 25, scale=1))
    specks = ImageChops.multiply(dark.point(lambda v: 255 if v else 0), crowd.point(lambda v: 255 if v <= 60 else 0))
    grey.paste(255, mask=specks)
    return grey


_ALNUM = re.compile(r"[^\W_]")
_BULLET = {"-", "+", "–", "•", "*"}


def _clean_unit(unit: _Unit) -> _Unit:
    """The words of a line without junk, and without the full stop a speckle adds before a lower-case word."""
    height = statistics.median(w.height for w in unit if _ALNUM.search(w.text)) if any(
        _ALNUM.search(w.text) for w in unit) else 0
    kept = [w for i, w in enumerate(unit) if not _junk(w, leading=i == 0, line_height=height)]
    for i, (word, after) in enumerate(itertools.pairwise(kept)):
        if (word.conf < _SURE and word.text.endswith(".") and not word.text.endswith("..")
                and after.text[:1].islower()):
            kept[i] = dataclasses.replace(word, text=word.text[:-1])
    return kept


_SURE = 93.0  # Tesseract's confidence for a word it has no doubt about is 95-97


def _junk(word: _Word, *, leading: bool = False, line_height: float = 0) -> bool:
    """A word Tesseract read in a seal, an emblem, a signature, a speckle or the margin, not in the text."""
    letters = len(_ALNUM.findall(word.text))
    if letters == 0:  # a stray mark ("^", "~", "`", "|", a speckle read as "-" or "."), unless it opens an item
        if word.width < 0.15 * line_height:
            return True  # far narrower than a hyphen of this line: a speck of dust
        return word.conf < 60 and not (leading and word.text in _BULLET)
    if letters <= 3 and (word.conf < 15 or (word.conf < 30 and not _plausible(word.text))):
        return True  # a fragment of a seal or a signature stroke read as a short word
    return word.conf < 50 and not _plausible(word.text)


# A Vietnamese syllable once its tone mark is removed: initial consonant, vowels, final consonant.
_SYLLABLE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[aăâeêioôơuưy]{1,3}(?:ch|ng|nh|[cmnpt])?$"
)
_TONES = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))


def _plausible(text: str) -> bool:
    """A Vietnamese word, a number or code, or an abbreviation: what a notice's text is made of."""
    core = text.strip(".,;:!?()[]\"'“”‘’-–/")
    if not core or any(c.isdigit() for c in core):
        return bool(core)
    decomposed = unicodedata.normalize("NFD", core)
    toneless = decomposed.translate(_TONES)
    if len(decomposed) - len(toneless) > 1:
        return False  # two tone marks on one syllable
    bare = unicodedata.normalize("NFC", toneless)
    if bare.isupper() and len(bare) <= 6 and bare.isalpha():
        return all(c in _VIET_UPPER for c in bare)
    return bool(_SYLLABLE.match(bare.lower()))


_VIET_UPPER = set("AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY")


def _layout(units: list[_Unit]) -> str:
    """Text lines top to bottom; pieces side by side on one visual row (the two-column header, the signature
    beside "Nơi nhận") separated by a wide gap, as a layout-preserving text extractor prints them."""
    rows: list[list[_Unit]] = []
    for unit in sorted(units, key=lambda u: _box(u)[1]):
        left, top, right, bottom = _box(unit)
        for row in rows:
            r_top = min(_box(u)[1] for u in row)
            r_bottom = max(_box(u)[3] for u in row)
            overlap = min(bottom, r_bottom) - max(top, r_top)
            beside = all(left >= _box(u)[2] or right <= _box(u)[0] for u in row)
            if beside and overlap > 0.5 * min(bottom - top, r_bottom - r_top):
                row.append(unit)
                break
        else:
            rows.append([unit])
    return "\n".join("      ".join(" ".join(w.text for w in unit) for unit in sorted(row, key=lambda u: _box(u)[0]))
                     for row in rows)


_HYPHENATED = re.compile(r"(\w)-\n(\w)", re.UNICODE)
_STRAY_QUOTE = re.compile(r"(?<!\S)['`´‘](?=\w[^\s'’`]*(?:\s|$))")  # a speckle before a word, never closed
_DOUBLED = re.compile(r"([:;,])\1+|(?<!\.)\.\.(?![./])")  # "sau::", "cực..", not "…" written "..." nor "./."
_MARGIN_JUNK = re.compile(r"^[|¦!~_=^`´'\"*#°§]+\s+|\s+[|¦~_=^`´'\"*#°§]+$", re.MULTILINE)


def clean_ocr_text(text: str) -> str:
    """OCR's own noise out: words split across lines re-joined, stray marks at line ends and before words
    dropped, doubled punctuation made single, NFC."""
    text = unicodedata.normalize("NFC", text)
    text = _MARGIN_JUNK.sub("", text)
    text = _STRAY_QUOTE.sub("", text)
    text = _DOUBLED.sub(lambda m: m.group(1) or ".", text)
    text = _HYPHENATED.sub(lambda m: m.group(1) + m.group(2) if m.group(2).islower() else m.group(0), text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line.strip())


def scan_note(ocr: dict[str, Any] | None) -> str | None:
    """The review line for a notice read from a scan: 'đọc từ bản quét: kiểm tra lại', with weak pages."""
    if not ocr:
        return None
    weak = [p for p in ocr.get("pages", []) if p.get("confidence", 0) < LOW_CONFIDENCE]
    if not weak:
        return SCAN_NOTE
    listed = ", ".join(f"{p['page']} ({p['confidence']:.0f}%)" for p in weak)
    return f"{SCAN_NOTE} (trang tin cậy thấp: {listed})"
