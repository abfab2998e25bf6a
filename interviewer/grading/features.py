"""Features of an answer against one reference text (a key point or a reference answer).

Token alignment over MiniLM's contextual vectors (a BERTScore-like soft match) with the question's own words
demoted, content-word overlap, sentence similarity, length and negation. The same features serve the eval rows
(reference answer only) and corpus questions (each key point is a short reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from interviewer.domain.text import STOPWORDS, Span, content_stems, negated, spans, stem, words
from interviewer.encoders.embeddings import DIM, Embedder, Passage

FEATURES = (
    "sem_recall",
    "sem_precision",
    "align_recall",
    "lex_recall",
    "lex_precision",
    "sent_cos",
    "best_span_cos",
    "question_cos",
    "novelty",
    "log_len",
    "len_ratio",
    "neg_mismatch",
    "sem_recall_gain",
    "cos_gain",
    "word_recall",
    "word_recall_min",
    "uncovered",
    "ref_part_coverage",
)
QUESTION_WEIGHT = 0.25  # a word the question already uses says little about the answer
ALIGN_AT = 0.72


@dataclass
class Encoded:
    """A text with its pooled vector, word-piece vectors and per-piece content weights."""

    text: str
    vec: np.ndarray
    pieces: np.ndarray
    weights: np.ndarray
    stems: frozenset[str]
    n_words: int
    word_vecs: np.ndarray
    """One vector per content word not in the question (mean of its pieces), for word-level alignment."""
    part_vecs: np.ndarray
    """One vector per sentence."""
    word_start: np.ndarray
    """Index in `pieces` of each word_vecs row's first piece (to slice words along with pieces)."""
    against: dict[str, tuple[float, float, bool]] = field(default_factory=dict, repr=False, compare=False)
    """As a reference, per question text: what `pair_features` needs of it and the question alone."""

    def with_question(self, question: Encoded) -> tuple[float, float, bool]:
        """(sem_r against the question, cosine with it, negated): fixed for a corpus text, so worked out once."""
        found = self.against.get(question.text)
        if found is None:
            q_sem_r = (
                _soft(self.pieces @ question.pieces.T, self.weights, axis=1)[0]
                if len(question.pieces) and len(self.pieces)
                else 0.0
            )
            found = (q_sem_r, float(question.vec @ self.vec), negated(self.text))
            self.against[question.text] = found  # a race only computes the same values twice
        return found


def piece_words(pieces: list[str]) -> list[str]:
    """The whole word each word piece belongs to (pieces starting with ## continue the previous word)."""
    out: list[str] = []
    current = ""
    starts: list[int] = []
    for i, p in enumerate(pieces):
        if p.startswith("##") and i:
            current += p[2:]
        else:
            if starts:
                out.extend([current] * starts[-1])
            current = p
            starts.append(0)
        starts[-1] += 1
    if starts:
        out.extend([current] * starts[-1])
    return out


@lru_cache(maxsize=50_000)
def _content_stem(word: str) -> str | None:
    """The stem of a content word; None for stopwords and punctuation."""
    if not any(c.isalnum() for c in word) or word in STOPWORDS:
        return None
    return stem(word)


def encode(
    embedder: Embedder,
    text: str,
    question_stems: frozenset[str] = frozenset(),
    within: tuple[Passage, int] | None = None,
) -> Encoded:
    """Encode `text`, or the slice of an already-run passage starting at `within[1]` (no new model call)."""
    passage, start = within if within else (embedder.passages([text])[0], 0)
    toks, vecs, vec = passage.view(start, start + len(text))
    weights = np.zeros(len(toks), dtype=np.float32)
    groups: dict[int, list[int]] = {}
    word_no = -1
    for i, (tok, w) in enumerate(zip(toks, piece_words(toks), strict=True)):
        if not tok.startswith("##"):
            word_no += 1
        st = _content_stem(w)
        if st is None:
            continue
        if st in question_stems:
            weights[i] = QUESTION_WEIGHT
        else:
            weights[i] = 1.0
            groups.setdefault(word_no, []).append(i)
    if groups:
        # A word's pieces are consecutive rows: one reduceat sums every word instead of a mean call per word.
        counts = np.array([len(idx) for idx in groups.values()])
        rows = np.concatenate([np.asarray(idx) for idx in groups.values()])
        wv = (
            np.add.reduceat(vecs[rows], np.concatenate([[0], np.cumsum(counts)[:-1]]), axis=0)
            / counts[:, None]
        )
        wv = wv / np.clip(np.linalg.norm(wv, axis=1, keepdims=True), 1e-9, None)
    else:
        wv = np.zeros((0, DIM), dtype=np.float32)
    word_start = np.array([idx[0] for idx in groups.values()], dtype=np.int64)
    parts = spans(text, clauses=False)
    part_vecs = (
        passage.pooled_many([(start + p.start, start + p.end) for p in parts])
        if len(parts) > 1
        else vec[None, :]
    )
    stems = frozenset(content_stems(text))
    return Encoded(text, vec, vecs, weights, stems, len(words(text)), wv, part_vecs, word_start)


def sentence_vectors(embedder: Embedder, text: str) -> tuple[list[Span], np.ndarray]:
    """The sentences of `text` and their vectors, sliced from one pass over the whole text."""
    passage = embedder.passages([text])[0]
    parts = spans(text, clauses=False)
    if not parts:
        return [], np.zeros((0, DIM), dtype=np.float32)
    return parts, passage.pooled_many([(p.start, p.end) for p in parts])


def _soft(sim: np.ndarray, w: np.ndarray, axis: int) -> tuple[float, float]:
    best = sim.max(axis=axis)
    total = float(w.sum())
    if total <= 0:
        return 0.0, 0.0
    return float((best * w).sum() / total), float(((best >= ALIGN_AT) * w).sum() / total)


def pair_features(
    answer: Encoded, ref: Encoded, question: Encoded, answer_spans: list[np.ndarray]
) -> np.ndarray:
    """Feature vector of `answer` against one reference; see FEATURES for the order."""
    if len(answer.pieces) == 0 or len(ref.pieces) == 0:
        sem_r = sem_p = align_r = 0.0
    else:
        sim = ref.pieces @ answer.pieces.T
        sem_r, align_r = _soft(sim, ref.weights, axis=1)
        sem_p, _ = _soft(sim.T, answer.weights, axis=1)
    ref_new = ref.stems - question.stems
    ans_new = answer.stems - question.stems
    lex_r = len(ref_new & answer.stems) / len(ref_new) if ref_new else 0.0
    lex_p = len(ans_new & ref.stems) / len(ans_new) if ans_new else 0.0
    best_span = max((float(v @ ref.vec) for v in answer_spans), default=0.0)
    q_sem_r, q_cos, ref_negated = ref.with_question(question)
    if len(ref.word_vecs) and len(answer.word_vecs):
        best_word = (ref.word_vecs @ answer.word_vecs.T).max(axis=1)
        word_r, word_min, uncovered = (
            float(best_word.mean()),
            float(best_word.min()),
            float((best_word < 0.5).mean()),
        )
    else:
        word_r, word_min, uncovered = 0.0, 0.0, 1.0
    spans_m = np.stack(answer_spans) if answer_spans else answer.vec[None, :]
    part_cov = float((ref.part_vecs @ spans_m.T).max(axis=1).mean())
    novelty = len(ans_new) / len(answer.stems) if answer.stems else 0.0
    return np.array(
        [
            sem_r,
            sem_p,
            align_r,
            lex_r,
            lex_p,
            float(answer.vec @ ref.vec),
            best_span,
            float(answer.vec @ question.vec),
            novelty,
            np.log1p(answer.n_words),
            np.log((1 + answer.n_words) / (1 + ref.n_words)),
            float(negated(answer.text) != ref_negated),
            sem_r - q_sem_r,
            float(answer.vec @ ref.vec) - q_cos,
            word_r,
            word_min,
            uncovered,
            part_cov,
        ],
        dtype=np.float32,
    )
