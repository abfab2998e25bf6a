"""`interviewer eval` on our own labelled interview answers: level, score and key-point agreement with readers.

The set lives in `interviewer/data/benchmark/` (README there): `answers.jsonl` (one answer per line, with its
question, split, writer, target and style) and `labels.jsonl` (a reader's level, 0-5 score and per-key-point verdict;
the first label of an answer is its primary one, any later one a second reader's). Each label carries a hash of
every key point's text, so a label whose key point has changed since is refused rather than silently misread.

Length (about 350 lines): loading, checking and scoring the labelled set are one pipeline, read top to bottom; the
shared statistics (bootstrap, QWK) come from asag.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from interviewer.domain.questions import LEVELS, GradingItem, Level, Verdict
from interviewer.evaluation.asag import EvalError, qwk, spearman

VERDICTS = ("none", *LEVELS)
POINT_VERDICTS = ("states", "contradicts", "absent")
FAIL_SCORE = 2.5
"""An answer a reader fails is fooling the grader when it reaches a level or scores above this."""
PLAIN_STYLES = ("terse", "casual", "story")
"""Answer styles the grader used to be too harsh on (the benchmark issue's 'terse, casual or story')."""


def point_hash(text: str) -> str:
    """The hash a label records for a key point's text: the label is void once the text changes."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]


def packaged_benchmark() -> Path:
    return Path(str(resources.files("interviewer.data").joinpath("benchmark")))


@dataclass
class Label:
    reader: str
    level: Verdict
    score: float
    points: dict[str, str]
    hashes: dict[str, str]


@dataclass
class Answer:
    id: str
    item_id: str
    split: str
    writer: str
    target: str
    style: str
    text: str
    labels: list[Label] = field(default_factory=list)

    @property
    def family(self) -> str:
        """The adversarial family, or '' for an answer written at an intended level."""
        return self.target.split(":", 1)[1] if self.target.startswith("adversarial:") else ""

    @property
    def label(self) -> Label:
        return self.labels[0]


def _jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise EvalError(f"{path}: file not found")
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalError(f"{path}:{n}: not valid JSON ({exc})") from None


def load(folder: Path) -> list[Answer]:
    """The answers of the set with their labels (answers without a label are left out)."""
    folder = Path(folder)
    if folder.is_file():
        folder = folder.parent
    answers: dict[str, Answer] = {}
    for n, row in _jsonl(folder / "answers.jsonl"):
        try:
            a = Answer(
                row["answer_id"],
                row["item_id"],
                row["split"],
                row["writer"],
                row["target"],
                row.get("style", ""),
                row["answer"],
            )
        except KeyError as exc:
            raise EvalError(f"{folder / 'answers.jsonl'}:{n}: missing field {exc}") from None
        answers[a.id] = a
    for n, row in _jsonl(folder / "labels.jsonl"):
        found = answers.get(row.get("answer_id", ""))
        if found is None:
            raise EvalError(f"{folder / 'labels.jsonl'}:{n}: unknown answer_id {row.get('answer_id')!r}")
        if row.get("level") not in VERDICTS:
            raise EvalError(f"{folder / 'labels.jsonl'}:{n}: level must be one of {VERDICTS}")
        found.labels.append(
            Label(row["reader"], row["level"], float(row["score"]), row["points"], row.get("hashes", {}))
        )
    return [a for a in answers.values() if a.labels]


def check_hashes(answers: list[Answer], items: dict[str, GradingItem]) -> None:
    """Refuse labels whose question is gone or whose key points changed since they were labelled."""
    stale: dict[str, set[str]] = {}
    for a in answers:
        item = items.get(a.item_id)
        if item is None:
            stale.setdefault(a.item_id, set()).add("(question not in the corpus)")
            continue
        now = {k.id: point_hash(k.text) for k in item.key_points}
        for lab in a.labels:
            if lab.hashes != now:
                changed = {k for k in now.keys() | lab.hashes.keys() if now.get(k) != lab.hashes.get(k)}
                stale.setdefault(a.item_id, set()).update(changed)
    if stale:
        lines = [f"{q}: {', '.join(sorted(ks))}" for q, ks in sorted(stale.items())]
        raise EvalError(
            f"{len(stale)} questions' key points changed since they were labelled; relabel them "
            "(or restore the key points):\n  " + "\n  ".join(lines)
        )


# -- agreement ------------------------------------------------------------------------------------------------


def _rank(level: str) -> int:
    return VERDICTS.index(level)


def level_metrics(pred: list[str], gold: list[str]) -> dict[str, float]:
    p = np.array([_rank(x) for x in pred])
    g = np.array([_rank(x) for x in gold])
    return {
        "level_exact": float(np.mean(p == g)),
        "level_within_one": float(np.mean(np.abs(p - g) <= 1)),
        "level_qwk": qwk(p.astype(float), g.astype(float), k=len(VERDICTS)),
    }


def score_metrics(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    return {
        "score_spearman": spearman(pred, gold),
        "score_rmse": float(np.sqrt(np.mean((pred - gold) ** 2))),
        "score_bias": float(np.mean(pred - gold)),
        "score_qwk": qwk(pred, gold),
    }


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: how far stated confidence is from the share of verdicts that were right."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.mean() * abs(float(confidence[sel].mean()) - float(correct[sel].mean()))
    return total


def point_metrics(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Precision and recall of `states` and of `contradicts` over (grader, reader) verdicts of key points."""
    out: dict[str, float] = {}
    for v in ("states", "contradicts"):
        said = sum(1 for p, _ in pairs if p == v)
        true = sum(1 for _, g in pairs if g == v)
        hit = sum(1 for p, g in pairs if p == v and g == v)
        out[f"{v}_precision"] = hit / said if said else float("nan")
        out[f"{v}_recall"] = hit / true if true else float("nan")
    return out


@dataclass
class Graded:
    """What the grader said of one answer, reduced to what is compared with the reader."""

    level: str
    score: float
    confidence: float
    points: dict[str, str]
    flags: list[str] = field(default_factory=list)


def grade_points(grade: Any, met_threshold: float = 0.5) -> dict[str, str]:
    """A grade's verdict per key point: its own when it gives one, else `states` when met at the threshold."""
    out = {}
    for c in grade.criteria:
        verdict = getattr(c, "verdict", None)
        out[c.id] = verdict or ("states" if c.met >= met_threshold else "absent")
    return out


def summarise(answers: list[Answer], graded: list[Graded], resamples: int = 1000) -> dict[str, Any]:
    """Every agreement figure the benchmark issue asks for, with 95% intervals that resample questions."""
    gold_lv = [a.label.level for a in answers]
    gold_sc = np.array([a.label.score for a in answers])
    pred_lv = [g.level for g in graded]
    pred_sc = np.array([g.score for g in graded])
    conf = np.array([g.confidence for g in graded])
    qids = np.array([a.item_id for a in answers])
    fails = np.array([a.label.level == "none" for a in answers])
    fooled = np.array([g.level != "none" or g.score > FAIL_SCORE for g in graded])
    plain = np.array([a.style in PLAIN_STYLES and a.label.level != "none" for a in answers])
    near = np.array(
        [_rank(g.level) >= _rank(a.label.level) - 1 for a, g in zip(answers, graded, strict=True)]
    )

    def headline(idx: np.ndarray) -> dict[str, float]:
        out = {
            **level_metrics([pred_lv[i] for i in idx], [gold_lv[i] for i in idx]),
            **score_metrics(pred_sc[idx], gold_sc[idx]),
        }
        f, p = fails[idx], plain[idx]
        out["fooled_rate"] = float(fooled[idx][f].mean()) if f.any() else float("nan")
        out["plain_reach_rate"] = float(near[idx][p].mean()) if p.any() else float("nan")
        return out

    everything = np.arange(len(answers))
    result: dict[str, Any] = {
        "n": len(answers),
        "questions": len(set(qids)),
        "reader_fails": int(fails.sum()),
        "plain_correct": int(plain.sum()),
    }
    result.update({k: round(v, 4) for k, v in headline(everything).items()})
    result.update(_bootstrap(qids, headline, resamples))
    exact = np.array([p == g for p, g in zip(pred_lv, gold_lv, strict=True)], dtype=float)
    result["confidence_ece"] = round(ece(conf, exact), 4)
    pairs = [
        (g.points.get(k, "absent"), v)
        for a, g in zip(answers, graded, strict=True)
        for k, v in a.label.points.items()
    ]
    result["key_points"] = {k: round(v, 4) for k, v in point_metrics(pairs).items()}
    result["by_family"] = _groups(answers, graded, lambda a: a.family or "(intended level)", fooled, near)
    result["by_style"] = _groups(answers, graded, lambda a: a.style, fooled, near)
    result["by_target"] = _groups(
        answers, graded, lambda a: a.target.split(":")[0] if a.family else a.target, fooled, near
    )
    return result


def _groups(
    answers: list[Answer],
    graded: list[Graded],
    key: Callable[[Answer], str],
    fooled: np.ndarray,
    near: np.ndarray,
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    names = sorted({key(a) for a in answers})
    for name in names:
        idx = np.array([i for i, a in enumerate(answers) if key(a) == name])
        fails = np.array([answers[i].label.level == "none" for i in idx])
        row = {
            "n": len(idx),
            **level_metrics([graded[i].level for i in idx], [answers[i].label.level for i in idx]),
        }
        row.pop("level_qwk")
        row["fooled_rate"] = float(fooled[idx][fails].mean()) if fails.any() else float("nan")
        row["reach_rate"] = float(near[idx].mean())
        row["mean_score"] = float(np.mean([graded[i].score for i in idx]))
        row["mean_reader_score"] = float(np.mean([answers[i].label.score for i in idx]))
        out[name] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
    return out


def _bootstrap(
    qids: np.ndarray, fn: Callable[[np.ndarray], dict[str, float]], n: int, seed: int = 7
) -> dict[str, list[float]]:
    from interviewer.evaluation.asag import bootstrap

    return bootstrap(qids, fn, n=n, seed=seed) if n else {}


def reader_agreement(answers: list[Answer], resamples: int = 1000) -> dict[str, Any]:
    """The same figures between a first and a second reader, on the answers two readers labelled."""
    both = [a for a in answers if len(a.labels) >= 2]
    if not both:
        return {"n": 0}
    second = [Graded(a.labels[1].level, a.labels[1].score, 1.0, a.labels[1].points) for a in both]
    out = summarise(both, second, resamples)
    for key in ("confidence_ece", "by_family", "by_style", "by_target"):
        out.pop(key, None)
    return out


# -- the set as a whole ---------------------------------------------------------------------------------------

STAGE_LEVEL: Level = "mid"
"""The level a scenario stage counts as asked at in this set (readers scored stages as if asked at mid)."""


def split_digest(folder: Path, split: str) -> str:
    """sha256 of a split's answers and labels, canonically serialised: the frozen test split is checked by it."""
    folder = Path(folder)
    answers = sorted(
        (row for _, row in _jsonl(folder / "answers.jsonl") if row.get("split") == split),
        key=lambda r: r["answer_id"],
    )
    ids = {r["answer_id"] for r in answers}
    labels = sorted(
        (row for _, row in _jsonl(folder / "labels.jsonl") if row.get("answer_id") in ids),
        key=lambda r: (r["answer_id"], r["reader"]),
    )
    blob = json.dumps({"answers": answers, "labels": labels}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def corpus_items(corpus: Any) -> dict[str, Any]:
    """Every gradable item of the corpus by benchmark id: questions by id, scenario stages as `scenario#stage`."""
    items: dict[str, Any] = {q.id: q for q in corpus.questions}
    for sc in corpus.scenarios:
        for st in sc.stages:
            items[f"{sc.id}#{st.id}"] = (sc, st)
    for old in getattr(corpus, "id_map", {}):  # a label made for a merged question reads as its successor's
        items.setdefault(old, items.get(corpus.resolve(old)))
    return {k: v for k, v in items.items() if v is not None}


def target_of(items: dict[str, Any], item_id: str) -> Any:
    """The grading target of an item, a stage asked at STAGE_LEVEL."""
    from interviewer.domain.target import Target

    obj = items[item_id]
    if isinstance(obj, tuple):
        sc, st = obj
        target = Target.of(st, level=STAGE_LEVEL, kind="case", topic=sc.topic)
        target.id = item_id
        target.level = STAGE_LEVEL
        return target
    return Target.of(obj)


def grade_all(grade: Callable[[Any, str], Any], items: dict[str, Any], answers: list[Answer]) -> list[Graded]:
    """Grade every answer with `grade(target, text)` (the product grader), reduced to what is compared."""
    import sys

    from tqdm import tqdm

    out = []
    for a in tqdm(answers, desc="grading", file=sys.stderr, leave=False):
        g = grade(target_of(items, a.item_id), a.text)
        out.append(Graded(g.level, float(g.score), float(g.confidence), grade_points(g), list(g.flags)))
    return out
