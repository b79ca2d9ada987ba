"""Part of speech of Vietnamese words from underthesea's POS model, as a lexicon that needs no import at run time.

underthesea ships a CRFsuite POS model (VLSP 2013 tag set) inside its wheel. Training reads the model's weights
for the current word ("T[0].lower=…") and keeps, for every word it knows (about 7,000, many of two syllables),
the tag those weights favour. Extraction then looks words up: a verb the vocabulary lists have never seen
("cắm biển", "đổi mới") still reads as a verb. Context-free, so only a feature, and cheap.
"""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

LEXICON_FILE = "pos_lexicon.json"
Lexicon = dict[str, str]
_MAX_SYLLABLES = 3


def underthesea_pos_model() -> Path:
    """The POS model file inside the installed underthesea package (found without importing it)."""
    spec = importlib.util.find_spec("underthesea")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("underthesea is not installed: pip install 'dondoc[train]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "pipeline" / "pos_tag" / "pos_crf_2017_10_11.bin"
    if not path.exists():
        raise RuntimeError(f"underthesea's POS model is missing: {path}")
    return path


@lru_cache(maxsize=2)
def build_lexicon(model_path: Path | None = None) -> Lexicon:
    """Word → most likely tag, read from the weights of underthesea's POS CRF (deterministic)."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path or underthesea_pos_model()))
    scores: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (attribute, label), weight in tagger.info().state_features.items():
        if attribute.startswith("T[0].lower="):
            scores[attribute[len("T[0].lower="):]][label] += weight
    return {word: max(sorted(tags.items()), key=lambda kv: kv[1])[0] for word, tags in sorted(scores.items())}


def save_lexicon(lexicon: Lexicon, directory: Path) -> None:
    """Write the lexicon beside the other model files."""
    (directory / LEXICON_FILE).write_text(json.dumps(lexicon, ensure_ascii=False, sort_keys=True) + "\n",
                                          encoding="utf-8")


def load_lexicon(directory: Path) -> Lexicon:
    """The lexicon stored beside a model (empty when absent, so extraction still runs)."""
    path = directory / LEXICON_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def tag_words(words: list[str], lexicon: Lexicon) -> list[str]:
    """One tag per word (lower-case syllables), joining syllables into the longest word the lexicon knows."""
    tags: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_MAX_SYLLABLES, len(words) - i), 0, -1):
            tag = lexicon.get(" ".join(words[i:i + size]))
            if tag is not None or size == 1:
                tags.extend([tag or "?"] * size)
                i += size
                break
    return tags
