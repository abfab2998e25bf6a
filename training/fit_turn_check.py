"""Fit the turn validator's thresholds on the `fit` half of the labelled LLM turns and the blind sets already read.

    .venv/bin/python training/fit_turn_check.py [--out interviewer/data/turn_check.json]

The wording rules (turn_rules) and the forms of assertion (turn_claims) are fixed; what is fitted is where a
statement counts as giving the answer away (closeness to an answer text, how much closer than to the context, how
many answer words it adds; for a statement that asserts by its form, its closeness to the topic and how many words
of its own it adds; for a general claim or a question's premise, how much closer to the topic than to the context
it must be to count without new words) and where a follow-up counts as off its probe (below a floor, or below a
band and closer to the main question than to its probe). The grid is coarse on purpose (a few hundred turns). The first and second blind sets (tests/data/llm_turns_blind.jsonl, llm_turns_blind2.jsonl) were each
read once as a measure and are fitting data since; they are reported beside the halves but are no measure (the
third blind set is never loaded here, only read once with `--blind`). Among the settings that
pass at least PASS_GOAL of the good fit turns, the one with the best balanced accuracy (pass rate of good turns
plus reject rate of bad ones) is kept; ties go to the setting that passes more good turns, then to the first in
grid order. The measure half is read once, with the kept setting, and only reported.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from turn_examples import BLIND_SETS, blind_rows, fitting_rows, load_turns, split  # noqa: E402

from interviewer.config import load_settings  # noqa: E402
from interviewer.corpus.loader import Corpus, load_corpus  # noqa: E402
from interviewer.encoders.embeddings import make_embedder  # noqa: E402
from interviewer.engine.phrasing import turn_context  # noqa: E402
from interviewer.engine.turn_check import (  # noqa: E402
    Features,
    Thresholds,
    TurnChecker,
    TurnContext,
    shipped_thresholds,
)
from interviewer.evaluation import interviews  # noqa: E402

PASS_GOAL = 0.97
"""Share of good fit turns a setting must pass: above the issue's 0.90 and the 0.95 kept since, to leave room for
the other half (the statement checks of turn_claims can be set tight enough to refuse good scene-setting turns)."""
GRID: dict[str, list[Any]] = {
    "answer_cos": [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 2.0],
    "answer_margin": [-0.1, 0.0, 0.1, 0.2, 0.3],
    "answer_terms": [2, 3, 4, 5, 99],
    "probe_cos": [0.0, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6],
    "probe_band": [0.0, 0.5, 0.55, 0.6],
    "claim_cos": [0.3, 0.4, 0.5, 0.6, 2.0],
    "claim_novel": [1, 2, 3, 4, 6],
    "general_margin": [9.0, 0.1, 0.05, 0.0, -0.05],
}
VERIFIER_GRID = [None, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
"""With --verifier: P(states) of a statement for an answer text at which it gives the answer away (None: unused)."""


def context_of(row: dict[str, Any], corpus: Corpus) -> TurnContext:
    ctx = turn_context(
        row["kind"],
        interviews.target_of(interviews.corpus_items(corpus), row["question_id"]),
        probe=row["probe"],
        candidate=row["candidate_answer"],
    )
    if row["kind"] == "follow_up" and not ctx.probe_points:
        ctx = TurnContext(**{**ctx.__dict__, "probe_points": tuple(row["target_texts"])})
    return ctx


def measure(checker: TurnChecker, rows: list[dict[str, Any]], corpus: Corpus) -> dict[str, Any]:
    """Pass rate of good turns, reject rate of bad ones (per kind of fault too), and the misread turns."""
    verdicts = [(r, checker.check(r["turn"], context_of(r, corpus))) for r in rows]
    good = [v.ok for r, v in verdicts if r["label"] == "good"]
    bad = [not v.ok for r, v in verdicts if r["label"] == "bad"]
    kinds: dict[str, list[bool]] = {}
    for r, v in verdicts:
        if r["label"] == "bad":
            kinds.setdefault(r["bad_kind"], []).append(not v.ok)
    return {
        "good": len(good),
        "bad": len(bad),
        "good_passed": round(sum(good) / len(good), 3),
        "bad_rejected": round(sum(bad) / len(bad), 3),
        "rejected_by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(kinds.items())},
        "misread": [
            {"label": r["label"], "bad_kind": r["bad_kind"], "turn": r["turn"], "reason": v.reason}
            for r, v in verdicts
            if v.ok != (r["label"] == "good")
        ],
    }


def fit(checker: TurnChecker, rows: list[dict[str, Any]], corpus: Corpus, verifier: Any = None) -> Thresholds:
    """The grid setting kept by the rule in the module docstring, from features computed once per turn."""
    cases: list[tuple[bool, str, TurnContext, Features]] = []
    for r in rows:
        ctx = context_of(r, corpus)
        cases.append(
            (
                r["label"] == "good",
                checker.rule_failure(r["turn"], ctx),
                ctx,
                checker.features(r["turn"], ctx),
            )
        )
    best: tuple[float, float, Thresholds] | None = None
    grid: dict[str, list[Any]] = {
        **GRID,
        "verifier_states": VERIFIER_GRID if verifier is not None else [None],
    }
    for values in itertools.product(*grid.values()):
        t = Thresholds(**dict(zip(grid, values, strict=True)))
        trial = TurnChecker(checker.embedder, t)
        passed, rejected, n_good, n_bad = 0, 0, 0, 0
        for good, rule, ctx, f in cases:
            ok = (
                not rule
                and not trial.states_answer(f)
                and (ctx.kind != "follow_up" or not trial.off_probe(f))
            )
            n_good += good
            n_bad += not good
            passed += good and ok
            rejected += (not good) and not ok
        pass_rate, reject_rate = passed / n_good, rejected / n_bad
        if pass_rate < PASS_GOAL:
            continue
        if best is None or (pass_rate + reject_rate, pass_rate) > best[:2]:
            best = (pass_rate + reject_rate, pass_rate, t)
    if best is None:
        raise SystemExit(f"no grid setting passes {PASS_GOAL:.0%} of the good fit turns")
    return best[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "interviewer" / "data" / "turn_check.json")
    ap.add_argument(
        "--verifier",
        action="store_true",
        help="also fit a threshold on the shipped key-point verifier's P(states)",
    )
    ap.add_argument(
        "--blind",
        type=Path,
        help="only measure the shipped thresholds on this file of labelled turns (fits and writes nothing)",
    )
    args = ap.parse_args()
    settings = load_settings()
    corpus = load_corpus(settings.corpus_dir, settings.rubrics_dir)
    if args.blind:
        rows = [
            json.loads(line) for line in args.blind.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
        for r in rows:
            r["bad_kind"] = r.get("bad_kind") or ""
        result = measure(TurnChecker(make_embedder("onnx"), shipped_thresholds()), rows, corpus)
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    halves = split(load_turns())
    rows = fitting_rows()
    verifier = None
    if args.verifier:
        from interviewer.grading.verifier import make_verifier

        verifier = make_verifier("onnx")
        if verifier is None:
            raise SystemExit("--verifier: the package ships no interviewer/data/verifier.npz")
    # A checker that computes every feature (the verifier's too, when asked); trial thresholds are applied to them.
    checker = TurnChecker(
        make_embedder("onnx"), Thresholds(verifier_states=0.5 if verifier else None), verifier
    )
    kept = fit(checker, rows, corpus, verifier)
    blinds = [blind_rows(path) for path in BLIND_SETS]
    assert len(rows) == len(halves["fit"]) + sum(map(len, blinds))
    kept.fitted_on = (
        f"tests/data/llm_turns.jsonl, fit half ({len(halves['fit'])} turns, "
        f"{sum('written_by' in r for r in halves['fit'])} of them added for fitting), and the blind sets read "
        f"once each ({', '.join(f'{p.name}: {len(b)} turns' for p, b in zip(BLIND_SETS, blinds, strict=True))}; "
        f"training/turn_examples.py); best balanced accuracy with at least {PASS_GOAL:.0%} of good turns passed"
    )
    fitted = TurnChecker(checker.embedder, kept, verifier)
    names = ("blind_used_for_fitting", "blind2_used_for_fitting")
    report = {
        half: measure(fitted, part, corpus)
        for half, part in (*halves.items(), *zip(names, blinds, strict=True))
    }
    args.out.write_text(
        json.dumps({"thresholds": kept.model_dump(), "rates": report}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    for half, r in report.items():
        print(
            f"{half}: good passed {r['good_passed']:.3f} of {r['good']}, bad rejected {r['bad_rejected']:.3f} of "
            f"{r['bad']}; {r['rejected_by_kind']}"
        )
    print(json.dumps(kept.model_dump()))


if __name__ == "__main__":
    main()
