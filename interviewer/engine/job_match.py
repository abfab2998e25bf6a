"""How closely each question, topic, scenario and track fits a job description.

A posting is many requirements, and one embedding of the whole text (cut at the encoder's 256 pieces) is mostly
its first paragraph. So the posting is cut into its lines and sentences, and a question is matched at the level of
the posting's duties: what it asks (its text and search aliases) against the requirement line closest to it, and
what a good answer covers (its key points), each point against its closest line. Topics are scored from the
questions they hold, so the planner can lean toward the posting's topics as well as its questions.

What a posting does not want costs fit (job_text reads it): questions that need spoken audio, many languages or
LLMs when at most one requirement names them, and items close to a phrase the posting negates ("not chatbots").
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from interviewer.corpus.loader import Corpus
from interviewer.encoders.embeddings import Embedder
from interviewer.engine.job_text import MODALITIES, Posting, mentions, read_posting

log = logging.getLogger(__name__)
PROFILES_KEPT = 64  # job descriptions whose profile is kept in memory
# A question's fit: ASK_WEIGHT times its ask's closeness to the posting's closest requirement line, plus POINTS_WEIGHT
# times the mean, over its key points, of each point's closeness to its closest line. It was the mean of the
# question's best matches with three requirement lines over all its phrasings: one key point close to a passing line
# ("6+ years fine-tuning transformers" to a mixture-of-experts point) carried a question on a neighbouring skill. Over
# the 207 planned questions the readers judged on both dev sets, this separates relevant from not as well or better
# on each set (AUC within posting 0.73 and 0.75 against 0.73 and 0.72). LINES_WEIGHT times the mean closeness of the
# question's two closest lines was tried, fitted with the other two by training/fit_job_fit.py (0.25, 0.75, 1.0):
# better on the sets that chose it and not on the next held-out set, so it is off (docs/steering.md).
ASK_WEIGHT = 0.5
POINTS_WEIGHT = 0.5
LINES_WEIGHT = 0.0
# A scenario is a whole product: it fits when several of the posting's lines are close to it, so its fit stays the
# mean of its best matches with this many lines (the duty fit ranked the RAG docs assistant first for an evaluation
# role and missed the support bot for a support-bot posting on the dev sets).
SCENARIO_LINES = 3
TOPIC_TOP = 3  # a topic's fit is the mean fit of its best questions
# Cosine taken off an item that needs a modality no requirement names (speech questions for a text role), about
# five deviations of question fit; half of it when one requirement names it in passing (search ranking: "LLMs for
# query rewriting"). Full cost for one mention was tried: on the dev postings no better, and a posting about RAG
# that says so in one line would lose its RAG questions.
MODALITY_PENALTY = 0.25
MODALITY_TOPIC = {"speech": "speech", "languages": "multilingual"}  # the topic that needs each modality
NEGATION_MIN = 0.45  # closeness to a negated phrase from which an item counts as what the posting is not
NEGATION_PENALTY = (
    0.15  # off an item close to a phrase the posting negates ("not chatbots"): three deviations
)


def requirements(jd: str) -> list[str]:
    """The posting's bullets and sentences that have enough words to state a requirement."""
    return read_posting(jd).requirements


@dataclass
class JobProfile:
    """The fit of the corpus to one job description; every figure is a cosine-based score (higher fits better)."""

    questions: dict[str, float] = field(default_factory=dict)
    topics: dict[str, float] = field(default_factory=dict)
    scenarios: dict[str, float] = field(default_factory=dict)

    def standardised(self, values: dict[str, float]) -> dict[str, float]:
        """`values` as z-scores over the questions' fits, so weights mean the same for every posting."""
        arr = np.array(list(self.questions.values()) or [0.0])
        mean, std = float(arr.mean()), float(arr.std()) or 1.0
        return {k: (v - mean) / std for k, v in values.items()}


class JobMatch:
    """Scores the corpus against job descriptions; the corpus side is encoded once, the posting per call."""

    def __init__(self, corpus: Corpus, embedder: Embedder, index: Any = None):
        self.corpus = corpus
        self.embedder = embedder
        self.index = index
        self._facets: tuple[np.ndarray, list[str]] | None = None
        # Per phrasing: True for what an item asks (text, aliases, a scenario's title), False for what it covers.
        self._asks: np.ndarray | None = None
        self._rows: dict[str, int] | None = None
        self._profiles: OrderedDict[str, JobProfile] = OrderedDict()
        self._lock = threading.Lock()

    def profile(self, jd: str) -> JobProfile:
        jd = jd.strip()
        with self._lock:
            if jd in self._profiles:
                self._profiles.move_to_end(jd)
                return self._profiles[jd]
        found = self._score(jd) if jd else JobProfile()
        with self._lock:
            self._profiles[jd] = found
            while len(self._profiles) > PROFILES_KEPT:
                self._profiles.popitem(last=False)
        return found

    def closeness(self, candidates: list[str], planned: set[str]) -> dict[str, float]:
        """Per candidate question, the cosine of its text to the closest planned question's text."""
        vecs, owners = self._corpus_facets()
        rows = self._text_rows(owners)
        done = [rows[i] for i in planned if i in rows]
        if not done:
            return {}
        sims = vecs[[rows[c] for c in candidates]] @ vecs[done].T
        return {c: float(v) for c, v in zip(candidates, sims.max(axis=1), strict=True)}

    def _text_rows(self, owners: list[str]) -> dict[str, int]:
        """The row of each question's own text among the phrasings (its first one)."""
        with self._lock:
            if self._rows is None:
                self._rows = {}
                for row, owner in enumerate(owners):
                    self._rows.setdefault(owner, row)
            return self._rows

    def warm(self) -> None:
        """Encode the corpus side now (start-up), not in the first session with a job description."""
        self._corpus_facets()

    # -- scoring ----------------------------------------------------------------------------------------------

    def _score(self, jd: str) -> JobProfile:
        post = read_posting(jd)
        chunks, weights = post.requirements, post.weights
        vecs, owners = self._corpus_facets()
        w = np.asarray(weights, dtype=np.float32)
        sims = (self.embedder.embed(chunks) @ vecs.T) * w[:, None]  # (requirements, phrasings)
        best = _best_per_owner(sims, owners)  # each item's closest phrasing per requirement, read twice below
        fit = _duty_fit(sims, owners, self._ask_rows(), best)
        broad = {o: float(np.sort(v)[-SCENARIO_LINES:].mean()) for o, v in best.items()}
        for owner, penalty in self._penalties(post, vecs, owners).items():
            fit[owner] -= penalty
            broad[owner] -= penalty
        questions = {q.id: fit[q.id] for q in self.corpus.questions}
        by_topic: dict[str, list[float]] = {}
        for q in self.corpus.questions:
            by_topic.setdefault(q.topic, []).append(questions[q.id])
        topics = {t: float(np.mean(sorted(v, reverse=True)[:TOPIC_TOP])) for t, v in by_topic.items()}
        # A scenario's broad fit, placed on the questions' scale by where it stands among their broad fits.
        q_fit, q_broad = np.array(list(questions.values())), np.array([broad[q] for q in questions])
        scale = float(q_fit.std()) / (float(q_broad.std()) or 1.0)
        scenarios = {
            s.id: float(q_fit.mean()) + (broad[f"scenario:{s.id}"] - float(q_broad.mean())) * scale
            for s in self.corpus.scenarios
        }
        return JobProfile(questions, topics, scenarios)

    def _penalties(self, post: Posting, vecs: np.ndarray, owners: list[str]) -> dict[str, float]:
        """Cosine to take off items the posting does not want: a modality it does not ask for, or what it says
        the work is not."""
        out: dict[str, float] = {}
        for modality in MODALITIES:
            if short := post.shortfall(modality):
                for owner in self._needs(modality):
                    out[owner] = out.get(owner, 0.0) + MODALITY_PENALTY * short
        if post.negated:
            near = _best_per_owner(self.embedder.embed(post.negated) @ vecs.T, owners)
            for owner, v in near.items():
                if float(v.max()) >= NEGATION_MIN:
                    out[owner] = out.get(owner, 0.0) + NEGATION_PENALTY
        return out

    def _needs(self, modality: str) -> set[str]:
        """Items that need a modality: those of the topic named for it, or, for a modality no topic holds (LLMs),
        the questions whose text names it. A question that only mentions a call transcript is a text question."""
        topic = MODALITY_TOPIC.get(modality)
        if topic is None:
            found = {q.id for q in self.corpus.questions if mentions(q.text, modality)}
            briefs = {f"scenario:{s.id}": f"{s.title}. {s.brief}" for s in self.corpus.scenarios}
            return found | {owner for owner, text in briefs.items() if mentions(text, modality)}
        found = {q.id for q in self.corpus.questions if q.topic == topic}
        return found | {f"scenario:{s.id}" for s in self.corpus.scenarios if s.topic == topic}

    def _corpus_facets(self) -> tuple[np.ndarray, list[str]]:
        """Unit vectors of every phrasing of every question and scenario, and whose phrasing each row is."""
        with self._lock:
            if self._facets is not None:
                return self._facets
        texts: list[str] = []
        owners: list[str] = []
        asks: list[bool] = []
        for q in self.corpus.questions:
            phrasings = [q.text, *q.aliases, *(k.text for k in q.key_points)]
            texts.extend(phrasings)
            owners.extend([q.id] * len(phrasings))
            asks.extend([True] * (1 + len(q.aliases)) + [False] * len(q.key_points))
        for s in self.corpus.scenarios:
            # What the case is about, not its stages: every case has data, model and evaluation stages.
            lines = requirements(s.brief)
            texts.extend([s.title, *lines])
            owners.extend([f"scenario:{s.id}"] * (1 + len(lines)))
            asks.extend([True] + [False] * len(lines))
        vecs = self._encode(texts)
        with self._lock:
            self._facets, self._asks = (vecs, owners), np.array(asks)
        return self._facets

    def _ask_rows(self) -> np.ndarray:
        self._corpus_facets()
        assert self._asks is not None
        return self._asks

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Vectors of `texts`: the index's stored ones where it has them, and the encoder's for the rest (from the
        stored grading encodings or its cache when it has them)."""
        known: dict[str, np.ndarray] = {}
        if self.index is not None:
            try:
                known.update(self.index.vectors("questions"))
            except Exception as exc:  # the index is a service that can be down; the encoder is in-process
                log.warning("reading question vectors from the index failed (%s); encoding them here", exc)
        rest = [t for t in dict.fromkeys(texts) if t not in known]
        if rest:
            known.update(zip(rest, self.embedder.embed(rest), strict=True))
        return np.stack([known[t] for t in texts]).astype(np.float32)


def fit_parts(
    sims: np.ndarray, owners: list[str], asks: np.ndarray, best: dict[str, np.ndarray] | None = None
) -> dict[str, tuple[float, float, float]]:
    """Per item: its asks' closeness to the closest requirement, the mean over its key points of each point's
    closeness to its closest requirement (an item without points: its ask), and the mean closeness of its two
    closest requirements over all its phrasings (`best`: _best_per_owner(sims, owners), when the caller has it)."""
    ask_owners = [o for o, a in zip(owners, asks, strict=True) if a]
    point_owners = [o for o, a in zip(owners, asks, strict=True) if not a]
    ask = {o: float(v.max()) for o, v in _best_per_owner(sims[:, asks], ask_owners).items()}
    per_point = sims[:, ~asks].max(axis=0)  # each point's closest requirement
    points: dict[str, list[float]] = {}
    for o, v in zip(point_owners, per_point, strict=True):
        points.setdefault(o, []).append(float(v))
    best = best if best is not None else _best_per_owner(sims, owners)
    lines = {o: float(np.sort(v)[-2:].mean()) for o, v in best.items()}
    return {o: (a, float(np.mean(points[o])) if o in points else a, lines[o]) for o, a in ask.items()}


def _duty_fit(
    sims: np.ndarray, owners: list[str], asks: np.ndarray, best: dict[str, np.ndarray] | None = None
) -> dict[str, float]:
    """Per item: its fit_parts weighed by ASK_WEIGHT, POINTS_WEIGHT and LINES_WEIGHT."""
    return {
        o: ASK_WEIGHT * a + POINTS_WEIGHT * p + LINES_WEIGHT * li
        for o, (a, p, li) in fit_parts(sims, owners, asks, best).items()
    }


def _best_per_owner(sims: np.ndarray, owners: list[str]) -> dict[str, np.ndarray]:
    """Per item, its closest phrasing's similarity to each row (requirement or phrase)."""
    best: dict[str, np.ndarray] = {}
    for col, owner in enumerate(owners):
        cur = best.get(owner)
        best[owner] = sims[:, col] if cur is None else np.maximum(cur, sims[:, col])
    return best
