"""Extraction speed: the seed notice (median of N runs, after import) and pages/s over the dev corpus.

A "page" is 3,000 characters of extracted text (about one A4 page of a Vietnamese notice); the corpus is
read from its .txt files, plus its .docx originals, so reading Word files is part of the figure.

    .venv/bin/python benchmarks/bench_extract.py [--runs 30] [--corpus data/corpus/dev]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.ingest import extract_file, extract_text  # noqa: E402
from engine.ingest.readers import read_file  # noqa: E402

CHARS_PER_PAGE = 3000
TODAY = dt.date(2024, 4, 17)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--corpus", type=Path, default=REPO / "data" / "corpus" / "dev")
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.glob("*") if p.suffix in (".txt", ".docx"))
    if not files:
        print(f"no corpus at {args.corpus}")
        return 1
    seed = next(p for p in files if p.name.startswith("00_seed") and p.suffix == ".txt")
    text = seed.read_text(encoding="utf-8")
    extract_text(text, today=TODAY)  # warm-up: regex compilation, lazy imports
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        extract_text(text, today=TODAY)
        times.append(time.perf_counter() - started)
    print(f"seed notice ({len(text):,} chars): median {statistics.median(times) * 1000:.1f} ms "
          f"over {args.runs} runs (goal < 100 ms)")

    for path in files:  # warm-up for the readers
        extract_file(path, today=TODAY)
    chars = args.runs * sum(len(read_file(path)) for path in files)
    started = time.perf_counter()
    for _ in range(args.runs):
        for path in files:
            extract_file(path, today=TODAY)
    elapsed = time.perf_counter() - started
    pages = chars / CHARS_PER_PAGE
    print(f"dev corpus: {len(files)} files ({sum(1 for p in files if p.suffix == '.docx')} .docx), "
          f"{pages / args.runs:.1f} pages per pass, {pages / elapsed:.0f} pages/s "
          f"(page = {CHARS_PER_PAGE:,} characters; goal >= 50 pages/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
