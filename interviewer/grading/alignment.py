"""Many references against many spans of one answer, in a few matrix products.

A grade compares every key point (and stated misconception) with every sentence, clause and sentence pair of
the answer. `pair_features` does one pair at a time; here the references are stacked once per grade and each
answer span is a slice of the answer's own encoding, so the numbers are the same at a fraction of the cost
(tests/test_grader.py checks they agree).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embeddings import Embedder, Passage
from ..text import content_stems, negation_count, spans, words
from .features import ALIGN_AT, FEATURES, Encoded, encode

CACHE_SIZE = 4096


def span_of(answer: Encoded, passage: Passage, start: int, end: int) -> Encoded:
    """The encoding of passage.text[start:end], cut from the whole answer's encoding (`answer`)."""
    rows = passage.rows(start, end)
    lo, hi = rows.start, rows.stop
    text = passage.text[start:end]
    vec = passage.pooled(start, end)
    parts = spans(text, clauses=False)
    part_vecs = (
        np.stack([passage.pooled(start + p.start, start + p.end) for p in parts])
        if len(parts) > 1
        else vec[None, :]
    )
    in_span = (answer.word_start >= lo) & (answer.word_start < hi)
    return Encoded(
        text=text,
        vec=vec,
        pieces=answer.pieces[rows],
        weights=answer.weights[rows],
        stems=frozenset(content_stems(text)),
        n_words=len(words(text)),
        word_vecs=answer.word_vecs[in_span],
        part_vecs=part_vecs,
        word_start=answer.word_start[in_span] - lo,
    )


def _segments(blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked rows, each block's start row, and which blocks are empty."""
    sizes = np.array([len(b) for b in blocks])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rows = [b for b in blocks if len(b)]
    stacked = np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)
    return stacked, starts, sizes == 0


def _reduce(
    op: np.ufunc, values: np.ndarray, starts: np.ndarray, empty: np.ndarray, fill: float
) -> np.ndarray:
    """op over each block of `values` (blocks given by starts; empty blocks get `fill`)."""
    out = np.full(len(starts), fill, dtype=np.float64)
    if len(values) and (~empty).any():
        out[~empty] = op.reduceat(values, starts[~empty])
    return out


@dataclass
class RefBatch:
    """References (key points, misconceptions) stacked once per grade, with what does not depend on the answer."""

    refs: list[Encoded]
    pieces: np.ndarray
    weights: np.ndarray
    starts: np.ndarray
    word_vecs: np.ndarray
    word_starts: np.ndarray
    no_words: np.ndarray
    word_counts: np.ndarray
    vecs: np.ndarray
    part_vecs: np.ndarray
    part_starts: np.ndarray
    part_counts: np.ndarray
    q_sem_r: np.ndarray
    q_cos: np.ndarray
    negated: np.ndarray
    n_words: np.ndarray

    @classmethod
    def of(cls, refs: list[Encoded], question: Encoded) -> RefBatch:
        if any(len(r.pieces) == 0 for r in refs):
            raise ValueError("every reference needs at least one word piece")
        pieces, starts, _ = _segments([r.pieces for r in refs])
        weights = np.concatenate([r.weights for r in refs])
        word_vecs, word_starts, no_words = _segments([r.word_vecs for r in refs])
        part_vecs, part_starts, _ = _segments([r.part_vecs for r in refs])
        batch = cls(
            refs=refs,
            pieces=pieces,
            weights=weights,
            starts=starts,
            word_vecs=word_vecs,
            word_starts=word_starts,
            no_words=no_words,
            word_counts=np.array([len(r.word_vecs) for r in refs]),
            vecs=np.stack([r.vec for r in refs]),
            part_vecs=part_vecs,
            part_starts=part_starts,
            part_counts=np.array([len(r.part_vecs) for r in refs]),
            q_sem_r=np.zeros(len(refs)),
            q_cos=np.stack([r.vec for r in refs]) @ question.vec,
            negated=np.array([negation_count(r.text) > 0 for r in refs]),
            n_words=np.array([r.n_words for r in refs], dtype=np.float64),
        )
        if len(question.pieces):
            batch.q_sem_r = batch._soft(pieces @ question.pieces.T)[0]
        return batch

    def _soft(self, sim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per reference: weighted mean of each piece's best match, and the weighted share matched well."""
        none = np.zeros(len(self.refs), dtype=bool)
        best = sim.max(axis=1)
        total = _reduce(np.add, self.weights, self.starts, none, 0.0)
        soft = _reduce(np.add, best * self.weights, self.starts, none, 0.0)
        hard = _reduce(np.add, (best >= ALIGN_AT) * self.weights, self.starts, none, 0.0)
        ok = total > 0
        return np.where(ok, soft / np.where(ok, total, 1), 0.0), np.where(
            ok, hard / np.where(ok, total, 1), 0.0
        )


def pair_features_many(
    answer: Encoded, batch: RefBatch, question: Encoded, answer_spans: np.ndarray
) -> np.ndarray:
    """Rows of `pair_features(answer, ref, question, answer_spans)` for every ref of the batch, at once."""
    n = len(batch.refs)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if len(answer.pieces):
        sim = batch.pieces @ answer.pieces.T
        sem_r, align_r = batch._soft(sim)
        best_col = np.maximum.reduceat(sim, batch.starts, axis=0)
        total = float(answer.weights.sum())
        sem_p = best_col @ answer.weights / total if total > 0 else np.zeros(n)
    else:
        sem_r = align_r = sem_p = np.zeros(n)
    q_new = answer.stems - question.stems
    for i, ref in enumerate(batch.refs):
        ref_new = ref.stems - question.stems
        out[i, 3] = len(ref_new & answer.stems) / len(ref_new) if ref_new else 0.0
        out[i, 4] = len(q_new & ref.stems) / len(q_new) if q_new else 0.0
    cos = batch.vecs @ answer.vec
    if len(batch.word_vecs) and len(answer.word_vecs):
        best_word = (batch.word_vecs @ answer.word_vecs.T).max(axis=1)
        counts = np.maximum(batch.word_counts, 1)
        word_r = np.where(
            batch.no_words, 0.0, _reduce(np.add, best_word, batch.word_starts, batch.no_words, 0.0) / counts
        )
        word_min = _reduce(np.minimum, best_word, batch.word_starts, batch.no_words, 0.0)
        low = _reduce(np.add, (best_word < 0.5).astype(np.float64), batch.word_starts, batch.no_words, 0.0)
        uncovered = np.where(batch.no_words, 1.0, low / counts)
    else:
        word_r, word_min, uncovered = np.zeros(n), np.zeros(n), np.ones(n)
    part_best = (batch.part_vecs @ answer_spans.T).max(axis=1)
    part_cov = np.add.reduceat(part_best, batch.part_starts) / batch.part_counts
    out[:, 0], out[:, 1], out[:, 2] = sem_r, sem_p, align_r
    out[:, 5] = cos
    out[:, 6] = (answer_spans @ batch.vecs.T).max(axis=0)
    out[:, 7] = float(answer.vec @ question.vec)
    out[:, 8] = len(q_new) / len(answer.stems) if answer.stems else 0.0
    out[:, 9] = np.log1p(answer.n_words)
    out[:, 10] = np.log((1 + answer.n_words) / (1 + batch.n_words))
    out[:, 11] = (negation_count(answer.text) > 0) != batch.negated
    out[:, 12] = sem_r - batch.q_sem_r
    out[:, 13] = cos - batch.q_cos
    out[:, 14], out[:, 15], out[:, 16] = word_r, word_min, uncovered
    out[:, 17] = part_cov
    return out.astype(np.float32)


class KnownTexts:
    """Encodings of corpus texts (questions, references, key points): they repeat across grades, answers do not."""

    def __init__(self, embedder: Embedder, size: int = CACHE_SIZE):
        self.embedder = embedder
        self.size = size
        self._encoded: dict[tuple[str, frozenset[str]], Encoded] = {}
        self._batches: dict[tuple[tuple[str, ...], str, frozenset[str]], RefBatch] = {}

    def encoded(self, text: str, q_stems: frozenset[str]) -> Encoded:
        found = self._encoded.get((text, q_stems))
        if found is None:
            found = encode(self.embedder, text, q_stems)
            self._remember(self._encoded, (text, q_stems), found)
        return found

    def batch(self, refs: list[str], question: Encoded, q_stems: frozenset[str]) -> RefBatch:
        """The references stacked for `pair_features_many` (at least one)."""
        key = (tuple(refs), question.text, q_stems)
        found = self._batches.get(key)
        if found is None:
            found = RefBatch.of([self.encoded(r, q_stems) for r in refs], question)
            self._remember(self._batches, key, found)
        return found

    def _remember(self, cache: dict, key: object, value: object) -> None:
        if len(cache) >= self.size:
            cache.pop(next(iter(cache)))  # oldest first: dicts keep insertion order
        cache[key] = value
