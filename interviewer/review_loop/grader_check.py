"""Checking the grader on a recruiter's own labelled answers, with the result said in words a recruiter reads.

The figures are the eval command's (interviewer/evaluation/asag.py); this module keeps the per-answer scores for
the charts and turns each figure into a sentence: what it measures, how good the value is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_CSV = "sample_labelled_answers.csv"


def sample_csv() -> Path:
    """The sample file shipped with the app: the expected columns, 32 answers written for it."""
    return Path(str(resources.files("interviewer.data").joinpath(SAMPLE_CSV)))


@dataclass
class GraderCheck:
    result: dict[str, Any]
    points: list[tuple[float, float, str]] = field(default_factory=list)
    """(people's score, grader's score, question id) per answer checked, both on the 0 to 5 scale."""
    error: str = ""

    def words(self) -> str:
        """The result in plain sentences, then the figures for those who want them."""
        if self.error:
            return f"**Cannot use this file:** {self.error}"
        r = self.result
        lines = [f"**Checked on {r['n']} answers to {r['questions']} questions.**", ""]
        if "pearson" in r and not np.isnan(r["pearson"]):
            lines.append(
                f"- **Does the grader rank answers like your reviewers?** {_strength(r['pearson'])}: when people "
                f"score an answer higher, the grader mostly does too (correlation {r['pearson']:.2f}; 1 would be "
                "the same order, 0 no relation)."
            )
        if "confusion" in r:
            matrix = np.array(r["confusion"])
            same, total = int(np.trace(matrix)), int(matrix.sum())
            lines.append(
                f"- **Does it give the same label?** For {same} of {total} answers ({same / max(total, 1):.0%}) the "
                f"grader's label matches your reviewers' (balanced over the labels: macro-F1 "
                f"{r.get('macro_f1', float('nan')):.2f}, where 1 is perfect and about 0.5 is guessing between two "
                "labels). The chart below shows where they differ."
            )
        if "rmse" in r:
            gap = (
                " Labels only put answers at 0 or 5, so this gap is large even when the labels agree; read the"
                " label agreement instead."
                if "confusion" in r
                else ""
            )
            lines.append(
                f"- **How far apart are the scores?** On average about {r['rmse']:.1f} points on the 0 to 5 scale"
                f" (your scores are put on that scale as 5 x score / max score).{gap}"
            )
        if "label_cuts" in r:
            lines.append(
                f"- **Where the grader's score turns into your labels:** at {r['label_cuts']} on the 0 to 5 scale, "
                f"fitted on the {r['label_cuts_from']}. Suggested score thresholds for these labels."
            )
        lines += ["", "<details><summary>All figures, with 95% intervals</summary>", ""]
        lines += ["| metric | value | 95% interval |", "|---|---|---|"]
        for k in ("pearson", "spearman", "qwk", "rmse", "macro_f1"):
            if k in r:
                lines.append(f"| {k} | {r[k]} | {r.get(k + '_ci', '')} |")
        lines += ["", "</details>"]
        return "\n".join(lines)


def _strength(r: float) -> str:
    if r >= 0.7:
        return "Closely"
    if r >= 0.5:
        return "Fairly closely"
    if r >= 0.3:
        return "Loosely"
    return "Hardly"


def check_grader(services: Any, csv_path: str) -> GraderCheck:
    """Grade every answer of the file that is not a train row (all of them when it has only train rows)."""
    from interviewer.evaluation.asag import EvalError, evaluate, grader_scorer, read_rows

    scorer = grader_scorer(services)
    calls: list[tuple[list[Any], np.ndarray]] = []

    def keep_scores(rows: list[Any]) -> np.ndarray:
        scores = scorer(rows)
        calls.append((rows, scores))
        return scores

    try:
        rows = read_rows(Path(csv_path))
        has_test = any(r.split != "train" for r in rows)
        result = evaluate(
            Path(csv_path),
            keep_scores,
            None if has_test else "train",
            services.score_model.cuts,
            resamples=200,
        )
    except EvalError as exc:
        return GraderCheck({}, error=str(exc))
    checked, scores = calls[
        -1
    ]  # the last call grades the checked rows (an earlier one fits label thresholds)
    points = [(float(r.human), float(s), r.qid) for r, s in zip(checked, scores, strict=True)]
    return GraderCheck(result, points)
