"""The labelled search queries (tests/data/search_queries.jsonl) and their fixed dev/test split.

A query's half depends on its own text only (the first byte of its SHA-256 is even: dev, odd: test), so re-labelling
a query's target never moves it to the other half, and the rule was fixed before any ranker was measured on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal

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
