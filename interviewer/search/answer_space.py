"""The reference answers of every question and stage as vectors: the grader's off-topic check asks how close an
answer comes to the references of the *other* questions."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from interviewer.corpus.loader import Corpus
from interviewer.encoders.embeddings import Embedder
from interviewer.search.index import VectorIndex


class AnswerSpace:
    """Ids and vectors of all reference answers, read from the index's stored vectors when they match the corpus
    (no need to embed ~270 long texts again in every process), else embedded once."""

    def __init__(self, corpus: Corpus, index: VectorIndex, embedder: Embedder):
        self.corpus = corpus
        self.index = index
        self.embedder = embedder

    @cached_property
    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        corpus = self.corpus
        items = [(q.id, q.reference_answer) for q in corpus.questions]
        items += [(f"{s.id}#{st.id}", st.reference_answer) for s in corpus.scenarios for st in s.stages]
        ids = np.array([i for i, _ in items])
        try:
            got = self.index.collection("answers").get(include=["embeddings", "documents"])
            stored = {
                i: (d, e) for i, d, e in zip(got["ids"], got["documents"], got["embeddings"], strict=True)
            }
            if all(i in stored and stored[i][0] == t for i, t in items):
                return ids, np.array([stored[i][1] for i, _ in items], dtype=np.float32)
        except Exception:  # an index that is down or empty: embed them here
            pass
        return ids, self.embedder.embed([t for _, t in items])

    def nearest_other(self, vec: np.ndarray, own_id: str) -> float:
        """The highest cosine between `vec` and the reference answer of any item but `own_id`."""
        ids, mat = self.vectors
        others = (mat @ vec)[ids != own_id]
        return float(others.max()) if len(others) else 0.0
