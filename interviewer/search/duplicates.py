"""Checks that need embeddings: near-duplicate questions are reported and refused."""

from __future__ import annotations

import numpy as np

from interviewer.corpus.loader import Corpus, CorpusError
from interviewer.encoders.embeddings import Embedder

DUPLICATE_COSINE = 0.9


def near_duplicates(
    corpus: Corpus, embedder: Embedder, threshold: float = DUPLICATE_COSINE
) -> list[tuple[str, str, float]]:
    """Pairs of questions whose texts embed closer than `threshold` (cosine), most similar first."""
    qs = corpus.questions
    if len(qs) < 2:
        return []
    v = embedder.embed([q.text for q in qs])
    sims = np.triu(v @ v.T, k=1)
    pairs = np.argwhere(sims > threshold)
    out = [(qs[i].id, qs[j].id, round(float(sims[i, j]), 3)) for i, j in pairs]
    return sorted(out, key=lambda p: -p[2])


def refuse_duplicates(corpus: Corpus, embedder: Embedder) -> None:
    dupes = near_duplicates(corpus, embedder)
    if dupes:
        raise CorpusError(
            [
                f"questions {a} and {b} are near-duplicates (cosine {c} > {DUPLICATE_COSINE}): reword or remove one"
                for a, b, c in dupes
            ]
        )
