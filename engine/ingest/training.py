"""Training the extraction models from the annotated corpus, and leave-one-document-out evaluation.

`train()` is deterministic: L-BFGS logistic regression and CRFsuite's L-BFGS, fixed parameters, examples
in corpus order. Run it with `dondoc train` (or `scripts/train`); it writes engine/ingest/models/.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from engine.ingest.corpus import REPO, CorpusDocument, load_corpus
from engine.ingest.features import Names, document_features, name_tokens, subject, token_features, tokens
from engine.ingest.lexicon import Lexicon, build_lexicon
from engine.ingest.model import TAGGER_FILE, Model, scratch_dir

AGENCIES_FILE = REPO / "config" / "agencies.yaml"
C = 1.0  # inverse regularisation of the classifier; small data wants a strong prior
CRF_PARAMS = {"c1": 0.05, "c2": 0.02, "max_iterations": 150, "feature.possible_transitions": True}


def classifier_examples(docs: Iterable[CorpusDocument], lexicon: Lexicon) -> tuple[list[dict[str, float]], list[int]]:
    """Clause features and labels: 1 where a gold directive starts, 0 elsewhere; continuations are left out."""
    xs: list[dict[str, float]] = []
    ys: list[int] = []
    for doc in docs:
        starts = {a.start for a in doc.aligned if a.start is not None}
        skip = _continuations(doc, starts)
        for clause, feats in zip(doc.clauses, document_features(doc.clauses, lexicon), strict=True):
            if clause.index in skip:
                continue
            xs.append(feats)
            ys.append(int(clause.index in starts))
    return xs, ys


def _continuations(doc: CorpusDocument, starts: set[int]) -> set[int]:
    """Clauses that carry on a directive: the rest of its paragraph, and later paragraphs of its item that name
    no other lead. They are part of a directive without opening one: neither positive nor negative examples."""
    leads = {a.start: a.gold.get("lead") for a in doc.aligned if a.start is not None}
    out: set[int] = set()
    for s in starts:
        block, ref = doc.clauses[s].block_index, doc.clauses[s].ref
        for c in doc.clauses[s + 1:]:
            if c.index in starts or (c.block_index != block and (c.block.kind is not None or c.ref != ref)):
                break
            if c.block_index != block and c.first_in_block:
                named = subject(c.text)
                if named is not None and not _same_words(c.text[named.start:named.end], leads.get(s)):
                    break  # "Văn phòng Chính phủ thông báo để …": another subject after the item is no continuation
            out.add(c.index)
    return out


def _same_words(a: str | None, b: str | None) -> bool:
    x, y = set((a or "").lower().split()), set((b or "").lower().split())
    return bool(x and y) and len(x & y) / min(len(x), len(y)) >= 0.8


def directory_names(path: Path = AGENCIES_FILE) -> Names:
    """Names and aliases of the default agency directory, as the tagger's tokens."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    spellings = [s for a in data.get("agencies") or [] for s in [a.get("name"), *(a.get("aliases") or [])] if s]
    return frozenset(t for t in (name_tokens(s) for s in spellings) if len(t) > 1)


def tagger_examples(docs: Iterable[CorpusDocument], lexicon: Lexicon,
                    names: Names = frozenset()) -> list[tuple[list[dict], list[str]]]:
    """Token sequences of directive starts, their frames and lead clauses, with B/I/O addressee labels."""
    out = []
    for doc in docs:
        spans: dict[int, tuple[int, int]] = {}
        chosen: set[int] = set()
        for a in doc.aligned:
            if a.start is None:
                continue
            chosen.add(a.start)
            chosen.update(doc.clauses[a.start].frame)
            if a.lead_clause is not None and a.lead_span is not None:
                chosen.add(a.lead_clause)
                spans.setdefault(a.lead_clause, a.lead_span)
        for i in sorted(chosen):
            text = doc.clauses[i].text
            toks = tokens(text)
            if not toks:
                continue
            span = spans.get(i)
            labels = []
            for _, a, b in toks:
                if span and span[0] <= a and b <= span[1]:
                    labels.append("B" if not labels or labels[-1] == "O" else "I")
                else:
                    labels.append("O")
            out.append((token_features(text, toks, lexicon, names), labels))
    return out


def train(docs: list[CorpusDocument], directory: Path | None = None) -> Model:
    """Fit both models on `docs`; written to `directory` (a scratch directory when None)."""
    import pycrfsuite
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    directory = directory or scratch_dir()
    directory.mkdir(parents=True, exist_ok=True)
    lexicon = build_lexicon()
    names = directory_names()
    xs, ys = classifier_examples(docs, lexicon)
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(xs)
    clf = LogisticRegression(C=C, solver="lbfgs", max_iter=2000, random_state=0)
    clf.fit(matrix, ys)
    weights = {name: round(float(w), 6) for name, w in zip(vectorizer.get_feature_names_out(), clf.coef_[0],
                                                             strict=True) if abs(w) > 1e-6}
    weights["bias"] = round(weights.get("bias", 0.0) + float(clf.intercept_[0]), 6)
    trainer = pycrfsuite.Trainer(verbose=False)
    for feats, labels in tagger_examples(docs, lexicon, names):
        trainer.append(feats, labels)
    trainer.set_params(CRF_PARAMS)
    trainer.train(str(directory / TAGGER_FILE))
    digest = hashlib.sha256("".join(d.stem + d.text for d in docs).encode()).hexdigest()[:16]
    meta = {"documents": [d.stem for d in docs], "corpus_sha256": digest, "clauses": len(ys),
            "positives": sum(ys)}
    model = Model(weights, directory / TAGGER_FILE, lexicon, meta, names)
    model.save(directory)
    return model


def corpus() -> list[CorpusDocument]:
    """The development corpus of the repository."""
    return load_corpus()


def retrain(directory: Path | None = None, corpus_dir: Path | None = None) -> Model:
    """Train on the whole corpus and write the model where extraction loads it (by default the shipped one)."""
    from engine.errors import DondocError
    from engine.ingest.corpus import CORPUS_DIR
    from engine.ingest.model import MODEL_DIR

    source = corpus_dir or CORPUS_DIR
    docs = load_corpus(source)
    if not docs:
        raise DondocError(f"Không tìm thấy kho văn bản mẫu có chú giải trong {source}")
    model = train(docs, directory or MODEL_DIR)
    from engine.ingest.model import shipped

    shipped.cache_clear()
    return model
