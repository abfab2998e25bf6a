"""The labelled search queries (tests/data/search_queries.jsonl) and their fixed dev/test split.

A query's half depends on its own text only (the first byte of its SHA-256 is even: dev, odd: test), so re-labelling
a query's target never moves it to the other half, and the rule was fixed before any ranker was measured on it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel

Split = Literal["dev", "test"]


class SearchQuery(BaseModel):
    """One labelled query: the corpus item it names (`scenario#stage` for a stage), or None for no item."""

    query: str
    target: str | None
    kind: Literal["question", "stage", "none"]
    style: str


def split_of(query: str) -> Split:
    """The half a query belongs to: tune on `dev`, report on `test`."""
    return "dev" if hashlib.sha256(query.encode("utf-8")).digest()[0] % 2 == 0 else "test"


def load_queries(
    path: Path, split: Split | None = None, resolve: Callable[[str], str] | None = None
) -> list[SearchQuery]:
    """The queries of the file, all of them or those of one half; `resolve` maps a target written before a
    question was merged to the id in use now (the corpus's id map)."""
    rows = [
        SearchQuery.model_validate(json.loads(line)) for line in path.read_text().splitlines() if line.strip()
    ]
    if resolve is not None:
        rows = [r.model_copy(update={"target": resolve(r.target)}) if r.target else r for r in rows]
    return [r for r in rows if split is None or split_of(r.query) == split]


class Ranker(Protocol):
    """What is measured: QuestionSearch's `rank`."""

    def rank(self, text: str, level: str | None = None, stages: bool = False) -> list[dict[str, Any]]: ...


def measure(search: Ranker, queries: list[SearchQuery], threshold: float) -> dict[str, Any]:
    """Recall@1 and @3 of question queries (ranked among questions, as `interviewer search` does) and of stage
    queries (among questions and stages, as `grade --question` does); how `threshold` on the matched item's
    similarity treats the true queries (kept) and the null ones (refused)."""
    out: dict[str, Any] = {}
    sims: dict[str, list[float]] = {"true": [], "null": []}
    for kind, stages in (("question", False), ("stage", True)):
        rows = [q for q in queries if q.kind == kind]
        ranked = [[h["id"] for h in search.rank(q.query, stages=stages)[:3]] for q in rows]
        out[kind] = {
            "n": len(rows),
            "recall_at_1": _share(r[:1] == [q.target] for q, r in zip(rows, ranked, strict=True)),
            "recall_at_3": _share(q.target in r for q, r in zip(rows, ranked, strict=True)),
            "misses": [{"query": q.query, "target": q.target, "top3": r} for q, r in zip(rows, ranked, strict=True)
                       if r[:1] != [q.target]],
        }  # fmt: skip
    for q in queries:
        top = search.rank(q.query, stages=True)[:1]
        sims["null" if q.kind == "none" else "true"].append(1 - top[0]["distance"] if top else 0.0)
    out["null"] = {
        "n": len(sims["null"]),
        "refused": _share(s < threshold for s in sims["null"]),
        "max_similarity": round(max(sims["null"], default=0.0), 3),
    }
    out["true_kept"] = _share(s >= threshold for s in sims["true"])
    out["threshold"] = threshold
    out["similarities"] = sims
    return out


def choose_threshold(true_sims: list[float], null_sims: list[float]) -> float:
    """The similarity cut that keeps the most true queries and refuses the most null ones (errors counted alike),
    placed halfway between the nearest similarities on either side; ties go to the higher cut (refusing is safer
    than grading against the wrong question)."""
    values = sorted(set(true_sims) | set(null_sims))
    cuts = [(a + b) / 2 for a, b in itertools.pairwise(values)] or [0.5]
    errors = [sum(s < c for s in true_sims) + sum(s >= c for s in null_sims) for c in cuts]
    best = min(errors)
    return round(max(c for c, e in zip(cuts, errors, strict=True) if e == best), 3)


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return round(sum(values) / len(values), 3) if values else float("nan")
