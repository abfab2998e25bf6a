"""How the cross-encoder's verdict joins the feature scorer's: fitted on train rows the cross-encoder never saw.

Used by fit_grader.py --cross. Each delta saved by `train_cross_encoder.py` with a holdout knows which train rows it
left out (`meta.holdout_index`). The shipped one left out a question fold (new questions on familiar subjects); a
second one, left out three SciEntsBank modules (new subjects), shows how it does far from what it learned: alone it
fell from the features' 0.73 to 0.66 macro-F1 there, where on the question fold it rose. So the stack weighs the
cross-encoder by how close the question is to the questions it was trained on (nearest cosine between question
vectors): the weight is max(0, b0 + b1 * closeness).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from interviewer.encoders.cross_encoder import CrossEncoder
from interviewer.encoders.embeddings import make_embedder
from interviewer.evaluation.asag import pearson
from interviewer.grading.score_model import (
    apply_cuts,
    fit_cuts,
    fit_score_model,
    fit_stack,
    macro_f1,
    reference_words,
    stack,
)


def _held(sets: dict, delta: Path) -> dict[str, np.ndarray]:
    """Each set's train rows that `delta` left out (its indices run over the sets' train rows in order)."""
    index = set(np.load(delta, allow_pickle=False)["meta.holdout_index"].tolist())
    out, start = {}, 0
    for n, (rows, _) in sets.items():
        out[n] = np.array([start + i in index for i in range(len(rows))])
        start += len(rows)
    return out


def question_vectors(questions: list[str]) -> np.ndarray:
    embedder = make_embedder("onnx")
    return np.stack([p.vec for p in embedder.passages(questions)])  # as the grader encodes a question


def experiment(
    sets: dict, human: dict, delta: Path, fit_kw: Callable[[dict], dict], label: str
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Rows `delta` left out (the features' out-of-fold probability, the cross-encoder's, closeness, regime), and
    the vectors of the questions it was trained on."""
    from tqdm import tqdm

    held = _held(sets, delta)
    keep = {n: ~held[n] for n in sets}
    model = fit_score_model(
        np.vstack([sets[n][1][keep[n]] for n in sets]),
        np.concatenate([human[n][keep[n]] for n in sets]),
        **fit_kw(keep),
    )
    seen = sorted({sets[n][0][i].question for n in sets for i in np.flatnonzero(keep[n])})
    known = question_vectors(seen)
    cross = CrossEncoder(delta=delta)
    cols: dict[str, list] = {k: [] for k in ("p", "pc", "close", "y", "short", "set", "group")}
    for n, (rows, x) in sets.items():
        idx = np.flatnonzero(held[n])
        if not len(idx):
            continue
        qv = question_vectors([rows[i].question for i in idx])
        cols["p"].append(model.prob(x[idx]))
        cols["pc"].append(
            [
                cross.prob(rows[i].reference, rows[i].answer, rows[i].question)
                for i in tqdm(idx, desc=f"{label} {n}", file=sys.stderr)
            ]
        )
        cols["close"].append((qv @ known.T).max(axis=1))
        cols["y"].append(human[n][idx])
        cols["short"].append(reference_words(x[idx]) <= model.gate_words)
        cols["set"] += [n] * len(idx)
        cols["group"] += [f"{label}/{n}/{rows[i].qid}" for i in idx]
    out = {k: np.concatenate(v) if k not in ("set", "group") else np.array(v) for k, v in cols.items()}
    out["experiment"] = np.array([label] * len(out["y"]))
    return out, known


def _loss(q: np.ndarray, y: np.ndarray) -> float:
    q = np.clip(q, 1e-6, 1 - 1e-6)
    return float(-(y * np.log(q) + (1 - y) * np.log(1 - q)).mean())


def fit_cross(
    sets: dict, human: dict, fit_kw: Callable[[dict], dict], delta: Path, far: Path | None
) -> tuple[dict, dict, dict, np.ndarray]:
    """Per-regime stacks, a report, the shipped delta's held-out rows with final probabilities (to fit label cuts
    on), and the vectors of the questions the shipped delta was trained on."""
    parts, known = [], None
    for label, path in (("questions", delta), ("subjects", far)):
        if path is not None:
            part, vectors = experiment(sets, human, path, fit_kw, label)
            parts.append(part)
            known = vectors if known is None else known  # the shipped delta's training questions
    rows = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    p, pc, close, y = rows["p"], rows["pc"], rows["close"], rows["y"]
    regimes = {"short": rows["short"], "long": ~rows["short"]}
    stacked, alone = p.copy(), p.copy()
    for g in np.unique(rows["group"]):  # leave one question out, each regime with its own stack
        for sel in regimes.values():
            out, fit = (rows["group"] == g) & sel, (rows["group"] != g) & sel
            if out.any():
                stacked[out] = stack(
                    fit_stack(p[fit], pc[fit], close[fit], y[fit]), p[out], pc[out], close[out]
                )
                abc = fit_stack(p[fit], pc[fit], close[fit], y[fit], use_cross=False)
                alone[out] = stack(abc, p[out], pc[out], close[out])
    report: dict[str, float] = {}
    masks = {
        (label, n): (rows["experiment"] == label) & (rows["set"] == n)
        for label in np.unique(rows["experiment"])
        for n in sets
    }
    groups = [(m, f"new {label}: {n}", "saf" in n) for (label, n), m in masks.items() if m.any()]

    def agreement(q: np.ndarray, sel: np.ndarray, graded: bool) -> float:
        if graded:
            return pearson(q[sel], y[sel])
        lab = (y[sel] >= 0.5).astype(int)
        return macro_f1(lab, apply_cuts(5 * q[sel], fit_cuts(5 * q[sel], lab)))

    keep = {}
    for r, sel in regimes.items():
        # A regime's stack must lower its log-loss and lower no set's agreement on any held-out part: the
        # long regime pools SAF's graded scores with SciEntsBank's long references, and a pooled log-loss
        # alone let SciEntsBank's gain hide SAF's loss.
        only = alone.copy()
        only[sel] = stacked[sel]
        worse = [
            name for g, name, graded in groups if agreement(only, g, graded) < agreement(alone, g, graded)
        ]
        keep[r] = _loss(stacked[sel], y[sel]) < _loss(alone[sel], y[sel]) and not worse
        report[f"{r} regime log-loss, features alone"] = round(_loss(alone[sel], y[sel]), 4)
        report[f"{r} regime log-loss, with the cross-encoder"] = round(_loss(stacked[sel], y[sel]), 4)
        for name in worse:
            report[f"{r} regime stack lowers {name}"] = 1.0
        if not keep[r]:
            stacked[sel] = alone[sel]
    for g, name, graded in groups:
        for what, q in (("features", alone), ("cross", pc), ("stacked", stacked)):
            report[f"{name} {what} {'pearson' if graded else 'macro_f1'}"] = round(agreement(q, g, graded), 4)
    for key, v in report.items():
        print(f"held out: {key} {v}", file=sys.stderr)
    stacks = {r: fit_stack(p[sel], pc[sel], close[sel], y[sel]) for r, sel in regimes.items() if keep[r]}
    print(f"stacks [a, b0, b1, c]: {stacks}", file=sys.stderr)
    final = p.copy()
    for r, abc in stacks.items():
        sel = regimes[r]
        final[sel] = stack(abc, p[sel], pc[sel], close[sel])
    first = rows["experiment"] == "questions"
    held = _held(sets, delta)
    probs = {n: (np.flatnonzero(held[n]), final[first & (rows["set"] == n)]) for n in sets}
    assert known is not None
    return stacks, report, probs, known


def save_known(path: Path, known: np.ndarray) -> None:
    """The question vectors the cross-encoder's closeness is measured against, with the encoder that made them."""
    np.savez_compressed(path, vectors=known.astype(np.float16), embedder=np.array(make_embedder("onnx").name))
