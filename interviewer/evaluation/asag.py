"""`interviewer eval`: grade a labelled CSV (shared ASAG schema) and measure agreement with the human scores."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.grading.score_model import apply_cuts, fit_cuts, macro_f1

REQUIRED = ("split", "question_id", "question", "reference_answer", "answer", "score", "max_score")
LABEL_ORDER = {"incorrect": 0, "contradictory": 0, "partially_correct": 1, "irrelevant": 0, "correct": 2}


class EvalError(ValueError):
    pass


@dataclass
class Row:
    split: str
    qid: str
    question: str
    reference: str
    answer: str
    human: float
    label: str


def read_rows(path: Path) -> list[Row]:
    if not Path(path).is_file():
        raise EvalError(f"{path}: file not found")
    csv.field_size_limit(10_000_000)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise EvalError(
                f"{path}: missing columns {missing}; expected the shared ASAG schema {list(REQUIRED)}"
            )
        rows = []
        for i, r in enumerate(reader, start=2):
            try:
                max_score = float(r["max_score"]) or 1.0
                human = 5.0 * float(r["score"]) / max_score
            except ValueError as exc:
                raise EvalError(f"{path}: line {i}: score and max_score must be numbers ({exc})") from None
            rows.append(
                Row(
                    r["split"],
                    str(r["question_id"]),
                    r["question"],
                    r["reference_answer"],
                    r["answer"],
                    human,
                    (r.get("label") or "").strip(),
                )
            )
    return rows


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import rankdata

    return pearson(rankdata(a), rankdata(b))


def qwk(a: np.ndarray, b: np.ndarray, k: int = 6) -> float:
    """Quadratic weighted kappa of both scores rounded to the integers 0..5."""
    x = np.clip(np.rint(a), 0, k - 1).astype(int)
    y = np.clip(np.rint(b), 0, k - 1).astype(int)
    obs = np.zeros((k, k))
    np.add.at(obs, (x, y), 1)
    w = np.array([[(i - j) ** 2 for j in range(k)] for i in range(k)]) / (k - 1) ** 2
    exp = np.outer(obs.sum(1), obs.sum(0)) / max(1, obs.sum())
    denom = (w * exp).sum()
    return float(1 - (w * obs).sum() / denom) if denom else float("nan")


def metrics(
    pred: np.ndarray, human: np.ndarray, labels: np.ndarray | None, cuts: list[float] | None
) -> dict[str, float]:
    out = {
        "pearson": pearson(pred, human),
        "spearman": spearman(pred, human),
        "rmse": float(np.sqrt(np.mean((pred - human) ** 2))),
        "qwk": qwk(pred, human),
    }
    if labels is not None and cuts is not None:
        out["macro_f1"] = macro_f1(labels, apply_cuts(pred, cuts))
    return out


def bootstrap(
    qids: np.ndarray, fn: Callable[[np.ndarray], dict[str, float]], n: int = 1000, seed: int = 7
) -> dict[str, list[float]]:
    """95% intervals that resample questions (answers to one question are not independent)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(qids == q) for q in np.unique(qids)]
    draws: dict[str, list[float]] = {}
    for _ in range(n):
        pick = np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        for key, val in fn(pick).items():
            draws.setdefault(key, []).append(val)
    return {
        f"{k}_ci": [round(float(np.nanpercentile(v, 2.5)), 4), round(float(np.nanpercentile(v, 97.5)), 4)]
        for k, v in draws.items()
    }


def evaluate(
    path: Path,
    score_rows: Callable[[list[Row]], np.ndarray],
    split: str | None = None,
    shipped_cuts: dict[str, list[float]] | None = None,
    resamples: int = 1000,
) -> dict[str, Any]:
    """Grade the rows of `split` (default: every non-train row) and report agreement with bootstrap intervals."""
    rows = read_rows(path)
    test = [r for r in rows if (r.split == split if split else r.split != "train")]
    if not test:
        splits = sorted({r.split for r in rows})
        raise EvalError(f"{path}: no rows in split {split!r}; the file has {splits}")
    has_labels = all(r.label for r in rows)
    labels = cuts = None
    train = [r for r in rows if r.split == "train"]
    if has_labels:
        names = sorted({r.label for r in rows}, key=lambda lab: (LABEL_ORDER.get(lab, 1), lab))
        index = {name: i for i, name in enumerate(names)}
        labels = np.array([index[r.label] for r in test])
        if train:
            print(f"fitting label thresholds on {len(train)} train rows", file=sys.stderr)
            train_scores = score_rows(train)
            cuts = fit_cuts(train_scores, np.array([index[r.label] for r in train]))
            cut_source = "train rows of this file"
        else:
            cuts = (shipped_cuts or {}).get(f"{len(names)}way") or list(
                np.linspace(0, 5, len(names) + 1)[1:-1]
            )
            cut_source = "shipped calibration"
    pred = score_rows(test)
    human = np.array([r.human for r in test])
    qids = np.array([r.qid for r in test])
    result: dict[str, Any] = {
        "file": str(path),
        "split": split or "all but train",
        "n": len(test),
        "questions": len(set(qids)),
    }
    result.update({k: round(v, 4) for k, v in metrics(pred, human, labels, cuts).items()})
    result.update(
        bootstrap(
            qids, lambda i: metrics(pred[i], human[i], None if labels is None else labels[i], cuts), resamples
        )
    )
    if cuts is not None and labels is not None:
        result["label_cuts"] = [round(c, 3) for c in cuts]
        result["label_cuts_from"] = cut_source
        result["labels"] = names
        pred_lab = apply_cuts(pred, cuts)
        result["confusion"] = [
            [int(((labels == i) & (pred_lab == j)).sum()) for j in range(len(names))]
            for i in range(len(names))
        ]
    result["mean_score"] = round(float(pred.mean()), 3)
    result["mean_human"] = round(float(human.mean()), 3)
    return result


def grader_scorer(svc: Any) -> Callable[[list[Any]], Any]:
    from tqdm import tqdm

    from interviewer.domain.target import Target

    def score(rows: list[Any]) -> Any:
        out = []
        for r in tqdm(rows, desc="grading", file=sys.stderr, leave=False):
            out.append(
                svc.rubric_grader.score(Target.from_reference(r.qid, r.question, r.reference), r.answer)
            )
        return np.array(out)

    return score


def cosine_scorer(svc: Any) -> Callable[[list[Any]], Any]:
    def score(rows: list[Any]) -> Any:
        out = []
        for r in rows:
            refs = [x for x in r.reference.split("|||") if x.strip()] or [r.reference]
            v = svc.embedder.embed([r.answer, *refs])
            out.append(5 * max(0.0, float(np.max(v[1:] @ v[0]))))
        return np.array(out)

    return score


def agreement_note() -> str:
    """One line on how well the grader agrees with human graders, from the shipped measurements."""
    import json
    from importlib import resources

    try:
        data = json.loads(resources.files("interviewer.data").joinpath("agreement.json").read_text())
    except (FileNotFoundError, ValueError):
        return "Grader agreement with human graders has not been measured for this build."
    parts = [f"{d['name']}: {d['metric']} {d['value']:.2f}" for d in data.get("results", [])]
    return "How well this grader agrees with human graders on public sets (unseen questions): " + "; ".join(
        parts
    )
