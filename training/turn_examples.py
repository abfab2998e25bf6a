"""The labelled LLM interviewer turns (tests/data/llm_turns.jsonl) and the fixed rule that splits them in two.

The first 180 turns were written by someone other than the validator's author: follow-ups and preambles (the
words an LLM puts before a main question), each good or bad with the kind of fault (`bad_kind`). Turns marked
`written_by` were added later for fitting, only for (kind, question) pairs of the fit half, so the halves of the
first 180 stay as they were. The turn validator's thresholds are fitted on the `fit` half only; its pass and
reject rates are reported on the `measure` half.

`tests/data/llm_turns_blind.jsonl` (100 turns written later by someone who had not seen the checks) was read
once as a blind measure; that read done, it is used for fitting too (`fitting_rows`: the fit half and the blind
set), never as a measure again. Its turns share some question ids with the measure half, but no turn.
`tests/data/llm_turns_blind2.jsonl` (100 turns by another writer who had not seen the checks) went the same way:
read once as a measure (docs/llm.md), then added to `fitting_rows`. So did the third
(`tests/data/llm_turns_blind3.jsonl`, 100 turns by a third writer) and the fourth
(`tests/data/llm_turns_blind4.jsonl`, 100 turns by a fourth writer) and the fifth
(`tests/data/llm_turns_blind5.jsonl`), the sixth and the seventh (`tests/data/llm_turns_blind6.jsonl`,
`llm_turns_blind7.jsonl`). An eighth blind set is the measure still to be read; nothing here loads it.

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
BLIND = ROOT / "tests" / "data" / "llm_turns_blind.jsonl"
"""The first blind set: measured once (docs/llm.md), now fitting data."""
BLIND2 = ROOT / "tests" / "data" / "llm_turns_blind2.jsonl"
"""The second blind set: measured once (docs/llm.md), now fitting data."""
BLIND3 = ROOT / "tests" / "data" / "llm_turns_blind3.jsonl"
"""The third blind set: measured once (docs/llm.md), now fitting data."""
BLIND4 = ROOT / "tests" / "data" / "llm_turns_blind4.jsonl"
"""The fourth blind set: measured once (docs/llm.md), now fitting data."""
BLIND5 = ROOT / "tests" / "data" / "llm_turns_blind5.jsonl"
"""The fifth blind set: measured once (docs/results/turn_check_blind5.txt), now fitting data."""
BLIND6 = ROOT / "tests" / "data" / "llm_turns_blind6.jsonl"
"""The sixth blind set: measured once (docs/results/turn_check_blind6.txt), now fitting data."""
BLIND7 = ROOT / "tests" / "data" / "llm_turns_blind7.jsonl"
"""The seventh blind set: measured once (docs/results/turn_check_blind7.txt), now fitting data."""
BLIND_SETS = (BLIND, BLIND2, BLIND3, BLIND4, BLIND5, BLIND6, BLIND7)
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


def blind_rows(path: Path) -> list[dict[str, Any]]:
    """The turns of a blind set already read, with an empty `bad_kind` for good turns."""
    rows = load_turns(path)
    for r in rows:
        r["bad_kind"] = r.get("bad_kind") or ""
    return rows


def fitting_rows() -> list[dict[str, Any]]:
    """What the thresholds are fitted on: the fit half of the labelled turns, then the blind sets already read."""
    return split(load_turns())["fit"] + [r for path in BLIND_SETS for r in blind_rows(path)]


if __name__ == "__main__":
    from collections import Counter

    for name, part in split(load_turns()).items():
        counts = Counter((r["kind"], r["label"]) for r in part)
        print(name, len(part), dict(sorted(counts.items())))
