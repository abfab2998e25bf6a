"""`interviewer eval benchmark`: grade the labelled interview answers of one split and compare with their readers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from interviewer.evaluation import interviews
from interviewer.evaluation.asag import EvalError

SPLITS = ("train", "dev", "dev2", "test", "train-extra")
HEADLINE = (
    "level_exact",
    "level_within_one",
    "level_qwk",
    "score_spearman",
    "score_rmse",
    "score_bias",
    "fooled_rate",
    "plain_reach_rate",
    "confidence_ece",
)


def resolve(path: Path) -> Path:
    """The word `benchmark` names the packaged set; anything else must be a folder with answers and labels."""
    if str(path) == "benchmark":
        return interviews.packaged_benchmark()
    if not (path / "answers.jsonl").is_file() or not (path / "labels.jsonl").is_file():
        raise EvalError(
            f"{path} is not a labelled answer folder: it needs answers.jsonl and labels.jsonl"
            " (interviewer/data/benchmark/README.md describes them), or pass `benchmark` for the packaged set"
        )
    return path


def evaluate(
    grader: Any, corpus: Any, folder: Path, split: str, resamples: int, rows: Path | None = None
) -> dict[str, Any]:
    """Grade every answer of `split` with `grader.grade(target, text)`; the figures, and the readers' own beside.
    With `rows`, each answer's reading by the reader and by the grader also goes there, one JSON line each."""
    answers = interviews.load(resolve(folder))
    chosen = [a for a in answers if a.split == split]
    if not chosen:
        have = sorted({a.split for a in answers})
        raise EvalError(f"no answers in split {split!r}; this set has: {', '.join(have)}")
    items = interviews.corpus_items(corpus)
    missing = sorted({a.item_id for a in chosen} - set(items))
    if missing:
        raise EvalError(
            f"the corpus has no item {', '.join(missing[:5])}: is corpus/ the one the set was made on?"
        )
    interviews.check_hashes(chosen, {k: (v[1] if isinstance(v, tuple) else v) for k, v in items.items()})
    graded = interviews.grade_all(grader.grade, items, chosen)
    if rows is not None:
        write_rows(rows, chosen, graded)
    result = interviews.summarise(chosen, graded, resamples=resamples)
    result["split"] = split
    result["readers"] = interviews.reader_agreement(chosen, resamples=resamples)
    return _no_nan(result)


def write_rows(path: Path, answers: list[interviews.Answer], graded: list[interviews.Graded]) -> None:
    """One JSON line per answer: who wrote it and how, the reader's level and score beside the grader's, and the key
    points on which their verdicts differ (to find where the grader disagrees, answer by answer)."""
    with path.open("w", encoding="utf-8") as fh:
        for a, g in zip(answers, graded, strict=True):
            label = a.label
            points = [
                {"point": pid, "reader": verdict, "grader": g.points.get(pid, "absent")}
                for pid, verdict in label.points.items()
                if g.points.get(pid, "absent") != verdict
            ]
            row = {
                "answer_id": a.id,
                "item_id": a.item_id,
                "split": a.split,
                "writer": a.writer,
                "style": a.style,
                "target": a.target,
                "reader_level": label.level,
                "level": g.level,
                "reader_score": label.score,
                "score": round(g.score, 3),
                "confidence": round(g.confidence, 3),
                "flags": g.flags,
                "points_differ": points,
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _no_nan(value: Any) -> Any:
    """NaN (a figure with nothing to measure, e.g. no reader fails in the split) as null: strict JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_nan(v) for v in value]
    return value


def _num(value: Any, width: int = 8) -> str:
    return f"{value:>{width}.3f}" if isinstance(value, (int, float)) else f"{'n/a':>{width}}"


def table(result: dict[str, Any]) -> str:
    """The headline figures as text, with the readers' agreement with each other where it is measured."""
    readers = result.get("readers", {})
    lines = [
        f"split {result['split']}: {result['n']} answers to {result['questions']} questions"
        f" ({result['reader_fails']} a reader fails, {result['plain_correct']} plain and correct)",
        f"{'figure':<18} {'grader':>8}  {'95% CI':<15} {'reader vs reader':>16}",
    ]
    for key in HEADLINE:
        if key not in result:
            continue
        ci = result.get(f"{key}_ci")
        ci_text = f"{ci[0]:.2f}-{ci[1]:.2f}" if ci else ""
        other = readers.get(key)
        lines.append(
            f"{key:<18} {_num(result[key])}  {ci_text:<15} {'' if other is None else _num(other, 16)}"
        )
    lines.append("key points: " + ", ".join(f"{k} {_num(v, 0)}" for k, v in result["key_points"].items()))
    lines.append("by family (fooled rate where the reader fails, else reach rate):")
    for name, g in sorted(result["by_family"].items()):
        lines.append(
            f"  {name:<24} n={g.get('n', 0):<4} " + ", ".join(f"{k} {v}" for k, v in g.items() if k != "n")
        )
    return "\n".join(lines)
