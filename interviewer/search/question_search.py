"""Question search over the index: a question and its aliases are one hit, at the distance of its closest
phrasing; and the nearest corpus question to a text (what `interviewer grade --question` grades against)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from interviewer.corpus.loader import Corpus
from interviewer.domain.questions import Question
from interviewer.search.index import VectorIndex


class QuestionSearch:
    """Searches the index's questions; builds the index first when it holds none."""

    def __init__(self, index: VectorIndex, corpus: Callable[[], Corpus], build_index: Callable[[], object]):
        self.index = index
        self.corpus = corpus
        """The corpus in use now (it changes when a recruiter's edit is reloaded)."""
        self.build_index = build_index

    def search(self, text: str, level: str | None = None, k: int = 5) -> list[dict[str, Any]]:
        """The `k` closest questions: `id`, `text`, `level`, `topic`, `kind`, `distance` (the CLI's contract)."""
        if self.index.count("questions") == 0:
            self.build_index()
        where = {"level": level} if level else None
        hits = self.index.query("questions", text, k=k * 3 + 5, where=where)
        corpus = self.corpus()
        best: dict[str, dict[str, Any]] = {}
        for h in hits:  # a question and its aliases are one result, at the distance of its closest phrasing
            qid = h.get("question") or h["id"]
            if qid not in best or h["distance"] < best[qid]["distance"]:
                q = corpus.by_id.get(qid)
                best[qid] = {**h, "id": qid, "text": q.text if q else h["text"]}
        out = sorted(best.values(), key=lambda h: h["distance"])[:k]
        for h in out:
            h.pop("question", None)
        return out

    def nearest(self, text: str) -> Question:
        """The corpus question closest to `text`."""
        hit = self.search(text, k=1)[0]
        return self.corpus().by_id[hit["id"]]
