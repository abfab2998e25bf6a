"""Choose, on train answers, the scores at which a grade's level and score must agree (domain.grades).

    interviewer eval benchmark --split train --rows TRAIN_ROWS.jsonl
    python training/fit_level_floor.py TRAIN_ROWS.jsonl          # the floor, LEVEL_NEEDS_SCORE
    python training/fit_level_floor.py --cap TRAIN_ROWS.jsonl    # the cap under the asked level

The floor: the rows must come from a grader without it (LEVEL_NEEDS_SCORE set to 0 in interviewer/domain/grades.py
while they are written): the floor only lowers a level to none, so rows graded with it cannot say what it removed.
The shipped 2.5 was chosen on rows written at commit 55826c8, the one before the floor. For each floor on a fixed
grid it computes exact agreement + within one - fooled rate (interviews.FAIL_SCORE) with the level set to none where
it is at or above the question's asked level and the score is below the floor (domain.grades.supported_level).

The cap (`--cap`): rows from a grader with the floor and without the cap (commit 2058dd1's; the cap only lowers a
score, so rows graded with it cannot say what it removed). For each cap on its grid, a grade of a non-coding
question whose level is below the asked one shows at most the cap (domain.grades.consistent_grade; coding grades
keep the floor alone), and the full goal is computed: exact + within one + Spearman - fooled - RMSE / 5. The shipped
2.5 was chosen this way on 2058dd1's rows (2.059 -> 2.084).

Prints the table and the best value (the smallest on a tie). Only train rows may be given: dev and dev2 decide
whether a value ships, test reports it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.corpus.loader import load_corpus  # noqa: E402
from interviewer.evaluation import interviews  # noqa: E402
from interviewer.evaluation.interviews import FAIL_SCORE  # noqa: E402

LEVELS = ("none", "junior", "mid", "senior")
GRID: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5)
CAP_GRID: tuple[float, ...] = (2.0, 2.25, 2.5, 2.75, 2.9, 2.99, 3.25, 5.0)
"""5.0 is no cap."""


def figures(rows: list[dict], asked: dict[str, str | None], floor: float) -> dict[str, float]:
    exact = within = fooled = fails = 0
    for r in rows:
        level, at = r["level"], asked[r["item_id"]]
        claims_asked = at is not None and level != "none" and LEVELS.index(level) >= LEVELS.index(at)
        if claims_asked and r["score"] < floor:
            level = "none"
        gap = abs(LEVELS.index(level) - LEVELS.index(r["reader_level"]))
        exact += gap == 0
        within += gap <= 1
        if r["reader_level"] == "none":
            fails += 1
            fooled += level != "none" or r["score"] > FAIL_SCORE
    n = len(rows)
    out = {"exact": exact / n, "within_one": within / n, "fooled": fooled / max(fails, 1)}
    out["objective"] = out["exact"] + out["within_one"] - out["fooled"]
    return out


def with_cap(
    rows: list[dict], asked: dict[str, str | None], coding: set[str], cap: float
) -> dict[str, float]:
    """The full goal with a level below the asked one capping the score at `cap` (non-coding questions)."""
    levels, scores = [], []
    for r in rows:
        at, score = asked[r["item_id"]], r["score"]
        below = at is not None and (r["level"] == "none" or LEVELS.index(r["level"]) < LEVELS.index(at))
        if below and r["item_id"] not in coding:
            score = min(score, cap)
        levels.append(r["level"])
        scores.append(score)
    gold = [r["reader_level"] for r in rows]
    out = interviews.level_metrics(levels, gold)
    out.update(interviews.score_metrics(np.array(scores), np.array([r["reader_score"] for r in rows])))
    fails = [i for i, g in enumerate(gold) if g == "none"]
    fooled = sum(levels[i] != "none" or scores[i] > FAIL_SCORE for i in fails) / max(len(fails), 1)
    goal = (
        out["level_exact"] + out["level_within_one"] + out["score_spearman"] - fooled - out["score_rmse"] / 5
    )
    return {
        "exact": out["level_exact"],
        "within_one": out["level_within_one"],
        "fooled": fooled,
        "spearman": out["score_spearman"],
        "rmse": out["score_rmse"],
        "objective": goal,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, help="`interviewer eval benchmark --split train --rows` output")
    ap.add_argument("--cap", action="store_true", help="choose the cap under the asked level, not the floor")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
    if any(r["split"] != "train" for r in rows):
        sys.exit("only train rows: dev and dev2 decide whether the floor ships, and test reports it")
    items = interviews.corpus_items(load_corpus(ROOT / "corpus", ROOT / "rubrics"))
    targets = {i: interviews.target_of(items, i) for i in {r["item_id"] for r in rows}}
    asked = {i: t.level for i, t in targets.items()}
    if args.cap:
        coding = {i for i, t in targets.items() if t.coding is not None}
        grid, name = CAP_GRID, "cap"
        table = {cap: with_cap(rows, asked, coding, cap) for cap in grid}
    else:
        grid, name = GRID, "floor"
        table = {floor: figures(rows, asked, floor) for floor in grid}
    for value, f in table.items():
        print(f"{name} {value:.2f}: " + ", ".join(f"{k} {v:.4f}" for k, v in f.items()))
    best = max(grid, key=lambda value: (round(table[value]["objective"], 9), -value))
    print(f"chosen: {best}")


if __name__ == "__main__":
    main()
