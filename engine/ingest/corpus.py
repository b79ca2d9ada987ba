"""The annotated corpus as training data: each gold directive found in the clauses of its document.

Gold `task` and `lead` quotes occur in the text after whitespace collapsing; a directive starts in the clause
where its task quote starts, and its lead is a span of that clause (own subject) or of a clause of its frame
(an inherited heading or lead-in).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.ingest.clean import CleanText, split_document
from engine.ingest.segments import Clause, clauses_of
from engine.ingest.structure import build_blocks

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO / "data" / "corpus" / "dev"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


@dataclass
class Aligned:
    """Where one gold directive sits among the clauses of its document."""

    gold: dict[str, Any]
    start: int | None  # clause where the task starts
    lead_clause: int | None = None  # clause holding the lead's words (the start clause itself or its frame)
    lead_span: tuple[int, int] | None = None  # character span of the lead inside that clause


@dataclass
class CorpusDocument:
    """One annotated document, read through the same cleaning and segmentation as extraction."""

    stem: str
    text: str
    gold: dict[str, Any]
    doc: CleanText
    clauses: list[Clause]
    aligned: list[Aligned] = field(default_factory=list)

    @property
    def genre(self) -> str:
        return genre_of(self.stem)


# The five genres of data/corpus/README.md, by the documents' numbers.
_GENRES = {
    "provincial": {"00", "02", "04", "05", "12", "13"},
    "vpcp_notice": {"30", "31", "32"},
    "telegram": {"36", "37", "39", "40", "42", "44"},
    "vpcp_letter": {"07", "45", "46", "47"},
    "directive": {"53", "54"},
}
GENRE_NAMES = {
    "provincial": "provincial notices and office letters", "vpcp_notice": "Government Office notices (TB-VPCP)",
    "telegram": "telegrams (Công điện)", "vpcp_letter": "Government Office letters", "directive": "Chỉ thị",
}


def genre_of(stem: str) -> str:
    """The corpus genre of a document stem ("36_cdttg-…" → "telegram")."""
    return next((g for g, numbers in _GENRES.items() if stem[:2] in numbers), "other")


def read_document(text: str) -> tuple[CleanText, list[Clause]]:
    """The cleaned document and its clauses, exactly as the extractor sees them."""
    doc = split_document(text)
    return doc, clauses_of(build_blocks(doc.body))


def load_corpus(directory: Path = CORPUS_DIR) -> list[CorpusDocument]:
    """Every `<stem>.txt` with a `<stem>.gold.json` beside it, aligned, in name order."""
    out = []
    for gold_path in sorted(directory.glob("*.gold.json")):
        stem = gold_path.name.removesuffix(".gold.json")
        text = gold_path.with_name(stem + ".txt").read_text(encoding="utf-8")
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        doc, clauses = read_document(text)
        item = CorpusDocument(stem, text, gold, doc, clauses)
        item.aligned = align(clauses, gold["directives"])
        out.append(item)
    return out


def align(clauses: list[Clause], directives: list[dict[str, Any]]) -> list[Aligned]:
    """Each gold directive's start clause and lead span, searching forward from the previous directive."""
    texts = [_squash(c.text) for c in clauses]
    out: list[Aligned] = []
    cursor = 0
    for gold in directives:
        task, lead = _squash(gold.get("task") or ""), _squash(gold.get("lead") or "")
        start = None
        for origin in (cursor, max(0, cursor - 1), 0):
            found = _find_clauses(texts, task, origin)
            if found:
                start = next((i for i in found if lead and lead in texts[i]), found[0])
                break
        aligned = Aligned(gold, start)
        if start is not None:
            _align_lead(aligned, clauses, texts)
            lead_at = aligned.lead_clause
            if lead_at is not None and lead_at < start and clauses[lead_at].block_index == clauses[start].block_index \
                    and lead_at not in clauses[start].frame and clauses[lead_at].end != ":":
                aligned.start = lead_at  # "Bộ X tiếp tục …; trực tiếp chỉ đạo …": it starts where its lead is named
            elif lead_at != start:
                aligned.start = _paragraph_start(clauses, start, {a.start for a in out})
            cursor = start + 1
        out.append(aligned)
    return out


def _paragraph_start(clauses: list[Clause], start: int, taken: set[int | None]) -> int:
    """A directive whose lead is inherited starts with its paragraph, not where its short task quote is."""
    k = start
    while k > 0 and clauses[k - 1].block_index == clauses[start].block_index and clauses[k - 1].end != ":" \
            and k - 1 not in taken:
        k -= 1
    return k


def _find_clauses(texts: list[str], task: str, origin: int) -> list[int]:
    """Clauses from `origin` on that hold the task quote's opening words (or are the opening of it)."""
    probes = [task[:size].strip(" ,.;:") for size in (len(task), 60, 30)] + [task.split(";")[0].strip()]
    for probe in probes:
        if len(probe) < 8:
            continue
        hits = [i for i in range(origin, len(texts)) if probe in texts[i] or (
            len(texts[i]) >= 12 and probe.startswith(texts[i].strip(" ,.;:")))]
        if hits:
            return hits
    return []


def _align_lead(aligned: Aligned, clauses: list[Clause], texts: list[str]) -> None:
    lead = _squash(aligned.gold.get("lead") or "")
    if not lead or aligned.start is None:
        return
    clause = clauses[aligned.start]
    candidates = [aligned.start, *reversed(clause.frame), *range(aligned.start - 1, max(-1, aligned.start - 40), -1)]
    for i in candidates:
        at = texts[i].find(lead)
        if at < 0:
            continue
        aligned.lead_clause = i
        aligned.lead_span = (at, at + len(lead))  # clause texts are NFC with single spaces already
        return
