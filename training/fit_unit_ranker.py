"""Fit the unit ranker: which unit of an answer the verifier reads for each key point.

    python training/fit_unit_ranker.py [--write]

Learns from where readers quoted their evidence in the further labelled answers (training/data/train_answers/,
evidence.jsonl): for every key point a reader marked `states` or `contradicts`, the units holding the quote are the
ones to read. A softmax over the point's units, linear in interviewer/grading/unit_ranker.FEATURES. The penalty is
chosen on the benchmark's train answers (their readers' evidence, training/data/benchmark_train_evidence.jsonl),
which the ranker never fits on, so the level models fitted on those answers' readings see a ranker as new to them
as to a candidate's answer. Dev and test are not read. With --write the ranker goes to
interviewer/data/unit_ranker.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.config import load_settings  # noqa: E402
from interviewer.evaluation import interviews  # noqa: E402
from interviewer.grading.unit_ranker import FEATURES, UnitRanker, others_best, ranker_features  # noqa: E402
from interviewer.services import Services  # noqa: E402

EXTRA = ROOT / "training" / "data" / "train_answers"
BENCHMARK_EVIDENCE = ROOT / "training" / "data" / "benchmark_train_evidence.jsonl"
PENALTIES = (0.1, 1.0, 10.0)


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def groups(folder: Path, evidence: Path, splits: tuple[str, ...]) -> list[dict]:
    """For every key point with a quoted `states` or `contradicts`: its units' features and which hold the quote
    (its first five words, spacing and case aside: a quote may run past the end of a unit)."""
    svc = Services(load_settings(verifier=False))
    grader = svc.rubric_grader
    items = interviews.corpus_items(svc.corpus)
    quotes: dict[str, dict[str, dict]] = defaultdict(dict)
    for line in evidence.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            quotes[row["answer_id"]][row["kp_id"]] = row
    out = []
    for a in interviews.load(folder):
        if a.split not in splits or a.id not in quotes:
            continue
        target = interviews.target_of(items, a.item_id)
        _raw, guard, _flags, graded = grader._guard(target, a.text)
        if guard.cap == 0.0 or not graded.strip():
            continue
        answer, question, parts, _vecs, q_stems = grader._encode_answer(target, graded)
        units = grader._units(answer, graded, parts)
        refs = [k.text for k in target.key_points]
        match, rows = grader._match_rows(units, refs, question, q_stems, len(refs), target.kind)
        others = others_best(match)
        texts = [_norm(t) for t in units[1].texts]
        for i, kp in enumerate(target.key_points):
            q = quotes[a.id].get(kp.id)
            if not q or q["verdict"] not in ("states", "contradicts") or not q["quote"].strip():
                continue
            probe = _norm(" ".join(q["quote"].split()[:5]))
            hold = np.array([probe in t for t in texts], dtype=np.float64)
            if hold.any():
                x = ranker_features(rows[:, i, :], match[i], others[i], units[1].n_words)
                out.append({"x": x, "hold": hold, "verdict": q["verdict"], "match": match[i]})
    return out


def fit(data: list[dict], l2: float) -> np.ndarray:
    """Weights maximising the probability of the units that hold the quote (L2 on all but the bias)."""
    d = len(FEATURES)

    def nll(w: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = 0.0, np.zeros(d)
        for g in data:
            z = g["x"] @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            t = g["hold"] / g["hold"].sum()
            loss -= float(t @ np.log(p + 1e-12))
            grad += g["x"].T @ (p - t)
        reg = np.r_[w[:-1], 0.0]
        return loss + l2 * float(reg @ reg), grad + 2 * l2 * reg

    start = np.zeros(d)
    start[0] = 1.0  # the matcher's own order
    return minimize(nll, start, jac=True, method="L-BFGS-B").x


def hit_rate(data: list[dict], w: np.ndarray | None, verdict: str = "") -> float:
    """Share of points whose first-ranked unit holds the quote (`w` None: the matcher's order)."""
    chosen = [g for g in data if not verdict or g["verdict"] == verdict]
    hits = sum(g["hold"][int(np.argmax(g["match"] if w is None else g["x"] @ w))] > 0 for g in chosen)
    return round(float(hits) / len(chosen), 4) if chosen else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    train = groups(EXTRA, EXTRA / "evidence.jsonl", ("train-extra",))
    held = groups(interviews.packaged_benchmark(), BENCHMARK_EVIDENCE, ("train",))
    print(f"{len(train)} quoted points to fit on, {len(held)} to choose on", file=sys.stderr)
    base = {
        f"matcher_top1{'_' + v if v else ''}": hit_rate(held, None, v) for v in ("", "states", "contradicts")
    }
    print(f"matcher's order: {base}", file=sys.stderr)
    best = None
    for l2 in PENALTIES:
        w = fit(train, l2)
        rate = hit_rate(held, w)
        print(f"l2 {l2}: top-1 holds the quote {rate} (fitted rows {hit_rate(train, w)})", file=sys.stderr)
        if best is None or rate > best[0]:
            best = (rate, l2, w)
    assert best is not None
    _, l2, w = best
    validation = base | {
        f"ranker_top1{'_' + v if v else ''}": hit_rate(held, w, v) for v in ("", "states", "contradicts")
    }
    print(f"chosen: l2 {l2}: {validation}", file=sys.stderr)
    if args.write:
        ranker = UnitRanker(
            weights=w.tolist(),
            trained_on=(
                f"{len(train)} quoted points of training/data/train_answers; L2 {l2} chosen on the"
                f" {len(held)} quoted points of the benchmark's train answers"
            ),
            validation=validation,
        )
        ranker.save(ROOT / "interviewer" / "data" / "unit_ranker.json")
        print("wrote interviewer/data/unit_ranker.json", file=sys.stderr)


if __name__ == "__main__":
    main()
