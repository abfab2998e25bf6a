"""Fit the rubric scorer's calibration on the `train` rows of the shared ASAG sets (never on test rows).

    .venv/bin/python training/fit_grader.py [--data ../shared/data/asag] [--out interviewer/data/score_model.json]

Features are cached under data/asag_features/ (computing them takes about 15 minutes on 2 cores). The regime gate
and the L2 penalty were chosen by question-grouped 5-fold cross-validation on train rows; the script prints that
cross-validation for the shipped setting. Test splits are reported by `interviewer eval`, not here.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from interviewer.evaluation.asag import pearson, read_rows  # noqa: E402
from interviewer.grading.score_model import apply_cuts, fit_cuts, fit_score_model, macro_f1  # noqa: E402

SETS = ["semeval2013_beetle_2way", "semeval2013_scientsbank_2way", "saf_v2_en"]
GATE_WORDS, L2, BALANCE = 30.0, 10.0, False


def train_features(name: str, data: Path, cache: Path) -> tuple[list, np.ndarray]:
    """Features of every train row of one set, computed by the shipped grader code (cached)."""
    from tqdm import tqdm

    from interviewer.domain.target import Target
    from interviewer.encoders.embeddings import make_embedder
    from interviewer.grading.grader import RubricGrader

    rows = [r for r in read_rows(data / f"{name}.csv") if r.split == "train"]
    path = cache / make_embedder("onnx").name / f"{name}.pkl"  # features of one encoder build only
    if path.exists():
        cached_rows, x = pickle.loads(path.read_bytes())
        if len(cached_rows) == len(rows):
            return rows, x
    grader = RubricGrader(make_embedder("onnx"), model=None)  # type: ignore[arg-type]
    x = np.stack(
        [
            grader.features(Target.from_reference(r.qid, r.question, r.reference), r.answer)
            for r in tqdm(rows, desc=name, file=sys.stderr)
        ]
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps((rows, x)))
    return rows, x


def question_folds(sets: dict) -> dict[str, np.ndarray]:
    """Question-grouped 5-fold split of each set's train rows: what unseen questions look like."""
    folds = {}
    for n, (rows, _) in sets.items():
        qids = [r.qid for r in rows]
        uq = sorted(set(qids))
        of = dict(zip(uq, np.random.default_rng(0).integers(0, 5, len(uq)), strict=True))
        folds[n] = np.array([of[q] for q in qids])
    return folds


def set_weights(sets: dict, balance: bool, keep: dict | None = None) -> np.ndarray:
    """Row weights: 1 each, or (balance) every set weighing the same in total."""
    parts = []
    for n, (rows, _) in sets.items():
        k = len(rows) if keep is None else int(keep[n].sum())
        parts.append(np.full(k, (1.0 / k) if balance else 1.0))
    w = np.concatenate(parts)
    return w / w.mean()


def cross_validate(sets: dict, human: dict, folds: dict, gate: float, l2: float, balance: bool) -> dict:
    report = {}
    for n, (_, x) in sets.items():
        scores = []
        for k in range(5):
            keep = {m: (folds[m] != k) if m == n else np.ones(len(folds[m]), bool) for m in sets}
            model = fit_score_model(
                np.vstack([sets[m][1][keep[m]] for m in sets]),
                np.concatenate([human[m][keep[m]] for m in sets]),
                set_weights(sets, balance, keep),
                gate_words=gate,
                l2=l2,
            )
            tr, te = folds[n] != k, folds[n] == k
            p_tr, p_te = model.prob(x[tr]), model.prob(x[te])
            if "saf" in n:
                scores.append(pearson(p_te, human[n][te]))
            else:
                lab = (human[n] >= 0.5).astype(int)
                scores.append(macro_f1(lab[te], apply_cuts(5 * p_te, fit_cuts(5 * p_tr, lab[tr]))))
        report[n] = round(float(np.mean(scores)), 4)
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "asag")
    ap.add_argument("--out", type=Path, default=ROOT / "interviewer" / "data" / "score_model.json")
    ap.add_argument("--cache", type=Path, default=ROOT / "data" / "asag_features")
    ap.add_argument("--sweep", action="store_true", help="print the cross-validation grid and stop")
    ap.add_argument(
        "--cross",
        type=Path,
        default=None,
        help="the shipped cross-encoder delta (trained with --holdout K): fit how it joins the features",
    )
    ap.add_argument(
        "--cross-far",
        type=Path,
        default=None,
        help="a delta trained with --holdout-modules: how the cross-encoder does on subjects it never saw",
    )
    args = ap.parse_args()
    sets = {n: train_features(n, args.data, args.cache) for n in SETS}
    human = {n: np.array([r.human / 5 for r in rows]) for n, (rows, _) in sets.items()}

    folds = question_folds(sets)
    if args.sweep:
        for gate in (15.0, 30.0, 60.0, 1e9):
            for l2 in (0.1, 1.0, 10.0, 100.0):
                for balance in (False, True):
                    r = cross_validate(sets, human, folds, gate, l2, balance)
                    print(f"gate {gate:g} l2 {l2:g} balance {balance}: {r}", file=sys.stderr)
        return
    report = cross_validate(sets, human, folds, GATE_WORDS, L2, BALANCE)
    for n, v in report.items():
        print(f"cv {n}: {'pearson' if 'saf' in n else 'macro_f1'} {v}", file=sys.stderr)

    x_all = np.vstack([x for _, x in sets.values()])
    y_all = np.concatenate(list(human.values()))
    model = fit_score_model(x_all, y_all, set_weights(sets, BALANCE), gate_words=GATE_WORDS, l2=L2)
    # Label cuts on the probabilities the app will give: the features' on every train row, or with a
    # cross-encoder the stacked ones on the rows its training left out.
    rows_probs = {n: (np.arange(len(sets[n][0])), model.prob(sets[n][1])) for n in sets}
    if args.cross:
        from stack_cross import fit_cross, save_known

        def fit_kw(keep: dict) -> dict:
            return {"weights": set_weights(sets, BALANCE, keep), "gate_words": GATE_WORDS, "l2": L2}

        model.cross, model.cross_validation, rows_probs, known = fit_cross(
            sets, human, fit_kw, args.cross, args.cross_far
        )
        save_known(args.out.parent / "cross_encoder_questions.npz", known)
    cuts = {}
    two = [n for n in sets if "semeval" in n]
    cuts["2way"] = fit_cuts(
        5 * np.concatenate([rows_probs[n][1] for n in two]),
        np.concatenate([(human[n][rows_probs[n][0]] >= 0.5).astype(int) for n in two]),
    )
    order = {"incorrect": 0, "partially_correct": 1, "correct": 2}
    saf_idx, saf_p = rows_probs["saf_v2_en"]
    saf_rows = sets["saf_v2_en"][0]
    cuts["3way"] = fit_cuts(5 * saf_p, np.array([order[saf_rows[i].label] for i in saf_idx]))
    model.cuts = cuts
    model.trained_on = ", ".join(f"{n} train ({len(sets[n][0])} rows)" for n in sets)
    model.validation = {f"cv_{k}": v for k, v in report.items()}
    model.save(args.out)
    print(f"saved {args.out}: cuts {cuts}", file=sys.stderr)


if __name__ == "__main__":
    main()
