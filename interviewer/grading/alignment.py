"""Many references against many spans of one answer, in a few matrix products.

A grade compares every key point (and stated misconception) with every sentence, clause and sentence pair of
the answer. `pair_features` does one pair at a time; here the references are stacked once per grade and each
answer span is a slice of the answer's own encoding, so the numbers are the same at a fraction of the cost
(tests/test_grader.py checks they agree).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from interviewer.domain.text import content_stems, negated, words
from interviewer.encoders.embeddings import Embedder, Passage
from interviewer.grading.features import ALIGN_AT, FEATURES, Encoded, encode

CACHE_MB = 160.0
"""Memory for encodings of corpus texts, least recently used out first: 50 sessions at once use about 60 MB,
and the whole corpus would take about 330 MB (float32 pieces, words and stacked references)."""


def nbytes(value: Any) -> int:
    """Bytes of the arrays a dataclass holds (what the cache budget counts)."""
    return sum(
        getattr(value, f.name).nbytes for f in fields(value) if isinstance(getattr(value, f.name), np.ndarray)
    )


def _segments(blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stacked rows, each block's start row, and which blocks are empty."""
    sizes = np.array([len(b) for b in blocks])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    rows = [b for b in blocks if len(b)]
    stacked = np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)
    return stacked, starts, sizes == 0


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
    new_stems: dict[str, int]
    """The references' content stems the question does not use, numbered ..."""
    has_new: np.ndarray
    """... and (refs, len(new_stems)) which of them each reference uses."""

    @classmethod
    def of(cls, refs: list[Encoded], question: Encoded) -> RefBatch:
        if any(len(r.pieces) == 0 for r in refs):
            raise ValueError("every reference needs at least one word piece")
        pieces, starts, _ = _segments([r.pieces for r in refs])
        weights = np.concatenate([r.weights for r in refs])
        word_vecs, word_starts, no_words = _segments([r.word_vecs for r in refs])
        part_vecs, part_starts, _ = _segments([r.part_vecs for r in refs])
        new = [r.stems - question.stems for r in refs]
        new_stems = {s: i for i, s in enumerate(sorted(set().union(*new)))}
        has_new = np.zeros((len(refs), len(new_stems)))
        for i, stems in enumerate(new):
            has_new[i, [new_stems[s] for s in stems]] = 1.0
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
            negated=np.array([negated(r.text) for r in refs]),
            n_words=np.array([r.n_words for r in refs], dtype=np.float64),
            new_stems=new_stems,
            has_new=has_new,
        )
        if len(question.pieces):
            batch.q_sem_r = batch.weighted_mean((pieces @ question.pieces.T).max(axis=1))
        return batch

    def weighted_mean(self, values: np.ndarray) -> np.ndarray:
        """Per reference, the mean of `values` (one per reference piece, on the last axis) by piece weight.

        A reference whose pieces all weigh nothing gets 0.
        """
        total = np.add.reduceat(self.weights, self.starts)
        summed = np.add.reduceat(values * self.weights, self.starts, axis=-1)
        return np.where(total > 0, summed / np.where(total > 0, total, 1), 0.0)


@dataclass
class Units:
    """Spans of one answer (sentences, clauses, sentence pairs): runs of its pieces and words, with what a
    reference's features need from each span alone (computed once, whatever the references)."""

    texts: list[str]
    lo: np.ndarray
    hi: np.ndarray
    """Each unit is the answer's pieces lo:hi ..."""
    word_lo: np.ndarray
    word_hi: np.ndarray
    """... and its content words word_lo:word_hi (rows of `Encoded.word_vecs`)."""
    vecs: np.ndarray
    """(units, DIM) pooled vector of each unit."""
    stems: list[frozenset[str]]
    negated: np.ndarray
    n_words: np.ndarray

    @classmethod
    def of(cls, answer: Encoded, passage: Passage, ranges: list[tuple[int, int]]) -> Units:
        lo, hi = passage.bounds(ranges)
        texts = [passage.text[a:b] for a, b in ranges]
        return cls(
            texts=texts,
            lo=lo,
            hi=hi,
            word_lo=np.searchsorted(answer.word_start, lo, side="left"),
            word_hi=np.searchsorted(answer.word_start, hi, side="left"),
            vecs=passage.pooled_many(ranges),
            stems=[frozenset(content_stems(t)) for t in texts],
            negated=np.array([negated(t) for t in texts], dtype=bool),
            n_words=np.array([len(words(t)) for t in texts], dtype=np.float64),
        )

    def mask(self, n: int) -> np.ndarray:
        """(units, n) bool: which of the answer's n pieces each unit holds."""
        rows = np.arange(n)
        return (rows >= self.lo[:, None]) & (rows < self.hi[:, None])


def _range_max(sim: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """(units, rows): the best of each row of `sim` over its columns lo[u]:hi[u] (-inf where that is empty).

    A unit is a run of consecutive columns, so one `maximum.reduceat` over the (start, end) pairs takes every
    unit's best at once, instead of a masked copy of `sim` per unit.
    """
    padded = np.concatenate([sim, np.full((sim.shape[0], 1), -np.inf, dtype=sim.dtype)], axis=1)
    bounds = np.stack([lo, hi], axis=1).ravel()
    out = np.maximum.reduceat(padded, bounds, axis=1)[:, ::2].T
    out[hi <= lo] = -np.inf  # reduceat gives the start column's own value for an empty run
    return out


def _overlap_shares(units: Units, batch: RefBatch, q_stems: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """(units, refs) lex_recall and lex_precision: the content stems a unit and a reference share, less the
    question's, over the reference's and over the unit's own (each also less the question's)."""
    in_unit = np.zeros((len(units.stems), len(batch.new_stems)))
    unit_new = np.zeros(len(units.stems))
    for u, stems in enumerate(units.stems):
        in_unit[u, [batch.new_stems[s] for s in stems if s in batch.new_stems]] = 1.0
        unit_new[u] = len(stems - q_stems)
    shared = in_unit @ batch.has_new.T
    ref_new = batch.has_new.sum(axis=1)
    recall = np.where(ref_new > 0, shared / np.maximum(ref_new, 1), 0.0)
    precision = np.where(unit_new[:, None] > 0, shared / np.maximum(unit_new, 1)[:, None], 0.0)
    return recall, precision


def unit_features(answer: Encoded, units: Units, batch: RefBatch, question: Encoded) -> np.ndarray:
    """(units, refs, FEATURES): `pair_features(unit, ref, question, [unit.vec])` for every unit and ref at once.

    A unit is a slice of the answer, so the answer's piece and word similarities are computed once and each
    unit takes the best over its own columns.
    """
    n_u, n_r = len(units.texts), len(batch.refs)
    out = np.zeros((n_u, n_r, len(FEATURES)), dtype=np.float64)
    has_pieces = units.hi > units.lo
    if len(answer.pieces):
        sim = batch.pieces @ answer.pieces.T
        best = np.where(has_pieces[:, None], _range_max(sim, units.lo, units.hi), 0.0)
        out[:, :, 0] = batch.weighted_mean(best)
        out[:, :, 2] = batch.weighted_mean((best >= ALIGN_AT).astype(np.float64))
        best_col = np.maximum.reduceat(sim, batch.starts, axis=0)
        held = units.mask(len(answer.pieces)) * answer.weights
        den = held.sum(axis=1)
        out[:, :, 1] = np.where(den[:, None] > 0, held @ best_col.T / np.where(den > 0, den, 1)[:, None], 0.0)
    out[:, :, 3], out[:, :, 4] = _overlap_shares(units, batch, question.stems)
    out[:, :, 8] = np.array([len(s - question.stems) / len(s) if s else 0.0 for s in units.stems])[:, None]
    cos = units.vecs @ batch.vecs.T
    out[:, :, 5] = out[:, :, 6] = cos
    out[:, :, 7] = (units.vecs @ question.vec)[:, None]
    out[:, :, 9] = np.log1p(units.n_words)[:, None]
    out[:, :, 10] = np.log((1 + units.n_words)[:, None] / (1 + batch.n_words)[None, :])
    out[:, :, 11] = units.negated[:, None] != batch.negated[None, :]
    out[:, :, 12] = out[:, :, 0] - batch.q_sem_r[None, :]
    out[:, :, 13] = cos - batch.q_cos[None, :]
    out[:, :, 14], out[:, :, 15], out[:, :, 16] = 0.0, 0.0, 1.0
    has_words = units.word_hi > units.word_lo
    if len(batch.word_vecs) and has_words.any():
        best_word = _range_max(batch.word_vecs @ answer.word_vecs.T, units.word_lo, units.word_hi)
        full = ~batch.no_words
        starts = batch.word_starts[full]
        counts = batch.word_counts[full]
        rows = np.ix_(has_words, full)
        bw = best_word[has_words]
        out[:, :, 14][rows] = np.add.reduceat(bw, starts, axis=1) / counts
        out[:, :, 15][rows] = np.minimum.reduceat(bw, starts, axis=1)
        out[:, :, 16][rows] = np.add.reduceat((bw < 0.5).astype(np.float64), starts, axis=1) / counts
    part_best = batch.part_vecs @ units.vecs.T
    out[:, :, 17] = (np.add.reduceat(part_best, batch.part_starts, axis=0) / batch.part_counts[:, None]).T
    return out.astype(np.float32)


class KnownTexts:
    """Encodings of corpus texts (questions, references, key points): they repeat across grades, answers do not.

    Least recently used out first, within a memory budget; thread-safe (grades and background preparation share
    it). Encoding runs outside the lock; a text two threads encode at once is kept once.
    """

    def __init__(self, embedder: Embedder, budget_mb: float = CACHE_MB):
        self.embedder = embedder
        self.budget = int(budget_mb * 1e6)
        self._lock = threading.Lock()
        self._encoded: OrderedDict[Any, Any] = OrderedDict()
        self._batches: OrderedDict[Any, Any] = OrderedDict()
        self._bytes = {"encoded": 0, "batches": 0}

    def encoded(self, text: str, q_stems: frozenset[str]) -> Encoded:
        found = self._get("encoded", (text, q_stems))
        if found is None:
            found = self._put("encoded", (text, q_stems), encode(self.embedder, text, q_stems))
        return found

    def batch(self, refs: list[str], question: Encoded, q_stems: frozenset[str]) -> RefBatch:
        """The references stacked for `pair_features_many` (at least one)."""
        key = (tuple(refs), question.text, q_stems)
        found = self._get("batches", key)
        if found is None:
            made = RefBatch.of([self.encoded(r, q_stems) for r in refs], question)
            found = self._put("batches", key, made)
        return found

    @property
    def nbytes(self) -> int:
        return sum(self._bytes.values())

    def _cache(self, name: str) -> OrderedDict[Any, Any]:
        return self._encoded if name == "encoded" else self._batches

    def _get(self, name: str, key: Any) -> Any:
        with self._lock:
            cache = self._cache(name)
            found = cache.get(key)
            if found is not None:
                cache.move_to_end(key)
            return found

    def _put(self, name: str, key: Any, value: Any) -> Any:
        with self._lock:
            cache = self._cache(name)
            if key in cache:  # made by another thread meanwhile
                return cache[key]
            cache[key] = value
            self._bytes[name] += nbytes(value)
            while self.nbytes > self.budget:
                # The fuller cache gives first; batches are stacks of encoded texts and either is made again.
                fuller = max(self._bytes, key=lambda n: self._bytes[n])
                if len(self._cache(fuller)) <= 1:
                    break
                _, dropped = self._cache(fuller).popitem(last=False)
                self._bytes[fuller] -= nbytes(dropped)
            return value
