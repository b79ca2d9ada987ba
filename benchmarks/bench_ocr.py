"""OCR quality and speed: character error rate against the source text, seconds per page, pages per second.

Two documents: the corpus PDF whose text layer is garbled (`05_…pdf`, read against `05_….txt`), and a scan
made here from the seed notice (typeset in DejaVu Sans, rasterised at 250 dpi, tilted, speckled, image-only;
read against the seed's `.txt`). Pages are rendered at the OCR resolution (engine.ingest.ocr.DPI) and read
by one Tesseract per core. The end-to-end line times the whole budgeted path (worker, OCR, extraction).

    .venv/bin/python benchmarks/bench_ocr.py
"""

from __future__ import annotations

import os
import re
import resource
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rapidfuzz.distance import Levenshtein  # noqa: E402

from engine.ingest import budget, ocr  # noqa: E402
from engine.ingest.readers import read_document  # noqa: E402
from tests.support.scans import scan_pdf, typeset_pdf, vietnamese_font  # noqa: E402

DEV = REPO / "data" / "corpus" / "dev"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def cer(read: str, source: str) -> float:
    """Character error rate: edit distance over the source's length, whitespace runs counted as one space."""
    return Levenshtein.distance(_flat(read), _flat(source)) / max(1, len(_flat(source)))


def measure(label: str, pdf: Path, source: Path) -> None:
    """OCR one document in this process and print its figures."""
    cpu_before = _cpu()
    started = time.perf_counter()
    reading = read_document(pdf, ocr="always")
    elapsed = time.perf_counter() - started
    cpu = _cpu() - cpu_before
    pages = len(reading.ocr_pages)
    confidence = sum(p["confidence"] for p in reading.ocr_pages) / max(1, pages)
    print(f"{label}: {pages} pages, CER {cer(reading.text, source.read_text(encoding='utf-8')):.2%}, "
          f"mean confidence {confidence:.1f}, {elapsed / pages:.2f} s/page at {ocr.DPI} dpi, "
          f"{pages / elapsed:.2f} pages/s ({ocr.workers()} Tesseract processes; "
          f"{cpu / pages:.2f} CPU-s/page, so {ocr.workers() * pages / max(cpu, 1e-9):.2f} pages/s on idle cores)")


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the Tesseract runs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    font = vietnamese_font()
    if font is None:
        print("no Vietnamese-capable TrueType font (fonts-dejavu-core) to typeset the synthetic scan")
        return 1
    print(f"{ocr.engine_version()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        seed_text = DEV / "00_seed_bac-giang-2024-04.txt"
        scan = scan_pdf(typeset_pdf(seed_text.read_text(encoding="utf-8"), Path(tmp) / "seed.pdf", font),
                        Path(tmp) / "seed-scan.pdf", dpi=250)
        measure("corpus 05 (signed PDF, garbled text layer)", DEV / "05_laocai-sct-1894-2026_kiem-tra-vlncn.pdf",
                DEV / "05_laocai-sct-1894-2026_kiem-tra-vlncn.txt")
        measure("seed notice, synthetic 250 dpi scan", scan, seed_text)
        started = time.perf_counter()
        outcome = budget.run(scan)
        elapsed = time.perf_counter() - started
        assert outcome.extraction is not None, outcome.error
        print(f"end to end, 5-page scanned notice through read_and_extract: {elapsed:.1f} s "
              f"(goal < 60 s on 2 cores), {len(outcome.extraction.directives)} directives, "
              f"worker peak {outcome.peak_rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
