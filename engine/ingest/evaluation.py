"""Scoring extraction against the corpus gold with the corpus scorer's own matching rules.

`leave_one_out()` is the honest figure for documents the models have never seen: for each document, the models
are trained on the other twenty and the held-out one is extracted and scored.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from types import ModuleType
from typing import Any

from engine.ingest.corpus import REPO, CorpusDocument

TODAY = dt.date(2026, 1, 1)  # anchors deadlines of the documents that carry no date of their own


@lru_cache(maxsize=1)
def scorer() -> ModuleType:
    """data/corpus/score.py, loaded as a module (kept verbatim beside the corpus)."""
    spec = importlib.util.spec_from_file_location("corpus_score", REPO / "data" / "corpus" / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Tally:
    """Counts of the scorer's summary line."""

    gold: int = 0
    pred: int = 0
    matched: int = 0
    lead: int = 0
    deadline: int = 0
    coord: int = 0
    report: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("gold", "pred", "matched", "lead", "deadline", "coord", "report"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.misses.extend(other.misses)

    @property
    def f1(self) -> float:
        p = self.matched / self.pred if self.pred else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    def rate(self, name: str) -> float:
        return getattr(self, name) / self.matched if self.matched else 0.0


def score(gold: list[dict[str, Any]], pred: list[dict[str, Any]], stem: str = "") -> Tally:
    """One document scored exactly as data/corpus/score.py scores it."""
    s = scorer()
    pairs, missed, extras = s.match(gold, pred)
    t = Tally(gold=len(gold), pred=len(pairs) + len(extras), matched=len(pairs))
    t.lead = sum(s.same_body(g.get("lead"), p.get("lead")) for g, p in pairs)
    t.deadline = sum((g.get("deadline") or None) == (p.get("deadline") or None) for g, p in pairs)
    t.coord = sum(s.same_list(g.get("coordinators"), p.get("coordinators")) for g, p in pairs)
    t.report = sum(s.same_body(g.get("report_to"), p.get("report_to")) for g, p in pairs)
    t.misses += [f"{stem} missed {g.get('ref')}: {g.get('lead')} | {str(g.get('task'))[:70]}" for g in missed]
    t.misses += [f"{stem} extra {p.get('ref')}: {p.get('lead')} | {str(p.get('task'))[:70]}" for p in extras]
    for g, p in pairs:
        if not s.same_body(g.get("lead"), p.get("lead")):
            t.misses.append(f"{stem} lead {g.get('ref')}: gold {g.get('lead')!r} got {p.get('lead')!r}")
        if (g.get("deadline") or None) != (p.get("deadline") or None):
            t.misses.append(f"{stem} deadline {g.get('ref')}: gold {g.get('deadline')} got {p.get('deadline')}")
    return t


def extract_json(doc: CorpusDocument, model: Any = None) -> dict[str, Any]:
    """What `dondoc extract --format json` prints for a corpus document, with a given model."""
    from engine.ingest import extract_text

    return extract_text(doc.text, source_name=doc.stem, today=TODAY, model=model).to_json()


def evaluate(docs: list[CorpusDocument], model: Any = None) -> dict[str, Tally]:
    """Per-document tallies with one model for all (the shipped one by default)."""
    return {d.stem: score(d.gold["directives"], extract_json(d, model)["directives"], d.stem) for d in docs}


def leave_one_out(docs: list[CorpusDocument]) -> dict[str, Tally]:
    """Per-document tallies, each document extracted by models trained on all the others."""
    from engine.ingest.training import train

    out = {}
    for i, held_out in enumerate(docs):
        model = train(docs[:i] + docs[i + 1:])
        out[held_out.stem] = score(held_out.gold["directives"], extract_json(held_out, model)["directives"],
                                   held_out.stem)
    return out


def summary(tallies: dict[str, Tally]) -> Tally:
    """All documents together."""
    total = Tally()
    for t in tallies.values():
        total.add(t)
    return total
