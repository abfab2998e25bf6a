"""Question search: MiniLM distance over every phrasing of a question (its text and aliases) fused with BM25 over
the same words, and the match that `interviewer grade --question` grades against (questions and scenario stages),
refused when nothing is close.

Fusion: score = DENSE_WEIGHT * (1 - cosine distance of the closest phrasing) + (1 - DENSE_WEIGHT) * BM25 / (the
query's best BM25). Reciprocal rank fusion was measured too: with two rankers, a pair that each ranker puts first and
second ties exactly, and the tie fell the wrong way (docs/search.md has the figures).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from interviewer.corpus.loader import Corpus
from interviewer.domain.questions import GradingItem, Scenario
from interviewer.search.index import VectorIndex
from interviewer.search.lexical import BM25, tokens

DENSE_WEIGHT = 0.5
"""Equal weights; 0.4 and 0.6 gave the same recall on the dev half (docs/search.md)."""
MATCH_SIMILARITY = 0.545
"""A text is matched only when the best item's closest phrasing has at least this cosine similarity: chosen on
the dev half of tests/data/search_queries.jsonl between the null queries and the true ones (docs/search.md)."""
DENSE_DOCS = 150
"""Phrasings fetched from the index per query; an item below them counts at the farthest distance fetched."""


class UnknownItem(KeyError):
    """An id names no question or scenario stage; `nearest` holds the closest ids by spelling."""

    def __init__(self, item_id: str, nearest: list[str]):
        super().__init__(item_id)
        self.item_id, self.nearest = item_id, nearest


@dataclass
class Match:
    """What a question text was matched to: `id` is None when no item is close enough (then refuse)."""

    text: str
    id: str | None
    similarity: float
    nearest: list[dict[str, Any]] = field(default_factory=list)
    """The best few items: `id`, `text`, `similarity` (cosine of the closest phrasing), `score` (fused)."""


class QuestionSearch:
    """Searches the index's questions and stages; builds the index first when it holds none."""

    def __init__(self, index: VectorIndex, corpus: Callable[[], Corpus], build_index: Callable[[], object]):
        self.index = index
        self.corpus = corpus
        """The corpus in use now (it changes when a recruiter's edit is reloaded)."""
        self.build_index = build_index
        self.dense_weight = DENSE_WEIGHT
        """1.0 ranks by MiniLM alone, 0.0 by BM25 alone (the benchmark compares them)."""
        self._lexical: tuple[Corpus, BM25] | None = None
        self._lock = threading.Lock()

    # -- ranking ----------------------------------------------------------------------------------------------

    def search(self, text: str, level: str | None = None, k: int = 5) -> list[dict[str, Any]]:
        """The `k` best questions: `id`, `text`, `level`, `topic`, `kind`, `distance` (the CLI's contract: cosine
        distance of the closest phrasing) and `score` (the fused score they are ordered by)."""
        return self.rank(text, level=level, stages=False)[:k]

    def rank(self, text: str, level: str | None = None, stages: bool = False) -> list[dict[str, Any]]:
        """Every item either ranker finds, best first; scenario stages too with `stages`."""
        if self.index.count("questions") == 0:
            self.build_index()
        corpus = self.corpus()
        dense = self._dense(text, level, stages)
        lexical = self._bm25(corpus, text, level, stages)
        farthest = max(dense.values(), default=1.0)
        top_lexical = max(lexical.values(), default=0.0) or 1.0
        hits = []
        w = self.dense_weight
        for item_id in dense.keys() | lexical.keys():
            about = _describe(corpus, item_id)
            if about is None:  # the index still holds an item the reloaded corpus dropped
                continue
            distance = dense.get(item_id, farthest)
            score = w * (1 - distance) + (1 - w) * lexical.get(item_id, 0.0) / top_lexical
            hits.append({**about, "distance": round(distance, 6), "score": round(score, 6)})
        hits.sort(key=lambda h: (-h["score"], h["distance"], h["id"]))
        return hits

    def _dense(self, text: str, level: str | None, stages: bool) -> dict[str, float]:
        """Item id -> cosine distance of its closest phrasing, over the phrasings the index returns."""
        where = {"level": level} if level else None
        best: dict[str, float] = {}
        for h in self.index.query("questions", text, k=DENSE_DOCS, where=where):
            qid = h.get("question") or h["id"]
            best[qid] = min(best.get(qid, 2.0), h["distance"])
        if stages and self.index.count("scenarios"):
            for h in self.index.query("scenarios", text, k=DENSE_DOCS):
                best[h["id"]] = min(best.get(h["id"], 2.0), h["distance"])
        return best

    def _bm25(self, corpus: Corpus, text: str, level: str | None, stages: bool) -> dict[str, float]:
        scores = self._lexical_index(corpus).scores(tokens(text))
        out = {}
        for item_id, s in scores.items():
            if "#" in item_id:
                if stages and not level:
                    out[item_id] = s
            elif level is None or corpus.by_id[item_id].level == level:
                out[item_id] = s
        return out

    def _lexical_index(self, corpus: Corpus) -> BM25:
        with self._lock:
            if self._lexical is None or self._lexical[0] is not corpus:
                self._lexical = (corpus, BM25(lexical_docs(corpus)))
            return self._lexical[1]

    # -- matching a question text, or an id, to what is graded ------------------------------------------------

    def match(self, text: str, nearest: int = 5) -> Match:
        """The question or stage `text` asks, or a refusal (id None) when no item is close."""
        hits = self.rank(text, stages=True)[:nearest] if text.strip() else []
        listed = [
            {"id": h["id"], "text": h["text"], "similarity": round(1 - h["distance"], 3), "score": h["score"]}
            for h in hits
        ]
        if not listed:
            return Match(text, None, 0.0, [])
        best = listed[0]
        found = best["id"] if best["similarity"] >= MATCH_SIMILARITY else None
        return Match(text, found, best["similarity"], listed)

    def item(self, item_id: str) -> tuple[str, GradingItem, Scenario | None]:
        """The question or `scenario#stage` an id names (an old id is read through the id map): its current id,
        the item and, for a stage, its scenario. UnknownItem lists the closest ids when it names none."""
        corpus = self.corpus()
        current = corpus.resolve(item_id.strip())
        if current in corpus.by_id:
            return current, corpus.by_id[current], None
        scenario_id, _, stage_id = current.partition("#")
        for sc in corpus.scenarios:
            if sc.id == scenario_id:
                for st in sc.stages:
                    if st.id == stage_id:
                        return current, st, sc
        ids = [*corpus.by_id, *(f"{sc.id}#{st.id}" for sc in corpus.scenarios for st in sc.stages)]
        raise UnknownItem(item_id, difflib.get_close_matches(current, ids, n=5, cutoff=0.4))


def lexical_docs(corpus: Corpus) -> dict[str, list[str]]:
    """What BM25 reads: a question's text and aliases as one document; a stage's scenario title, name and text."""
    docs = {
        q.id: [t for phrasing in (q.text, *q.aliases) for t in tokens(phrasing)] for q in corpus.questions
    }
    for sc in corpus.scenarios:
        for st in sc.stages:
            docs[f"{sc.id}#{st.id}"] = tokens(f"{sc.title} {st.name} {st.text}")
    return docs


def _describe(corpus: Corpus, item_id: str) -> dict[str, Any] | None:
    q = corpus.by_id.get(item_id)
    if q is not None:
        return {"id": q.id, "text": q.text, "level": q.level, "topic": q.topic, "kind": q.kind}
    scenario_id, _, stage_id = item_id.partition("#")
    for sc in corpus.scenarios:
        for st in sc.stages if sc.id == scenario_id else ():
            if st.id == stage_id:
                return {"id": item_id, "text": st.text, "level": "", "topic": sc.topic, "kind": "stage"}
    return None
