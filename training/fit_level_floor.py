"""Choose the score a grade needs to name a level above none (domain.grades.LEVEL_NEEDS_SCORE) on train answers.

    interviewer eval benchmark --split train --rows TRAIN_ROWS.jsonl
    python training/fit_level_floor.py TRAIN_ROWS.jsonl

The rows must come from a grader without the floor (LEVEL_NEEDS_SCORE set to 0 in interviewer/domain/grades.py
while they are written): the floor only lowers a level to none, so rows graded with it cannot say what it removed.
The shipped 2.5 was chosen on rows written at commit 55826c8, the one before the floor.

Reads the grader's level and score beside the reader's for every answer and, for each floor on a fixed grid,
computes exact agreement + within one - fooled rate (interviews.FAIL_SCORE) with the level set to none where it is at
or above the question's asked level and the score is below the floor (domain.grades.supported_level); prints the
table and the best floor (the smallest on a tie). Only train rows may be given: dev and dev2
decide whether the floor ships, test reports it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.corpus.loader import load_corpus  # noqa: E402
from interviewer.evaluation import interviews  # noqa: E402
from interviewer.evaluation.interviews import FAIL_SCORE  # noqa: E402

LEVELS = ("none", "junior", "mid", "senior")
GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=Path, help="`interviewer eval benchmark --split train --rows` output")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.rows.read_text().splitlines() if line.strip()]
    if any(r["split"] != "train" for r in rows):
        sys.exit("only train rows: dev and dev2 decide whether the floor ships, and test reports it")
    items = interviews.corpus_items(load_corpus(ROOT / "corpus", ROOT / "rubrics"))
    asked = {i: interviews.target_of(items, i).level for i in {r["item_id"] for r in rows}}
    table = {floor: figures(rows, asked, floor) for floor in GRID}
    for floor, f in table.items():
        print(f"floor {floor:.1f}: " + ", ".join(f"{k} {v:.3f}" for k, v in f.items()))
    best = max(GRID, key=lambda floor: (round(table[floor]["objective"], 9), -floor))
    print(f"chosen: {best}")


if __name__ == "__main__":
    main()
