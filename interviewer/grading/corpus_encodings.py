"""The corpus's texts encoded once and stored next to the index, so grading a question's first answer needs no
model call for the corpus side."""

from __future__ import annotations

import logging
from pathlib import Path

from interviewer.corpus.loader import Corpus
from interviewer.encoders.embeddings import Embedder

log = logging.getLogger(__name__)


def grading_texts(corpus: Corpus) -> list[str]:
    """Every corpus text an answer is compared with: questions, references, key points, misconceptions."""
    out: list[str] = []
    items = list(corpus.questions) + [st for sc in corpus.scenarios for st in sc.stages]
    for item in items:
        out += [
            item.text,
            item.reference_answer,
            *(k.text for k in item.key_points),
            *item.misconceptions,
        ]
    return list(dict.fromkeys(out))


def load_encodings(embedder: Embedder, path: Path, corpus: Corpus, build: bool = False) -> int:
    """Load the stored encodings of the corpus's texts into `embedder`; with `build`, encode the missing ones and
    store them. Returns how many of the texts are encoded."""
    load = getattr(embedder, "load_passages", None)
    if load is None:  # the hashed test embedder needs no cache
        return 0
    found = load(path)
    texts = grading_texts(corpus)
    missing = [t for t in texts if t not in found]
    if build and missing:
        log.info("encoding %d corpus texts for grading", len(missing))
        embedder.save_passages(path, texts)  # type: ignore[attr-defined]
        return len(texts)
    return len(texts) - len(missing)
