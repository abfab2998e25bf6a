"""What the grader reads in labelled answers before any fitted model decides: the inputs of training/fit_grades.py.

    python training/grade_readings.py --verifier V.npz --answers FOLDER --out READINGS.jsonl

For every answer: the guards' flags, the match with the reference answer, and for every key point the verifier's
probabilities (absent, states, contradicts) on the answer units the matcher ranks highest, with their match
scores; for every misconception, the verifier's reading of its best-matching unit. Exactly the path the grader
takes (interviewer/grading/grader.py), so the models fitted on these readings see at serving time what they were
fitted on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from folds import VERDICT_ONLY_WRITERS, fold_of  # noqa: E402

from interviewer.config import load_settings  # noqa: E402
from interviewer.evaluation import interviews  # noqa: E402
from interviewer.grading.verdicts import TOP_UNITS  # noqa: E402
from interviewer.grading.verifier import Verifier  # noqa: E402
from interviewer.services import Services  # noqa: E402


def top_units(grader, target, text: str, top: int) -> tuple[dict, list[str], list[list[int]], np.ndarray]:
    """The grader's reading up to the matcher: guard results, the units, each key point's top units, all matches."""
    _raw, guard, flags, graded, read = grader._guard(target, text)
    info: dict = {"flags": flags, "cap": guard.cap, "reference_match": 0.0}
    if guard.cap == 0.0 or not graded.strip():
        return info, [], [[] for _ in target.key_points], np.zeros((0, 0))
    answer, question, parts, part_vecs, q_stems = grader._encode_answer(target, graded)
    info["reference_match"] = grader._reference_match(target, answer, question, part_vecs, q_stems, flags)
    units, lenient = grader._read_units(target, graded, read, answer, parts)
    refs = [*(k.text for k in target.key_points), *target.misconceptions]
    match = grader._match(units, refs, question, q_stems, len(target.key_points), target.kind, lenient)
    tops = [np.argsort(-row, kind="stable")[:top].tolist() for row in match[: len(target.key_points)]]
    return info, units[1].texts, tops, match


def read_answer(grader, verifier: Verifier, target, text: str, top: int) -> dict:
    """The readings of one answer (see the module docstring)."""
    info, texts, tops, match = top_units(grader, target, text, top)
    kps = target.key_points
    out = {**info, "points": [], "misconceptions": []}
    for kp, order, row in zip(kps, tops, match[: len(kps)] if len(match) else [[]] * len(kps), strict=True):
        out["points"].append(
            {
                "probs": [verifier.probs(kp.text, texts[j]).round(5).tolist() for j in order],
                "match": [round(float(row[j]), 5) for j in order],
            }
        )
    for m, row in zip(target.misconceptions, match[len(kps) :], strict=False):
        out["misconceptions"].append(round(float(verifier.probs(m, texts[int(np.argmax(row))])[1]), 5))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verifier", type=Path, required=True)
    ap.add_argument(
        "--answers", type=Path, required=True, help="a folder with answers.jsonl and labels.jsonl"
    )
    ap.add_argument("--splits", default="", help="only answers of these splits (comma-separated)")
    ap.add_argument(
        "--fold",
        type=int,
        help="only answers to the questions of this half of the train questions (training/folds.py)",
    )
    ap.add_argument(
        "--verdict-extra",
        action="store_true",
        help="only the answers of folds.VERDICT_ONLY_WRITERS (for training/fit_grades.py --verdict-extra)",
    )
    ap.add_argument("--top", type=int, default=TOP_UNITS)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    svc = Services(load_settings(verifier=False))
    grader = svc.rubric_grader
    verifier = Verifier(delta=args.verifier)
    items = interviews.corpus_items(svc.corpus)
    answers = interviews.load(args.answers)
    if args.splits:
        answers = [a for a in answers if a.split in args.splits.split(",")]
    if args.verdict_extra:
        answers = [a for a in answers if a.writer in VERDICT_ONLY_WRITERS]
    if args.fold is not None:
        fold = fold_of(a.item_id for a in answers if a.split == "train")
        answers = [a for a in answers if fold.get(a.item_id) == args.fold]
    with open(args.out, "w", encoding="utf-8") as fh:
        for n, a in enumerate(answers, start=1):
            target = interviews.target_of(items, a.item_id)
            row = read_answer(grader, verifier, target, a.text, args.top)
            row.update(answer_id=a.id, item_id=a.item_id, split=a.split, asked=target.level)
            fh.write(json.dumps(row) + "\n")
            if n % 50 == 0:
                print(f"{n}/{len(answers)}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
