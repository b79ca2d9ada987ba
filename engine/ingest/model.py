"""The two learned parts of extraction: the directive classifier and the addressee tagger.

The classifier is a logistic regression over clause features, shipped as a JSON table of weights so that
scoring needs neither scikit-learn nor numpy; the tagger is a linear-chain CRF (CRFsuite) over the tokens of a
clause, labelling the span that names who must act. Both are trained from the annotated corpus by
`dondoc train` (engine.ingest.training); training needs scikit-learn and sklearn-crfsuite, scoring does not.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.ingest.features import Names, token_features, tokens
from engine.ingest.lexicon import LEXICON_FILE, Lexicon, load_lexicon, save_lexicon

MODEL_DIR = Path(__file__).resolve().parent / "models"
CLASSIFIER_FILE = "directive.json"
TAGGER_FILE = "addressee.crfsuite"
THRESHOLD = 0.5  # a clause scored at least this is a directive
CANDIDATE_FLOOR = 0.15  # below the threshold but at least this: shown to the office as a candidate


@dataclass
class Model:
    """Classifier weights and the addressee tagger, ready to score clauses."""

    weights: dict[str, float]
    tagger_path: Path
    lexicon: Lexicon = field(default_factory=dict, repr=False)
    meta: dict[str, Any] = field(default_factory=dict)
    names: Names = field(default_factory=frozenset, repr=False)  # agency names the tagger marks, as tokens
    _tagger: Any = field(default=None, repr=False)
    _spans: dict[str, tuple[int, int] | None] = field(default_factory=dict, repr=False)

    def probability(self, features: dict[str, float]) -> float:
        """P(the clause opens a directive)."""
        z = sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        z = max(-30.0, min(30.0, z))
        return 1.0 / (1.0 + math.exp(-z))

    def addressee(self, text: str) -> tuple[int, int] | None:
        """Character span of the first addressee the tagger finds in a clause, or None."""
        if text not in self._spans:
            if len(self._spans) > 20_000:
                self._spans.clear()
            self._spans[text] = self._tag(text)
        return self._spans[text]

    def _tag(self, text: str) -> tuple[int, int] | None:
        toks = tokens(text)
        if not toks:
            return None
        labels = self.tagger().tag(token_features(text, toks, self.lexicon, self.names))
        start = end = None
        for (_, a, b), label in zip(toks, labels, strict=True):
            if label == "B" or (label == "I" and start is None):
                if start is not None:
                    break
                start, end = a, b
            elif label == "I":
                end = b
            elif start is not None:
                break
        return (start, end) if start is not None and end is not None else None

    def forget(self) -> None:
        """Drop the memoised tags (benchmarks measure extraction from cold)."""
        self._spans.clear()

    def tagger(self) -> Any:
        if self._tagger is None:
            import pycrfsuite

            tagger = pycrfsuite.Tagger()
            tagger.open(str(self.tagger_path))
            self._tagger = tagger
        return self._tagger

    def save(self, directory: Path) -> None:
        """Write the classifier table and copy the tagger file into `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        payload = {"meta": self.meta, "names": sorted(" ".join(n) for n in self.names),
                   "weights": dict(sorted(self.weights.items()))}
        (directory / CLASSIFIER_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=False)
                                                 + "\n", encoding="utf-8")
        target = directory / TAGGER_FILE
        if self.tagger_path.resolve() != target.resolve():
            target.write_bytes(self.tagger_path.read_bytes())
        if not (directory / LEXICON_FILE).exists() or load_lexicon(directory) != self.lexicon:
            save_lexicon(self.lexicon, directory)


def load(directory: Path = MODEL_DIR) -> Model:
    """The model stored in `directory` (by default the one shipped in the package)."""
    payload = json.loads((directory / CLASSIFIER_FILE).read_text(encoding="utf-8"))
    names = frozenset(tuple(n.split()) for n in payload.get("names", []))
    return Model(payload["weights"], directory / TAGGER_FILE, load_lexicon(directory), payload.get("meta", {}), names)


@lru_cache(maxsize=1)
def shipped() -> Model:
    """The shipped model, loaded once per process."""
    return load()


def scratch_dir() -> Path:
    """A private directory for a model trained in memory (leave-one-out folds, the staleness test)."""
    return Path(tempfile.mkdtemp(prefix="dondoc-model-"))
