"""Fit how the grader reads one answer span against one key point, on our own corpus (never on test rows).

    .venv/bin/python training/fit_keypoints.py [--out interviewer/data/score_model.json]

The scorer's probabilities are calibrated on whole answers (ASAG train rows); a key point is one claim. Labels
come from the corpus we wrote: a question's reference answer states each of its key points (positive), and the
reference answers of other questions on the same topic, and a few off the topic, do not (negatives). A
class-balanced Platt scaling of the scorer's probability is fitted and stored in the score model's `point`.
Validation is by topic: fitted on the other topics, read on the held-out one (balanced accuracy at 0.5, AUC).

Each kind of question (concept, case, behavioural) may get its own scaling in `point_by_kind`: it is kept only if,
each question of that kind left out of both fits in turn, it reads that kind's pairs with a balanced accuracy at
least 0.01 higher than the shared scaling does (behavioural 0.755 against 0.700: kept; concept 0.9323 against
0.9322 and case 0.926 against 0.931: not). A behavioural answer is a concrete story and its key points are abstract
("started by understanding the mentee's goals"), so the shared scaling finds few of them even in the reference
answers.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.config import load_settings  # noqa: E402
from interviewer.corpus.loader import load_corpus  # noqa: E402
from interviewer.domain.target import Target  # noqa: E402
from interviewer.domain.text import clean  # noqa: E402
from interviewer.encoders.embeddings import make_embedder  # noqa: E402
from interviewer.grading.grader import RubricGrader  # noqa: E402
from interviewer.grading.score_model import ScoreModel, fit_platt, platt  # noqa: E402

SAME_TOPIC, OTHER_TOPIC = 8, 3
MIN_GAIN = 0.01  # a kind's own scaling must read its held-out questions at least this much better


def pairs(corpus, grader: RubricGrader) -> dict[str, np.ndarray]:
    """Raw scorer probability and label of every (key point, reference answer) pair, with the key point's question
    (its id, topic and kind) and the question whose reference answer is read."""
    from tqdm import tqdm

    rng = np.random.default_rng(0)
    questions = [q for q in corpus.questions if q.kind != "coding"]
    by_topic: dict[str, list] = {}
    for q in questions:
        by_topic.setdefault(q.topic, []).append(q)
    cols: dict[str, list] = {k: [] for k in ("p", "y", "topic", "kind", "target", "answer")}
    for q in tqdm(questions, desc="key points", file=sys.stderr):
        target = Target.of(q)
        same = [o for o in by_topic[q.topic] if o.id != q.id]
        other = [o for o in questions if o.topic != q.topic]
        picks = [q, *rng.choice(same, min(SAME_TOPIC, len(same)), replace=False)]
        picks += list(rng.choice(other, OTHER_TOPIC, replace=False))
        for answer_q in picks:
            text = clean(answer_q.reference_answer)
            answer, question, parts, _, q_stems = grader._encode_answer(target, text)
            units = grader._units(answer, text, parts)
            raw = grader._match(units, [k.text for k in target.key_points], question, q_stems)
            n = len(target.key_points)
            cols["p"] += list(raw.max(axis=1))
            cols["y"] += [int(answer_q.id == q.id)] * n
            cols["topic"] += [q.topic] * n
            cols["kind"] += [q.kind] * n
            cols["target"] += [q.id] * n
            cols["answer"] += [answer_q.id] * n
    return {k: np.array(v) for k, v in cols.items()}


def by_kind_heldout(d: dict[str, np.ndarray], kind: str) -> tuple[float, float]:
    """Balanced accuracy on the pairs of `kind`, each question left out of the fit (as key points and as answer):
    with one calibration for all kinds, and with one for this kind alone."""
    shared, own = np.zeros(len(d["p"])), np.zeros(len(d["p"]))
    mine = d["kind"] == kind
    for q in np.unique(d["target"][mine]):
        fit = (d["target"] != q) & (d["answer"] != q)
        out = d["target"] == q
        shared[out] = platt(d["p"][out], fit_platt(d["p"][fit], d["y"][fit]))
        own[out] = platt(d["p"][out], fit_platt(d["p"][fit & mine], d["y"][fit & mine]))
    return _balanced_accuracy(shared[mine], d["y"][mine]), _balanced_accuracy(own[mine], d["y"][mine])


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import mannwhitneyu

    return float(mannwhitneyu(p[y == 1], p[y == 0]).statistic / ((y == 1).sum() * (y == 0).sum()))


def _balanced_accuracy(p: np.ndarray, y: np.ndarray) -> float:
    hit = p >= 0.5
    return float(((hit & (y == 1)).sum() / (y == 1).sum() + (~hit & (y == 0)).sum() / (y == 0).sum()) / 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "interviewer" / "data" / "score_model.json")
    args = ap.parse_args()
    settings = load_settings()
    corpus = load_corpus(settings.corpus_dir, settings.rubrics_dir)
    model = ScoreModel.load(args.out)
    # The grader's key-point match reads through `point`; with (1, 0) it gives the raw probability to fit on.
    grader = RubricGrader(
        make_embedder("onnx"), dataclasses.replace(model, point=[1.0, 0.0], point_by_kind={})
    )
    d = pairs(corpus, grader)
    p, y, topic = d["p"], d["y"], d["topic"]
    held: dict[str, list[float]] = {"raw": [], "calibrated": []}
    for t in sorted(set(topic)):
        ab = fit_platt(p[topic != t], y[topic != t])
        held["raw"].append(_balanced_accuracy(p[topic == t], y[topic == t]))
        held["calibrated"].append(_balanced_accuracy(platt(p[topic == t], ab), y[topic == t]))
    model.point = fit_platt(p, y)
    model.point_validation = {
        "pairs": len(y),
        "positives": int(y.sum()),
        "auc": round(_auc(p, y), 4),
        "heldout_topic_balanced_accuracy_raw": round(float(np.mean(held["raw"])), 4),
        "heldout_topic_balanced_accuracy_calibrated": round(float(np.mean(held["calibrated"])), 4),
    }
    # A kind whose answers read differently (a story against abstract key points) gets its own calibration, but
    # only if that reads its held-out questions better than the shared one does.
    model.point_by_kind = {}
    for kind in sorted(set(d["kind"])):
        shared, own = by_kind_heldout(d, kind)
        model.point_validation[f"{kind}_heldout_question_balanced_accuracy_shared"] = round(shared, 4)
        model.point_validation[f"{kind}_heldout_question_balanced_accuracy_own"] = round(own, 4)
        if own >= shared + MIN_GAIN:
            mine = d["kind"] == kind
            model.point_by_kind[str(kind)] = fit_platt(p[mine], y[mine])
    model.save(args.out)
    print(
        f"point calibration {model.point}, by kind {model.point_by_kind}: {model.point_validation}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
