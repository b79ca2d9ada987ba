"""The shipped extraction model: what training the corpus gives today, and good on the corpus it was fitted to.

The honest figure for unseen documents is the leave-one-document-out score printed by
benchmarks/bench_extract.py; these tests only keep the shipped files from going stale or regressing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.ingest.corpus import CorpusDocument, load_corpus
from engine.ingest.evaluation import evaluate, extract_json, summary
from engine.ingest.model import load, shipped
from engine.ingest.training import train


@pytest.fixture(scope="module")
def docs() -> list[CorpusDocument]:
    return load_corpus()


def test_retraining_gives_the_shipped_model_s_predictions(docs: list[CorpusDocument], tmp_path: Path) -> None:
    retrained = train(docs, tmp_path)
    assert load(tmp_path).meta == shipped().meta
    for doc in docs:
        assert extract_json(doc, retrained) == extract_json(doc, shipped()), (
            f"{doc.stem}: the shipped model is stale; run scripts/train and commit engine/ingest/models/")


def test_the_shipped_model_fits_the_corpus(docs: list[CorpusDocument]) -> None:
    total = summary(evaluate(docs))
    assert total.f1 >= 0.97 and total.rate("lead") >= 0.97 and total.rate("deadline") >= 0.97, total.misses
