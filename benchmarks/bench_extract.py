"""Extraction quality and speed, printed as figures.

Quality, with the corpus scorer's matching rules (data/corpus/score.py):
- leave-one-document-out over the corpus: train on 20 documents, score the 21st, each in turn; overall and per
  genre. This is the figure that predicts documents the models have never seen.
- the shipped model (trained on all documents) on the corpus, and on the seed notice.

Speed: `dondoc extract` of the seed end to end (a new process: imports and model load included), in-process
extraction per notice after load, and pages/s over the corpus (.txt and .docx; a page is 3,000 characters).

    .venv/bin/python benchmarks/bench_extract.py [--runs 20] [--no-loo]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.ingest import extract_file, extract_text  # noqa: E402
from engine.ingest.corpus import CORPUS_DIR, GENRE_NAMES, genre_of, load_corpus  # noqa: E402
from engine.ingest.evaluation import Tally, evaluate, leave_one_out, summary  # noqa: E402
from engine.ingest.features import clear_caches  # noqa: E402
from engine.ingest.model import shipped  # noqa: E402
from engine.ingest.readers import read_file  # noqa: E402

CHARS_PER_PAGE = 3000
TODAY = dt.date(2024, 4, 17)
SEED = "00_seed_bac-giang-2024-04"


def _line(name: str, t: Tally) -> str:
    return (f"{name:<40} F1 {t.f1:.3f} (P {t.precision:.3f} R {t.recall:.3f})  lead {t.rate('lead'):.3f}  "
            f"deadline {t.rate('deadline'):.3f}  coordinators {t.rate('coord'):.3f}  report_to {t.rate('report'):.3f}"
            f"  [{t.matched}/{t.gold} matched, {t.pred - t.matched} extra]")


def _report(title: str, tallies: dict[str, Tally]) -> None:
    print(title)
    print(_line("all documents", summary(tallies)))
    by_genre: dict[str, Tally] = {}
    for stem, t in tallies.items():
        by_genre.setdefault(genre_of(stem), Tally()).add(t)
    for genre, t in by_genre.items():
        print(_line(f"  {GENRE_NAMES.get(genre, genre)}", t))


def quality(loo: bool) -> None:
    docs = load_corpus()
    if loo:
        started = time.perf_counter()
        tallies = leave_one_out(docs)
        _report(f"leave-one-document-out over {len(docs)} documents ({time.perf_counter() - started:.0f} s; "
                "goal F1 >= 0.92, lead >= 0.95, deadline >= 0.95):", tallies)
        for miss in summary(tallies).misses:
            print(f"    {miss}")
    shipped = evaluate(docs)
    _report("shipped model, trained on all documents (goal >= 0.97 each):", shipped)
    seed = shipped[SEED]
    print(f"seed notice: {seed.matched}/{seed.gold} directives, {seed.lead} leads and {seed.deadline} deadlines right,"
          f" {seed.pred - seed.matched} extra")


def speed(runs: int) -> None:
    seed = CORPUS_DIR / f"{SEED}.txt"
    command = [str(REPO / ".venv" / "bin" / "dondoc"), "extract", str(seed), "--format", "json"]
    if Path(command[0]).exists():
        walls = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            walls.append(time.perf_counter() - started)
        print(f"dondoc extract of the seed, end to end: median {statistics.median(walls):.2f} s over 5 runs "
              f"(goal < 1.5 s)")
    text = seed.read_text(encoding="utf-8")
    extract_text(text, today=TODAY)  # loads the model
    times = []
    for _ in range(runs):
        _cold()
        started = time.perf_counter()
        extract_text(text, today=TODAY)
        times.append(time.perf_counter() - started)
    print(f"in-process, seed notice ({len(text):,} chars): median {statistics.median(times) * 1000:.1f} ms "
          f"over {runs} runs (goal < 100 ms)")
    files = sorted(p for p in CORPUS_DIR.glob("*") if p.suffix in (".txt", ".docx"))
    for path in files:  # warm-up for the readers
        extract_file(path, today=TODAY)
    chars = runs * sum(len(read_file(path)) for path in files)
    elapsed = 0.0
    for _ in range(runs):
        _cold()
        started = time.perf_counter()
        for path in files:
            extract_file(path, today=TODAY)
        elapsed += time.perf_counter() - started
    pages = chars / CHARS_PER_PAGE
    print(f"corpus: {len(files)} files ({sum(1 for p in files if p.suffix == '.docx')} .docx), "
          f"{pages / runs:.1f} pages per pass, {pages / elapsed:.0f} pages/s (goal >= 50 pages/s)")


def _cold() -> None:
    """Each run reads its documents as if for the first time: memoised readings are dropped."""
    clear_caches()
    shipped().forget()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-loo", action="store_true", help="skip the leave-one-out figure (about a minute)")
    args = parser.parse_args()
    quality(not args.no_loo)
    speed(args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
