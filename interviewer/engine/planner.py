"""Choose the next question: right level and kind, a topic not yet covered, close to the job description.

Closeness to the job description is retrieved from the Chroma index; when the index cannot be reached (a Chroma
server down mid-session), it is computed from the corpus in memory instead, so the interview goes on.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import Counter, OrderedDict
from typing import Any

import numpy as np

from interviewer.corpus.loader import Corpus
from interviewer.domain.questions import LEVELS, Level, Question, Scenario, Track
from interviewer.domain.session import SessionState

log = logging.getLogger(__name__)
RETRIEVED_JDS = 64  # job descriptions whose retrieved relevance is kept in memory
INDEX_PAUSE_S = 30.0  # after a failed retrieval, rank from memory this long before asking the index again


def kind_plan(track: Track, n: int, with_scenario: bool) -> list[str]:
    """The kinds of the n slots, by largest remainder over the track's shares; a scenario takes one case slot."""
    shares = {k: v for k, v in track.kinds.items() if v > 0}
    total = sum(shares.values())
    raw = {k: n * v / total for k, v in shares.items()}
    counts = {k: int(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: n - sum(counts.values())]:
        counts[k] += 1
    # Spread kinds out rather than asking all concept questions first.
    slots: list[str] = []
    while len(slots) < n:
        for k in sorted(counts, key=lambda k: -counts[k]):
            if counts[k] > 0:
                slots.append(k)
                counts[k] -= 1
    slots = slots[:n]
    if with_scenario:
        pos = next((i for i in range(len(slots) - 1, -1, -1) if slots[i] == "case"), len(slots) - 1)
        slots[pos] = "scenario"
    return slots


class Planner:
    def __init__(self, corpus: Corpus, embedder: Any, index: Any = None, only: set[str] | None = None):
        self.corpus = corpus
        self.embedder = embedder
        self.index = index
        self.only = only
        """When set, only these question ids are asked (the simulation's scripted candidates use it)."""
        self._vecs: np.ndarray | None = None
        self._retrieved: OrderedDict[str, dict[str, float]] = OrderedDict()
        self._retrieved_lock = threading.Lock()
        self._index_down_until = 0.0
        """While the index is known to be down, turns do not wait on it (a circuit breaker)."""

    def _question_vectors(self) -> np.ndarray:
        if self._vecs is None:
            self._vecs = self.embedder.embed([q.text for q in self.corpus.questions])
        return self._vecs

    def slots(self, state: SessionState) -> list[str]:
        track = self.corpus.track(state.setup.track)
        use_scenario = (
            track.scenarios and state.setup.questions >= 4 and bool(self.corpus.scenarios) and not self.only
        )
        return kind_plan(track, state.setup.questions, use_scenario)

    def next_scenario(self, state: SessionState) -> Scenario | None:
        done = {i.id.split("#")[0] for i in state.items}
        options = [s for s in self.corpus.scenarios if s.id not in done and state.current_level in s.levels]
        if not options:
            return None
        track = self.corpus.track(state.setup.track)
        jd = self._jd_vec(state)
        if jd is not None:
            vecs = self.embedder.embed([s.brief for s in options])
            return options[int(np.argmax(vecs @ jd))]
        in_track = [s for s in options if s.topic in track.topics] or options
        return in_track[zlib.crc32(state.id.encode()) % len(in_track)]

    def _jd_vec(self, state: SessionState) -> np.ndarray | None:
        jd = state.setup.job_description.strip()
        return self.embedder.embed([jd[:2000]])[0] if jd else None

    def next_question(self, state: SessionState, kind: str) -> Question | None:
        """Best unasked question for the current level and slot kind; relaxes kind, then level, when none is left."""
        track = self.corpus.track(state.setup.track)
        asked = state.asked_ids()
        covered = Counter(i.topic for i in state.items)
        levels = sorted(LEVELS, key=lambda lv: abs(LEVELS.index(lv) - LEVELS.index(state.current_level)))
        for level in levels:
            for want_kind in (kind, None):
                pool = [
                    (i, q)
                    for i, q in enumerate(self.corpus.questions)
                    if q.level == level
                    and q.topic in track.topics
                    and q.id not in asked
                    and (self.only is None or q.id in self.only)
                    and (want_kind is None or q.kind == want_kind)
                    and (want_kind is not None or q.kind in track.kinds)
                ]
                if pool:
                    return self._rank(state, pool, covered)
        return None

    def jd_relevance(self, state: SessionState, pool: list[tuple[int, Question]]) -> np.ndarray:
        """Cosine similarity of each pooled question to the job description (zeros without one)."""
        jd = state.setup.job_description.strip()[:2000]
        if not jd:
            return np.zeros(len(pool))
        if self.index is not None and time.monotonic() >= self._index_down_until:
            try:
                found = self._retrieve(jd)
                return np.array([found.get(q.id, 0.0) for _, q in pool])
            except Exception as exc:  # the index is a service that can be down; the corpus is in memory
                self._index_down_until = time.monotonic() + INDEX_PAUSE_S
                log.warning(
                    "retrieval from the index failed (%s); ranking from the corpus in memory for %.0f s",
                    exc,
                    INDEX_PAUSE_S,
                )
        vec = self.embedder.embed([jd])[0]
        return np.asarray(self._question_vectors()[[i for i, _ in pool]] @ vec)

    def _retrieve(self, jd: str) -> dict[str, float]:
        """Every question's similarity to `jd` from the index: of the question's own text, as the in-memory
        fallback computes it (aliases are other phrasings for search, not other questions)."""
        with self._retrieved_lock:
            if jd in self._retrieved:
                self._retrieved.move_to_end(jd)
                return self._retrieved[jd]
        hits = self.index.query("questions", jd, k=self.index.count("questions"))
        found: dict[str, float] = {}
        for h in hits:
            if h["id"] == (h.get("question") or h["id"]):
                found[h["id"]] = 1.0 - h["distance"]
        with self._retrieved_lock:
            self._retrieved[jd] = found
            while len(self._retrieved) > RETRIEVED_JDS:
                self._retrieved.popitem(last=False)
        return found

    def _rank(self, state: SessionState, pool: list[tuple[int, Question]], covered: Counter[str]) -> Question:
        sims = self.jd_relevance(state, pool)
        seed = zlib.crc32(f"{state.id}:{len(state.items)}".encode())
        rng = np.random.default_rng(seed)
        scores = []
        for (_, q), sim in zip(pool, sims, strict=True):
            s = -1.0 * covered[q.topic]  # spread over competencies
            s += 0.8 if q.topic in state.steer_topics and covered[q.topic] == 0 else 0.0
            s += 2.0 * float(sim)  # lean toward the job description
            s += 0.3 * rng.random()  # variety between sessions
            scores.append(s)
        return pool[int(np.argmax(scores))][1]


def level_after(state: SessionState, score: float, verdict: str, asked: Level) -> tuple[Level, int]:
    """Adapt the level with hysteresis: two strong answers in a row go up, two weak ones go down."""
    strong = score >= 3.5 and verdict != "none" and LEVELS.index(verdict) >= LEVELS.index(asked)
    weak = score < 2.0
    streak = state.streak
    streak = max(streak, 0) + 1 if strong else (min(streak, 0) - 1 if weak else 0)
    idx = LEVELS.index(state.current_level)
    if streak >= 2 and idx < 2:
        return LEVELS[idx + 1], 0
    if streak <= -2 and idx > 0:
        return LEVELS[idx - 1], 0
    return state.current_level, streak
