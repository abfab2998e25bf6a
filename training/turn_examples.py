"""The labelled LLM interviewer turns (tests/data/llm_turns.jsonl) and the fixed rule that splits them in two.

The first 180 turns were written by someone other than the validator's author: follow-ups and preambles (the
words an LLM puts before a main question), each good or bad with the kind of fault (`bad_kind`). Turns marked
`written_by` were added later for fitting, only for (kind, question) pairs of the fit half, so the halves of the
first 180 stay as they were. The turn validator's thresholds are fitted on the `fit` half only; its pass and
reject rates are reported on the `measure` half.

The rule is fixed before any fitting and never changed after: within each kind, the distinct question ids are
ordered by the SHA-256 of "turn-check:" + id, and alternate between the halves (even ranks fit, odd ranks
measure). Splitting by question keeps every turn about one question on one side; alternating within a kind keeps
both halves with about as many follow-ups and preambles.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TURNS = ROOT / "tests" / "data" / "llm_turns.jsonl"
HALVES = ("fit", "measure")


def load_turns(path: Path = TURNS) -> list[dict[str, Any]]:
    """Every labelled turn, in file order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _rank_key(question_id: str) -> str:
    return hashlib.sha256(f"turn-check:{question_id}".encode()).hexdigest()


def half_of(rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(kind, question id) -> 'fit' or 'measure', by the rule in the module docstring."""
    out: dict[tuple[str, str], str] = {}
    for kind in sorted({r["kind"] for r in rows}):
        ids = sorted({r["question_id"] for r in rows if r["kind"] == kind}, key=_rank_key)
        for rank, qid in enumerate(ids):
            out[(kind, qid)] = HALVES[rank % 2]
    return out


def split(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of each half."""
    halves = half_of(rows)
    out: dict[str, list[dict[str, Any]]] = {h: [] for h in HALVES}
    for r in rows:
        out[halves[(r["kind"], r["question_id"])]].append(r)
    return out


if __name__ == "__main__":
    from collections import Counter

    for name, part in split(load_turns()).items():
        counts = Counter((r["kind"], r["label"]) for r in part)
        print(name, len(part), dict(sorted(counts.items())))
